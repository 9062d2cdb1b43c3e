// The worker is bulk work: on a host it shares with the API (or Postgres), a poller of GET /status
// should not wait behind a page being parsed. A nice value lets the kernel's scheduler prefer the
// others when the CPU is contended and costs nothing when it is not (a dedicated host).
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import type { Logger } from './logger.js';

/**
 * Sets the nice value of every thread of this process. On Linux a nice value belongs to a thread,
 * not the process (`setpriority(PRIO_PROCESS, 0)` changes the calling thread only), and a new
 * thread starts with its creator's: the main thread, V8's and libuv's threads and the Temporal
 * core's are all set, and call it again after starting more threads. Returns the threads changed.
 */
export function lowerThreadPriority(nice: number, logger?: Logger): number {
  let tids: number[];
  try {
    tids = readdirSync('/proc/self/task').map(Number).filter(Number.isInteger);
  } catch {
    tids = [0]; // not Linux: the process (other systems give a process one priority)
  }
  let changed = 0;
  for (const tid of tids) {
    try {
      setPriority(tid, nice);
      changed++;
    } catch (err) {
      // A thread that ended meanwhile, or a value this user may not set (raising needs privilege).
      logger?.debug({ tid, err: (err as Error).message }, 'could not set thread priority');
    }
  }
  return changed;
}
