import { DEFAULT_ACCOUNT } from '../core/accounts.js';
import { withAdmin } from './admin.js';
import type { CommonOptions } from './options.js';

export async function keysCommand(
  args: string[],
  options: CommonOptions & { account?: string; json?: boolean },
): Promise<void> {
  const [sub, id] = args;
  await withAdmin(options, async ({ accounts }) => {
    switch (sub) {
      case 'create': {
        const key = await accounts.createKey(options.account ?? DEFAULT_ACCOUNT);
        // The one time the secret is shown: it is stored sealed and cannot be read back.
        console.log(
          options.json
            ? JSON.stringify(key)
            : `account:           ${key.accountName} (${key.accountId})\naccessKeyId:       ${key.accessKeyId}\naccessKeySecret:   ${key.accessKeySecret}`,
        );
        return;
      }
      case 'list': {
        const keys = await accounts.listKeys();
        if (options.json) console.log(JSON.stringify(keys));
        else
          for (const k of keys)
            console.log(
              `${k.accessKeyId}  ${k.status.padEnd(8)}  ${k.accountName}  ${new Date(k.createdAt).toISOString()}`,
            );
        return;
      }
      case 'disable':
      case 'enable': {
        if (!id) throw new Error(`usage: openecs keys ${sub} <AccessKeyId>`);
        await accounts.setKeyStatus(id, sub === 'disable' ? 'Inactive' : 'Active');
        console.log(`${id} ${sub}d`);
        return;
      }
      default:
        throw new Error(
          'usage: openecs keys create [--account NAME] | list | disable <AccessKeyId> | enable <AccessKeyId>',
        );
    }
  });
}
