import { type BrowserContext, type BrowserContextOptions, type Browser, chromium } from 'playwright-core';

/** Debian's Chromium, driven by playwright-core (which ships no browser of its own). */
export const CHROMIUM = '/usr/bin/chromium';

/** Headless, sandbox-free (tests may run as root) and quiet: nothing reaches out to the network by itself. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** A headless Chromium; the caller closes it. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}

/**
 * Playwright waits 30 s by default. The suite runs two test files at once on two cores, and a
 * page, noVNC and a guest's boot then share the machine with them: waits get more room, so a slow
 * machine makes a test slow, not red. A screen that never shows still fails.
 */
const WAIT_MS = 90_000;

/** A headless Chromium on its own profile directory (Playwright passes it as --user-data-dir). */
export async function launchChromiumContext(
  profile: string,
  options: BrowserContextOptions = {},
): Promise<BrowserContext> {
  const context = await chromium.launchPersistentContext(profile, {
    ...options,
    executablePath: CHROMIUM,
    args: FLAGS,
  });
  context.setDefaultTimeout(WAIT_MS);
  return context;
}
