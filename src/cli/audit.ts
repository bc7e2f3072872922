import { withAdmin } from './admin.js';
import type { CommonOptions } from './options.js';

export async function auditCommand(
  options: CommonOptions & { instance?: string; since?: string; json?: boolean },
): Promise<void> {
  let since: number | undefined;
  if (options.since) {
    since = Date.parse(options.since);
    if (Number.isNaN(since)) throw new Error('--since takes a date/time, e.g. 2026-11-23T06:00:00Z');
  }
  await withAdmin(options, async ({ store }) => {
    const records = await store.repos.audit.list({ resourceId: options.instance, since });
    if (options.json) return console.log(JSON.stringify(records, null, 2));
    for (const r of records) {
      console.log(
        [
          new Date(r.at).toISOString(),
          r.dialect,
          r.action,
          r.resourceId ?? '-',
          r.outcome,
          r.accountId ?? '-',
          r.accessKeyId ?? '-',
          r.sourceIp,
          r.requestId,
          r.detail ?? '',
        ].join('  '),
      );
    }
  });
}
