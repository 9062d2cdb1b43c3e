// The rate-limit figure: the simulator limits the key to R requests a minute (and answers after `latencyMs`); the
// worker is configured a few percent below R. The simulator's request counter is sampled every
// 250 ms; the achieved rate is taken over the steady window from the first request seen to the last
// (start-up excluded, reported separately), and 429s come from the simulator's own stats.

export interface SimStats {
  requests: number;
  status429: number;
}

export interface RateSample {
  t: number;
  requests: number;
  status429: number;
}

export interface RateResult {
  requests: number;
  status429: number;
  windowMs: number;
  /** Requests per minute over the steady window. */
  rpm: number;
  /** Requests per minute from the POST to the end of the window (start-up included). */
  rpmFromPost: number;
}

export class RateSampler {
  private samples: RateSample[] = [];
  private running = true;
  private loop: Promise<void>;

  private constructor(private readonly stats: () => Promise<SimStats>) {
    this.loop = (async () => {
      while (this.running) {
        await new Promise((r) => setTimeout(r, 250));
        if (this.running) await this.sample();
      }
    })();
  }

  static async start(stats: () => Promise<SimStats>): Promise<RateSampler> {
    const s = new RateSampler(stats);
    await s.sample();
    return s;
  }

  private async sample() {
    const t = performance.now();
    const s = await this.stats();
    this.samples.push({ t, requests: s.requests, status429: s.status429 });
  }

  async stop(): Promise<RateResult> {
    this.running = false;
    await this.loop;
    await this.sample();
    const first = this.samples[0]!;
    const last = this.samples[this.samples.length - 1]!;
    // Steady window: from the sample just before the first request to the last sample that changed.
    let i0 = 0;
    while (i0 + 1 < this.samples.length && this.samples[i0 + 1]!.requests === first.requests) i0++;
    let i1 = this.samples.length - 1;
    while (i1 > i0 && this.samples[i1 - 1]!.requests === last.requests) i1--;
    const a = this.samples[i0]!;
    const b = this.samples[i1]!;
    const windowMs = b.t - a.t;
    const requests = last.requests - first.requests;
    return {
      requests,
      status429: last.status429 - first.status429,
      windowMs,
      rpm: windowMs > 0 ? ((b.requests - a.requests) / windowMs) * 60_000 : NaN,
      rpmFromPost: ((b.requests - first.requests) / (b.t - first.t)) * 60_000,
    };
  }
}
