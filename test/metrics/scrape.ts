// Reading Prometheus text exposition: sample values by name and labels, and the metric families a
// scrape declares (its `# TYPE` lines), for tests that check what an endpoint really exports.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseSamples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** Sum of every sample of `name` whose labels include `match`. */
export function total(samples: Sample[], name: string, match: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);
}

/** Family names declared with `# TYPE`. */
export function families(text: string): Set<string> {
  return new Set([...text.matchAll(/^# TYPE (\S+) \S+/gm)].map((m) => m[1]!));
}

/** True when `name` is a family of the scrape or one of its series (`_bucket`, `_sum`, `_count`, `_total`). */
export function isExported(fams: Set<string>, name: string): boolean {
  if (fams.has(name)) return true;
  const base = name.replace(/_(bucket|sum|count|total)$/, '');
  return fams.has(base);
}

/** Metric names an expression uses: every identifier with one of the exported prefixes. */
export function metricNamesIn(expr: string): string[] {
  return [...new Set([...expr.matchAll(/\b(?:backfill|temporal|process|nodejs)_[a-zA-Z0-9_]+/g)].map((m) => m[0]))];
}

/** Label names an expression groups or filters by (`by (...)`, `{name="..."}`). */
export function labelNamesIn(expr: string): string[] {
  const grouped = [...expr.matchAll(/\bby\s*\(([^)]*)\)/g)].flatMap((m) => m[1]!.split(',').map((s) => s.trim()).filter(Boolean));
  const matched = [...expr.matchAll(/\{([^}]*)\}/g)].flatMap((m) => [...m[1]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1]!));
  return [...new Set([...grouped, ...matched])];
}
