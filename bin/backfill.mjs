#!/usr/bin/env node
// `npx backfill ...`: runs the TypeScript CLI (src/cli/main.ts) through tsx's loader API, so the
// package needs no build step. Plain Node 20+.
import { tsImport } from 'tsx/esm/api';

const { main } = await tsImport('../src/cli/main.ts', import.meta.url);
await main(process.argv.slice(2));
