// @ts-check
// The schedules page (#/schedules): every schedule from GET /api/v1/schedules (Temporal's truth:
// state, spec, next run) with its last runs (jobs from Postgres, linked to their job pages), and
// buttons to pause or unpause and to trigger a run now. Polled while shown.
import { api } from './api.js';
import { $, h, setText } from './dom.js';
import * as f from './fmt.js';

/** @typedef {import('./api.js').ScheduleJson} ScheduleJson */

const RUNS_SHOWN = 3;

/** @param {string} hash */
export const schedulesInHash = (hash) => /^#\/schedules\/?$/.test(hash);

/** @param {string} iso */
const when = (iso) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
};

/**
 * @param {{ onError: (err: unknown) => void; toast: (kind: string, text: string) => void }} deps
 */
export function createSchedulesView({ onError, toast }) {
  /** @type {{ shown: boolean; list: ScheduleJson[] | null; busy: Set<string> }} */
  const state = { shown: false, list: null, busy: new Set() };

  async function load() {
    if (!state.shown) return;
    const r = await api.schedules();
    state.list = r.schedules;
    render();
  }

  /** @param {ScheduleJson} s @param {'pause' | 'unpause' | 'trigger'} action */
  async function act(s, action) {
    state.busy.add(s.id);
    render();
    try {
      const r = await api.scheduleAction(s.id, action);
      toast('ok', r.message);
      await load();
    } catch (err) {
      toast('error', err instanceof Error ? err.message : String(err));
      onError(err);
    } finally {
      state.busy.delete(s.id);
      render();
    }
  }

  function render() {
    const body = $('sc-body');
    const list = state.list ?? [];
    $('sc-empty').hidden = state.list === null || list.length > 0;
    setText($('sc-status'), state.list === null ? 'loading…' : `${list.length} schedule${list.length === 1 ? '' : 's'}`);
    body.replaceChildren(
      ...list.map((s) => {
        const busy = state.busy.has(s.id);
        return h(
          'tr',
          { dataset: { schedule: s.id, paused: String(s.paused) } },
          h('td', null, h('a', { href: s.temporal_ui_url, target: '_blank', rel: 'noopener noreferrer', class: 'num' }, s.id)),
          h('td', null, h('span', { class: 'pill', dataset: { status: s.paused ? 'paused' : 'running' }, 'data-role': 'state' }, s.paused ? 'paused' : 'active'), s.note ? h('div', { class: 'muted' }, s.note) : null),
          h(
            'td',
            null,
            h(
              'div',
              { class: 'acts' },
              h('button', { type: 'button', class: 'btn small', 'data-action': s.paused ? 'unpause' : 'pause', disabled: busy, onclick: () => void act(s, s.paused ? 'unpause' : 'pause') }, s.paused ? 'Unpause' : 'Pause'),
              h('button', { type: 'button', class: 'btn small primary', 'data-action': 'trigger', disabled: busy, onclick: () => void act(s, 'trigger') }, 'Run now'),
            ),
          ),
          h('td', { class: 'num' }, s.spec, h('div', { class: 'muted' }, `${s.time_zone} · lookback ${s.lookback_sessions}`)),
          h('td', null, `${s.symbols.slice(0, 4).join(', ')}${s.symbols.length > 4 ? ` +${s.symbols.length - 4}` : ''}`, h('div', { class: 'muted' }, s.timeframes.join(', '))),
          h('td', { class: 'num', 'data-role': 'next' }, s.next_runs[0] ? when(s.next_runs[0]) : '—'),
          h(
            'td',
            null,
            h(
              'div',
              { class: 'runs', 'data-role': 'runs' },
              s.runs.length
                ? s.runs.slice(0, RUNS_SHOWN).map((r) =>
                    h('a', { href: `#/jobs/${encodeURIComponent(r.job_id)}`, dataset: { job: r.job_id } }, h('span', { class: 'pill', dataset: { status: r.status } }, r.status), ` ${r.start_date} → ${r.end_date} · ${f.ago(r.created_at, Date.now())}`),
                  )
                : h('span', { class: 'muted' }, 'no runs yet'),
            ),
          ),
        );
      }),
    );
  }

  /** @param {boolean} want */
  function show(want) {
    $('schedules').hidden = !want;
    state.shown = want;
    if (want) void load().catch(onError);
  }

  return { show, load };
}
