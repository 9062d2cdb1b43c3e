// A port picked now and bound later (by a child process, seconds after) must not be one the kernel
// hands out for `listen(0)`: parallel test files bind port 0 all the time, and one of them took
// the simulator's port of `npm run dev` between the pick and its use in CI. Ports below the
// ephemeral range are never assigned that way, so only a deliberate bind can take one.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 11_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

const taken = new Set<number>();

/** A free loopback port below the kernel's ephemeral range, distinct from those this process picked. */
export async function unassignedPort(): Promise<number> {
  const high = ephemeralLow();
  const low = Math.max(10_000, high - 12_000);
  for (let i = 0; i < 200; i++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (taken.has(port)) continue;
    if (await bindable(port)) {
      taken.add(port);
      return port;
    }
  }
  throw new Error(`no free port in ${low}..${high - 1}`);
}
