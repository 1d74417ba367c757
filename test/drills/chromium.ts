import { accessSync, constants } from 'node:fs';

/** Debian's chromium; override with FIREBREAK_CHROMIUM. */
export const CHROMIUM = process.env.FIREBREAK_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/**
 * True when headless Chromium is installed. Missing: a failure under FIREBREAK_REQUIRE_SERVICES=1 (CI
 * installs it with scripts/setup.sh), otherwise a skip with a message saying so.
 */
export function chromiumAvailable(suite: string): boolean {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return true;
  } catch {
    if (process.env.FIREBREAK_REQUIRE_SERVICES === '1') throw new Error(`${suite}: Chromium not found at ${CHROMIUM} and FIREBREAK_REQUIRE_SERVICES=1`);
    process.stderr.write(`[${suite}] SKIPPED: Chromium not found at ${CHROMIUM} (install it with scripts/setup.sh; FIREBREAK_REQUIRE_SERVICES=1 makes this a failure)\n`);
    return false;
  }
}
