import { PREVIEW_FEATURES, type PreviewFeature } from '../core/attributes.js';
import { withAdmin } from './admin.js';
import type { CommonOptions } from './options.js';

export async function accountsCommand(args: string[], options: CommonOptions & { json?: boolean }): Promise<void> {
  const [sub, name, feature, state] = args;
  await withAdmin(options, async ({ accounts, store }) => {
    if (sub === 'list') {
      const all = await store.repos.accounts.list();
      if (options.json) return console.log(JSON.stringify(all));
      for (const a of all) console.log(`${a.name}  ${a.accountId}  preview: ${a.previewFeatures.join(',') || '-'}`);
      return;
    }
    if (
      sub === 'preview' &&
      name &&
      PREVIEW_FEATURES.includes(feature as PreviewFeature) &&
      (state === 'on' || state === 'off')
    ) {
      const account = await accounts.setPreviewFeature(name, feature!, state === 'on');
      return console.log(`${account.name}: preview ${account.previewFeatures.join(',') || '(none)'}`);
    }
    throw new Error(`usage: openecs accounts list | preview <account> <${PREVIEW_FEATURES.join('|')}> on|off`);
  });
}
