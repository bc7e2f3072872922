import { defineOperation } from '../operation.js';
import { p } from '../params.js';

/**
 * The console gateway's address for a browser: ws:// (wss:// behind TLS) on the public URL's
 * host, percent-encoded as Alibaba returns it, ready to append as the web terminal's vncUrl.
 */
export function vncUrl(publicUrl: string, token: string): string {
  const base = new URL(publicUrl);
  const scheme = base.protocol === 'https:' ? 'wss:' : 'ws:';
  const prefix = base.pathname.replace(/\/+$/, '');
  return encodeURIComponent(`${scheme}//${base.host}${prefix}/websockify/?s=${token}`);
}

export default defineOperation({
  action: 'DescribeInstanceVncUrl',
  mutating: false,
  params: { RegionId: p.string({ required: true }), InstanceId: p.string({ required: true }) },
  errors: { InstanceNotInRegion: ['InvalidRegionInstance', 400] },
  async handle({ core, caller, settings }, params) {
    const { token } = await core.consoles.issue(caller, { regionId: params.RegionId, instanceId: params.InstanceId });
    return { VncUrl: vncUrl(settings.publicUrl, token) };
  },
});
