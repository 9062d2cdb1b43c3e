// `npm run temporal:ensure` and `postinstall`: make sure a Temporal CLI exists, print its path.
// Under postinstall a missing toolchain only warns, so that `npm ci` still installs packages;
// everything that needs the server (dev, tests, bench) fails loudly instead.
import { ensureTemporalCli } from './temporal-cli.mjs';

const postinstall = process.argv.includes('--postinstall');
if (postinstall && process.env.BACKFILL_SKIP_TEMPORAL_BUILD === '1') process.exit(0);
try {
  const path = ensureTemporalCli();
  console.log(`Temporal CLI: ${path}`);
} catch (err) {
  console.error(String(err instanceof Error ? err.message : err));
  process.exit(postinstall ? 0 : 1);
}
