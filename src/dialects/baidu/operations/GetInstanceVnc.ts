import { defineOperation } from '../operation.js';

/** Baidu documents the vnc URL as valid for 10 minutes and good for one use. */
export const VNC_URL_TTL_MS = 10 * 60 * 1000;

/**
 * The web terminal page for a console token: the console page (/vnc/) with the gateway's
 * ws(s)://.../websockify/?s=<token> as its vncUrl, on the public URL's host. Baidu's own pages are
 * vnc_auto.html?token=...; callers only open the URL, so its shape is ours to choose.
 */
export function webTerminalUrl(publicUrl: string, token: string, instanceId: string, isWindows: boolean): string {
  const base = new URL(publicUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  const gateway = `${base.protocol === 'https:' ? 'wss:' : 'ws:'}//${base.host}${prefix}/websockify/?s=${token}`;
  const query = new URLSearchParams({ vncUrl: gateway, instanceId, isWindows: String(isWindows) });
  return `${base.protocol}//${base.host}${prefix}/vnc/?${query}`;
}

/**
 * GET /v2/instance/{instanceId}/vnc: a one-time web terminal URL for a Running instance. Issuing
 * is audited by core's console service (ConsoleIssued), as for Alibaba's DescribeInstanceVncUrl.
 */
export default defineOperation({
  name: 'GetInstanceVNC',
  method: 'GET',
  path: 'instance/{id}/vnc',
  mutating: false,
  async handle(ctx) {
    const instance = await ctx.instance();
    const { token } = await ctx.core.consoles.issue(ctx.caller, {
      regionId: ctx.regionId,
      instanceId: instance.instanceId,
      ttlMs: VNC_URL_TTL_MS,
    });
    return {
      vncUrl: webTerminalUrl(ctx.settings.publicUrl, token, instance.instanceId, instance.osType === 'windows'),
    };
  },
});
