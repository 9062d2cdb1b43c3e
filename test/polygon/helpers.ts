import { type Bar } from '../../src/polygon/index.js';

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown> & { results?: Bar[]; next_url?: string; resultsCount?: number; queryCount?: number; status?: string };
}

/** A plain GET against the simulator, outside the client, to check the wire format itself. */
export async function get(url: string, key: string | null = 'test-key'): Promise<RawResponse> {
  const res = await fetch(url, { headers: key === null ? {} : { authorization: `Bearer ${key}` } });
  const text = await res.text();
  let json: RawResponse['json'] = {};
  try {
    json = JSON.parse(text) as RawResponse['json'];
  } catch {
    // Left empty for non-JSON bodies.
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Follows next_url to the end, returning every bar and the per-page responses. */
export async function getAll(url: string, key = 'test-key'): Promise<{ bars: Bar[]; pages: RawResponse[] }> {
  const pages: RawResponse[] = [];
  const bars: Bar[] = [];
  let next: string | undefined = url;
  while (next) {
    const r = await get(next, key);
    if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${r.text}`);
    pages.push(r);
    for (const b of r.json.results ?? []) bars.push({ ...b, vw: b.vw ?? null, n: b.n ?? null });
    next = r.json.next_url;
    if (pages.length > 10_000) throw new Error('runaway pagination');
  }
  return { bars, pages };
}

export const iso = (ms: number): string => new Date(ms).toISOString();
