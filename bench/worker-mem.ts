// Where the worker's memory goes: its own /metrics (prom-client's process and V8 gauges, read at
// scrape time) sampled during a job. RSS from /proc says how much; this says whether it is the V8
// heap (objects: parsed bars, strings), external memory (Buffers: response bodies, COPY payloads)
// or neither (code, the Temporal runtime, the workflow threads' isolates, allocator slack).
import { sleep } from './stats.js';

export interface WorkerMemAt {
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  samples: number;
}

const GAUGES = {
  rssMb: 'process_resident_memory_bytes',
  heapUsedMb: 'nodejs_heap_size_used_bytes',
  heapTotalMb: 'nodejs_heap_size_total_bytes',
  externalMb: 'nodejs_external_memory_bytes',
} as const;

function gauge(text: string, name: string): number {
  const m = new RegExp(`^${name} ([0-9.e+]+)`, 'm').exec(text);
  return m ? Number(m[1]) / (1024 * 1024) : NaN;
}

/** Samples the worker's /metrics every `everyMs` until stopped; reports the sample of highest RSS and each gauge's own maximum. */
export function sampleWorkerMemory(metricsUrl: string, everyMs = 250): { stop(): Promise<{ atPeak: WorkerMemAt; max: WorkerMemAt } | undefined> } {
  let running = true;
  let atPeak: WorkerMemAt | undefined;
  const max: WorkerMemAt = { rssMb: 0, heapUsedMb: 0, heapTotalMb: 0, externalMb: 0, samples: 0 };
  const loop = (async () => {
    while (running) {
      try {
        const r = await fetch(metricsUrl, { signal: AbortSignal.timeout(2_000) });
        const text = await r.text();
        const s = { samples: 0 } as WorkerMemAt;
        for (const [k, name] of Object.entries(GAUGES)) s[k as keyof typeof GAUGES] = gauge(text, name);
        max.samples++;
        for (const k of Object.keys(GAUGES) as (keyof typeof GAUGES)[]) if (s[k] > max[k]) max[k] = s[k];
        if (!atPeak || s.rssMb > atPeak.rssMb) atPeak = s;
      } catch {
        /* a busy worker may miss a scrape; the next one counts */
      }
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return atPeak && { atPeak: { ...atPeak, samples: max.samples }, max };
    },
  };
}
