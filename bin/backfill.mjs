#!/usr/bin/env node
// `npx backfill ...`: the CLI. Runs the compiled CLI (dist/, from `npm run build`) with plain Node;
// a source checkout that was never built falls back to the TypeScript through tsx (a dev dependency).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/src/cli/main.js', import.meta.url);
const { main } = existsSync(compiled)
  ? await import(compiled.href)
  : await (await import('tsx/esm/api')).tsImport('../src/cli/main.ts', import.meta.url);
await main(process.argv.slice(2));
