// The vocabulary's word lists spelled as SQL, so that a statement names a list instead of writing
// it out again. The words are the product's own constants, never input: inlining them keeps each
// statement's text fixed (one prepared plan) and lets the planner see the values.
import { UNIT_STATUSES } from '../../workflows/vocabulary.js';

const WORD = /^[a-z_]+$/;

/** `'a', 'b'` for use inside IN (...). */
export function sqlList(words: readonly string[]): string {
  for (const w of words) if (!WORD.test(w)) throw new Error(`not a vocabulary word: ${JSON.stringify(w)}`);
  return words.map((w) => `'${w}'`).join(', ');
}

/** A unit that may still run: an attempt can claim it. */
export const OPEN_UNIT_STATUSES = ['pending', 'running'] as const satisfies readonly (typeof UNIT_STATUSES)[number][];
/** A unit that has stopped (until a retry requeues a failed one). */
export const DONE_UNIT_STATUSES = UNIT_STATUSES.filter((s) => !(OPEN_UNIT_STATUSES as readonly string[]).includes(s));

/** One `count(*) FILTER (WHERE <column> = '<status>')::int AS "<status>"` per unit status, comma-separated. */
export const unitStatusCounts = (column = 'status'): string =>
  UNIT_STATUSES.map((s) => `count(*) FILTER (WHERE ${column} = ${sqlList([s])})::int AS ${s}`).join(',\n            ');

/**
 * Sum over running units of the share of their planned pages done (issue 16): a unit counts
 * min(pages, pages_planned) / pages_planned of itself until it ends; one without a plan yet counts 0.
 */
export const runningUnitFraction = (table = ''): string => {
  const c = (name: string) => `${table ? `${table}.` : ''}${name}`;
  return `coalesce(sum(least(${c('pages')}, ${c('pages_planned')})::float8 / ${c('pages_planned')})
              FILTER (WHERE ${c('status')} = 'running' AND ${c('pages_planned')} > 0), 0)::float8`;
};
