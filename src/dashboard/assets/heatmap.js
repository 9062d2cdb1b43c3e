// @ts-check
// The coverage heat-map: one cell per New York date of a series, coloured by the state the API
// gives it, month by month (Monday first), with a legend and a tooltip per day. The series browser
// lists GET /api/v1/series; a unit row of a job links here with the job's range. Routed by hash:
// #/coverage/<symbol>/<timeframe>?start=&end=&adjusted=. The states come from the vocabulary.
import { api, ApiError } from './api.js';
import { $, $button, $input, $select, h, setText } from './dom.js';
import * as f from './fmt.js';

/** @typedef {import('./api.js').Vocabulary} Vocabulary */
/** @typedef {import('./api.js').CoverageJson} CoverageJson */
/** @typedef {{ symbol: string; timeframe: string; start: string; end: string; adjusted: boolean }} CoverageTarget */

const DAY_MS = 86_400_000;
/** The default span when a series is picked without a range: its last year of fetched dates. */
const DEFAULT_DAYS = 366;
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** @param {string} state */
const stateLabel = (state) => state.replaceAll('_', ' ');

/** @param {CoverageTarget} t */
export function coverageHash(t) {
  const q = new URLSearchParams({ start: t.start, end: t.end, adjusted: String(t.adjusted) });
  return `#/coverage/${encodeURIComponent(t.symbol)}/${encodeURIComponent(t.timeframe)}?${q}`;
}

/**
 * The target of a #/coverage hash: null for other hashes, no range when the hash gives none.
 * @param {string} hash
 * @returns {{ symbol: string; timeframe: string; start?: string; end?: string; adjusted: boolean } | null}
 */
export function coverageInHash(hash) {
  const m = /^#\/coverage(?:\/([^/?#]+)\/([^/?#]+))?\/?(?:\?(.*))?$/.exec(hash);
  if (!m) return null;
  const q = new URLSearchParams(m[3] ?? '');
  return {
    symbol: m[1] ? decodeURIComponent(m[1]) : '',
    timeframe: m[2] ? decodeURIComponent(m[2]) : '',
    start: q.get('start') ?? undefined,
    end: q.get('end') ?? undefined,
    adjusted: q.get('adjusted') !== 'false',
  };
}

/** @param {string} day */
const utc = (day) => new Date(`${day}T00:00:00Z`);
/** @param {Date} d */
const isoDay = (d) => d.toISOString().slice(0, 10);

/**
 * @param {{ day: CoverageJson['days'][number] }} x
 */
function tooltipText({ day }) {
  const parts = [day.date, stateLabel(day.state), `${f.int(day.bars)} bar${day.bars === 1 ? '' : 's'}`];
  if (day.violations) parts.push(`${f.int(day.violations)} violation${day.violations === 1 ? '' : 's'} (${day.rules.join(', ')})`);
  if (day.outside_session) parts.push(`${f.int(day.outside_session)} outside session`);
  return parts.join(' · ');
}

/**
 * The heat-map view and its series browser.
 * @param {{ vocab: Vocabulary; onError: (err: unknown) => void }} deps
 */
export function createHeatmapView({ vocab, onError }) {
  const state = {
    /** @type {CoverageTarget | null} */ target: null,
    /** @type {CoverageJson | null} */ coverage: null,
    /** @type {string} */ error: '',
    /** @type {{ symbol: string; timeframe: string; adjusted: boolean; fetched: { start: string; end: string }[] }[]} */ series: [],
    seq: 0,
    refreshing: false,
  };
  const pick = $select('hm-series');
  const tip = $('hm-tip');

  pick.addEventListener('change', () => {
    const s = state.series[Number(pick.value)];
    if (!s) return;
    const last = s.fetched[s.fetched.length - 1];
    const first = s.fetched[0];
    const end = last?.end ?? isoDay(new Date());
    const floor = isoDay(new Date(utc(end).getTime() - (DEFAULT_DAYS - 1) * DAY_MS));
    const start = first && first.start > floor ? first.start : floor;
    location.hash = coverageHash({ symbol: s.symbol, timeframe: s.timeframe, adjusted: s.adjusted, start, end });
  });
  $('hm-form').addEventListener('submit', (e) => {
    e.preventDefault();
    if (!state.target) return;
    location.hash = coverageHash({ ...state.target, start: $input('hm-start').value.trim(), end: $input('hm-end').value.trim() });
  });
  $('hm-grid').addEventListener('mouseover', (e) => showTip(e.target));
  $('hm-grid').addEventListener('focusin', (e) => showTip(e.target));
  $('hm-grid').addEventListener('mouseleave', () => (tip.hidden = true));
  $('hm-grid').addEventListener('focusout', () => (tip.hidden = true));

  /** @param {EventTarget | null} el */
  function showTip(el) {
    const cell = el instanceof HTMLElement ? el.closest('.hm-cell[data-date]') : null;
    const day = cell instanceof HTMLElement ? state.coverage?.days.find((d) => d.date === cell.dataset.date) : undefined;
    if (!(cell instanceof HTMLElement) || !day) {
      tip.hidden = true;
      return;
    }
    setText(tip, tooltipText({ day }));
    tip.dataset.state = day.state;
    tip.hidden = false;
    const box = cell.getBoundingClientRect();
    const host = $('hm-grid').getBoundingClientRect();
    tip.style.left = `${box.left - host.left + box.width / 2}px`;
    // Below the cell: the rows above stay readable while the pointer moves down the month.
    tip.style.top = `${box.bottom - host.top + 6}px`;
  }

  async function loadSeries() {
    const page = await api.series({ limit: 1000 });
    state.series = page.series;
    const options = page.series.map((s, i) => h('option', { value: String(i) }, `${s.symbol} · ${s.timeframe}${s.adjusted ? '' : ' · raw'}`));
    pick.replaceChildren(h('option', { value: '' }, page.series.length ? 'Pick a stored series…' : 'No stored series yet'), ...options);
    selectCurrent();
  }

  function selectCurrent() {
    const t = state.target;
    const i = t ? state.series.findIndex((s) => s.symbol === t.symbol && s.timeframe === t.timeframe && s.adjusted === t.adjusted) : -1;
    pick.value = i >= 0 ? String(i) : '';
  }

  /**
   * Shows the view for a #/coverage hash (loading that series' coverage), or hides it for null.
   * @param {ReturnType<typeof coverageInHash>} want
   */
  function show(want) {
    $('coverage').hidden = !want;
    if (!want) return;
    void loadSeries().catch(onError);
    if (!want.symbol || !want.timeframe) {
      state.target = null;
      state.coverage = null;
      render();
      return;
    }
    const end = want.end ?? isoDay(new Date());
    const start = want.start ?? isoDay(new Date(utc(end).getTime() - (DEFAULT_DAYS - 1) * DAY_MS));
    state.target = { symbol: want.symbol, timeframe: want.timeframe, adjusted: want.adjusted, start, end };
    void load();
  }

  async function load() {
    const t = state.target;
    if (!t) return;
    const seq = ++state.seq;
    state.error = '';
    setText($('hm-status'), 'Loading…');
    try {
      const cov = await api.coverage(t.symbol, t.timeframe, { start: t.start, end: t.end, adjusted: t.adjusted });
      if (seq !== state.seq) return;
      state.coverage = cov;
    } catch (err) {
      if (seq !== state.seq) return;
      state.coverage = null;
      state.error = err instanceof Error ? err.message : String(err);
      if (!(err instanceof ApiError && (err.status === 400 || err.status === 404))) onError(err);
    }
    render();
  }

  /**
   * Asks for the shown range again (the dashboard's poller calls it) and redraws only when the
   * answer changed: a running job's dates fill in without a reload, and a tooltip stays put while
   * nothing moves. A failure keeps the last picture; the next poll tries again.
   */
  async function refresh() {
    const t = state.target;
    if ($('coverage').hidden || !t || !state.coverage || state.refreshing) return;
    const seq = state.seq;
    state.refreshing = true;
    try {
      const cov = await api.coverage(t.symbol, t.timeframe, { start: t.start, end: t.end, adjusted: t.adjusted });
      if (seq !== state.seq || JSON.stringify(cov) === JSON.stringify(state.coverage)) return;
      state.coverage = cov;
      render();
    } finally {
      state.refreshing = false;
    }
  }

  function render() {
    const t = state.target;
    const c = state.coverage;
    selectCurrent();
    setText($('hm-title'), t ? `${t.symbol} · ${t.timeframe}${t.adjusted ? '' : ' · raw'}` : 'Coverage');
    $input('hm-start').value = t?.start ?? '';
    $input('hm-end').value = t?.end ?? '';
    $button('hm-show').disabled = !t;
    setText($('hm-status'), state.error || (c ? `${c.start} → ${c.end} · ${c.calendar.name} calendar` : t ? '' : 'Pick a series, or follow a unit’s symbol from a job.'));
    $('hm-status').classList.toggle('bad', Boolean(state.error));
    tip.hidden = true;
    renderLegend(c);
    renderSummary(c);
    // The tooltip lives in the grid (positioned against it), so it is kept when the months change.
    $('hm-grid').replaceChildren(tip, ...(c ? months(c) : []));
  }

  /** @param {CoverageJson | null} c */
  function renderLegend(c) {
    const counts = /** @type {Record<string, number>} */ ({});
    for (const d of c?.days ?? []) counts[d.state] = (counts[d.state] ?? 0) + 1;
    $('hm-legend').replaceChildren(
      ...vocab.coverage_states.map((s) =>
        h('span', { class: 'hm-key', 'data-state': s }, h('span', { class: 'hm-swatch', 'data-state': s }), stateLabel(s), h('span', { class: 'num muted' }, c ? f.int(counts[s] ?? 0) : '')),
      ),
    );
  }

  /** @param {CoverageJson | null} c */
  function renderSummary(c) {
    if (!c) return $('hm-gaps').replaceChildren();
    const s = c.summary;
    const gaps = s.gaps.map((g) => h('li', { 'data-state': g.state }, `${g.start === g.end ? g.start : `${g.start} → ${g.end}`} · ${stateLabel(g.state)} · ${f.int(g.sessions)} session${g.sessions === 1 ? '' : 's'}`));
    const figures = h('div', { class: 'hm-figures num' }, `${f.int(s.complete)} / ${f.int(s.sessions)} sessions complete · ${f.int(s.gaps.length)} gap${s.gaps.length === 1 ? '' : 's'}`);
    $('hm-gaps').replaceChildren(figures, ...(gaps.length ? [h('ul', { class: 'hm-gap-list' }, gaps)] : []));
  }

  /** @param {CoverageJson} c */
  function months(c) {
    /** @type {Map<string, CoverageJson['days']>} */
    const byMonth = new Map();
    for (const d of c.days) {
      const k = d.date.slice(0, 7);
      const list = byMonth.get(k) ?? [];
      list.push(d);
      byMonth.set(k, list);
    }
    return [...byMonth].map(([month, days]) => {
      const lead = (utc(days[0].date).getUTCDay() + 6) % 7;
      const cells = [
        ...WEEKDAYS.map((w) => h('span', { class: 'hm-wd' }, w.slice(0, 2))),
        ...Array.from({ length: lead }, () => h('span', { class: 'hm-cell blank' })),
        ...days.map((d) =>
          h('span', { class: 'hm-cell', tabindex: '0', 'data-date': d.date, 'data-state': d.state, 'aria-label': tooltipText({ day: d }) }, String(Number(d.date.slice(8)))),
        ),
      ];
      return h('div', { class: 'hm-month', 'data-month': month }, h('div', { class: 'hm-month-name' }, `${MONTHS[Number(month.slice(5)) - 1]} ${month.slice(0, 4)}`), h('div', { class: 'hm-days' }, cells));
    });
  }

  return { show, refresh };
}
