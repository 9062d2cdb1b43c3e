// Worker-thread bootstrap for the simulator. Under `tsx` the thread inherits its loader and
// `./thread.js` resolves to thread.ts; elsewhere (vitest, plain node) register tsx first.
let mod;
try {
  mod = await import('./thread.js');
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' && e?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw e;
  const { register } = await import('tsx/esm/api');
  register();
  mod = await import('./thread.ts');
}
await mod.runSimThread();
