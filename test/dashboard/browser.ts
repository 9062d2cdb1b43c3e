// Debian's Chromium driven by playwright-core. Fails loudly when the browser is missing: the
// dashboard tests are part of `npm test`, and a skipped browser test would hide a broken page.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. The dashboard tests need Debian's chromium: ` +
        '`apt-get install -y chromium` (.ci/run installs it), or set CHROMIUM_PATH.',
    );
  }
  // playwright-core gives every launch a fresh, empty profile directory of its own.
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
