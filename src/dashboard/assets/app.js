// @ts-check
// The dashboard page: recent jobs, a job view with live progress, unit table and controls, a
// start form, and the coverage heat-map (heatmap.js, #/coverage/...). Polls the API once a second; hash routing (#/jobs/<id>); no framework, no build.
// Each view is made by a factory that owns its state (the module holds constants only), and the
// statuses it knows come from GET /api/v1/vocabulary, not from a copy here.
import { api, ApiError, getApiKey, setApiKey } from './api.js';
import { $, $button, $input, $select, $svg, h, setText, svg } from './dom.js';
import * as f from './fmt.js';
import { coverageHash, coverageInHash, createHeatmapView } from './heatmap.js';
import { createSchedulesView, schedulesInHash } from './schedules.js';

/** @typedef {import('./api.js').Vocabulary} Vocabulary */
/** @typedef {import('./api.js').JobStatusJson} JobStatusJson */
/** @typedef {import('./api.js').JobSummaryJson} JobSummaryJson */
/** @typedef {import('./api.js').UnitJson} UnitJson */

const POLL_MS = 1000;
const UNITS_PAGE = 50;
const SPARK_WINDOW_MS = 120_000;
const TIMEFRAMES = ['1m', '5m', '15m', '30m', '1h', '4h', '1d', '1w', '1mo'];
/** How the start form words the reprocess modes the vocabulary lists (a mode it does not know shows as its name). */
const REPROCESS_LABELS = { missing: 'only days not already stored (final)', all: 'everything again' };

// ---------------------------------------------------------------- connection + toasts

function newKey() {
  return typeof globalThis.crypto?.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

function setConn(kind, text) {
  const el = $('conn');
  el.dataset.state = kind;
  setText($('conn-text'), text);
}

function noteError(err) {
  if (err instanceof ApiError && err.status === 401) {
    setConn('auth', 'API key required');
    showBanner('The API requires a key. Enter it in the API key field (top right) and press Save.');
  } else if (err instanceof ApiError && err.status === 0) {
    setConn('down', 'API unreachable');
  } else if (err instanceof ApiError && err.status >= 500) {
    setConn('warn', `API ${err.status}: ${err.code}`);
  }
}

function showBanner(text) {
  const b = $('banner');
  setText(b, text);
  b.hidden = false;
}

function toast(kind, text) {
  const t = h('div', { class: `toast ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
  $('toasts').append(t);
  setTimeout(() => t.classList.add('leaving'), 4500);
  setTimeout(() => t.remove(), 5000);
}

// ---------------------------------------------------------------- helpers

function unitTotals(s) {
  const u = s?.units ?? {};
  const n = (v) => (typeof v === 'number' ? v : 0);
  return { total: n(u.total), pending: n(u.pending), running: n(u.running), completed: n(u.completed), failed: n(u.failed), cancelled: n(u.cancelled) };
}

function pill(status) {
  return h('span', { class: 'pill', 'data-status': status ?? '' }, f.statusLabel(status));
}

function miniBar(pctValue, status) {
  const w = Math.max(0, Math.min(100, Number(pctValue) || 0));
  return h('div', { class: 'mini', 'data-status': status }, h('div', { class: 'mini-fill', style: { width: `${w}%` } }), h('span', { class: 'mini-pct num' }, f.pct(pctValue)));
}

function isoDay(d) {
  return d.toISOString().slice(0, 10);
}

// ---------------------------------------------------------------- views

/**
 * Runs `load` now and every POLL_MS while the page is visible; a refresh asked for while one runs
 * runs once more after it.
 * @param {() => Promise<void>} load
 */
function createPoller(load) {
  let inflight = false;
  let again = false;
  async function tick() {
    if (inflight) {
      again = true;
      return;
    }
    inflight = true;
    try {
      await load();
    } finally {
      inflight = false;
    }
    if (again) {
      again = false;
      await tick();
    }
  }
  async function loop() {
    if (!document.hidden) await tick();
    setTimeout(loop, POLL_MS);
  }
  document.addEventListener('visibilitychange', () => !document.hidden && void tick());
  return { refreshSoon: () => void tick(), start: () => void loop() };
}

/**
 * The recent-jobs table and the status tape above it.
 * @param {{ vocab: Vocabulary; selected: () => string | null; refreshSoon: () => void }} deps
 */
function createRecentView({ vocab, selected, refreshSoon }) {
  /** @type {{ filter: string; jobs: JobSummaryJson[] }} */
  const state = { filter: '', jobs: [] };
  const filter = $select('recent-filter');
  filter.append(...vocab.job_statuses.map((s) => h('option', { value: s }, s === 'completed_with_errors' ? 'with errors' : s)));
  filter.addEventListener('change', () => {
    state.filter = filter.value;
    refreshSoon();
  });

  async function loadRecent() {
    const r = await api.recent({ limit: 25, status: state.filter || undefined });
    state.jobs = r.jobs ?? [];
    renderRecent();
  }

  function renderRecent() {
    const now = Date.now();
    const rows = state.jobs.map((j) => {
      const syms = j.symbols?.length ? j.symbols.slice(0, 3).join(' ') + (j.symbols.length > 3 ? ` +${j.symbols.length - 3}` : '') : `${j.symbols_count ?? '?'} sym`;
      const scope = `${syms} · ${(j.timeframes ?? []).join(',') || '?'}`;
      const range = j.date_range ? `${j.date_range.start_date} → ${j.date_range.end_date}` : '';
      return h(
        'tr',
        {
          class: `clickable${j.job_id === selected() ? ' selected' : ''}`,
          'data-job': j.job_id,
          onclick: () => (location.hash = `#/jobs/${encodeURIComponent(j.job_id)}`),
        },
        h(
          'td',
          { class: 'jobcell', title: `${j.job_id}\n${(j.symbols ?? []).join(', ')}\n${range}` },
          h('a', { class: 'mono', href: `#/jobs/${encodeURIComponent(j.job_id)}` }, f.shortId(j.job_id)),
          h('div', { class: 'scope' }, scope),
        ),
        h('td', null, pill(j.status)),
        h('td', { class: 'r' }, miniBar(j.progress_pct, j.status)),
        h('td', { class: 'r num' }, f.int(j.units?.total ?? j.units_total)),
        h('td', { class: 'r num muted', title: f.stamp(j.created_at) }, f.ago(j.created_at, now)),
      );
    });
    $('recent-body').replaceChildren(...rows);
    $('recent-empty').hidden = rows.length > 0;
    renderTape();
  }

  function renderTape() {
    const counts = {};
    for (const j of state.jobs) counts[j.status] = (counts[j.status] ?? 0) + 1;
    const items = vocab.job_statuses.map((s) => h('span', { class: 'tape-item', 'data-status': s }, h('span', { class: 'tape-k' }, f.statusLabel(s)), h('span', { class: 'tape-v num' }, String(counts[s] ?? 0))));
    $('tape').replaceChildren(...items);
  }

  return {
    load: loadRecent,
    render: renderRecent,
    /** @param {string} jobId */
    find: (jobId) => state.jobs.find((j) => j.job_id === jobId),
  };
}

/**
 * One job: status, figures, sparkline, failures, units table and the controls.
 * @param {{ vocab: Vocabulary; recent: { find: (jobId: string) => JobSummaryJson | undefined }; refreshSoon: () => void }} deps
 */
function createJobView({ vocab, recent, refreshSoon }) {
  const state = {
    /** @type {string | null} */ jobId: null,
    /** @type {JobStatusJson | null} */ status: null,
    /** @type {string | false} */ notFound: false,
    unitsFilter: '',
    /** @type {string | null} */ cursor: null,
    /** @type {(string | null)[]} */ cursorStack: [],
    /** @type {string | null} */ nextCursor: null,
    /** @type {UnitJson[]} */ units: [],
    /** @type {Map<string, { t: number; v: number }[]>} */ samples: new Map(),
    cancelArmedUntil: 0,
  };
  /** @param {string} s */
  const isFinal = (s) => /** @type {readonly string[]} */ (vocab.final_job_statuses).includes(s);
  const unitTabs = ['', ...vocab.unit_statuses];

  /** @param {string | null} jobId */
  function show(jobId) {
    if (jobId === state.jobId) return false;
    state.jobId = jobId;
    state.status = null;
    state.notFound = false;
    state.unitsFilter = '';
    state.cursor = null;
    state.cursorStack = [];
    state.nextCursor = null;
    state.units = [];
    state.cancelArmedUntil = 0;
    renderJob();
    return true;
  }

  async function loadJob() {
    const jobId = state.jobId;
    if (!jobId) return;
    const unitsQuery = { status: state.unitsFilter || undefined, cursor: state.cursor || undefined, limit: UNITS_PAGE };
    const key = JSON.stringify(unitsQuery);
    let status;
    let units;
    try {
      [status, units] = await Promise.all([api.status(jobId), api.units(jobId, unitsQuery)]);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 400) && jobId === state.jobId) {
        state.notFound = err.status === 404 ? 'not found' : err.message;
        state.status = null;
        renderJob();
        return;
      }
      throw err;
    }
    // The user may have moved on while the request was in flight.
    if (jobId !== state.jobId) return;
    const nowKey = JSON.stringify({ status: state.unitsFilter || undefined, cursor: state.cursor || undefined, limit: UNITS_PAGE });
    state.status = status;
    state.notFound = false;
    if (key === nowKey) {
      state.units = units.units ?? [];
      state.nextCursor = units.next_cursor ?? null;
    }
    sample(jobId, status);
    renderJob();
  }

  function sample(jobId, s) {
    const list = state.samples.get(jobId) ?? [];
    const now = Date.now();
    const bps = s.rate?.bars_per_second;
    list.push({ t: now, v: isFinal(s.status) || typeof bps !== 'number' ? 0 : bps });
    while (list.length && list[0].t < now - SPARK_WINDOW_MS) list.shift();
    state.samples.set(jobId, list);
  }

  function renderJob() {
    const has = Boolean(state.jobId);
    const s = state.status;
    $('job').hidden = !(has && s);
    $('job-empty').hidden = has && s !== null;
    if (!has) {
      setText($('job-empty').querySelector('.placeholder-title'), 'No job selected');
      return;
    }
    if (!s) {
      setText(
        $('job-empty').querySelector('.placeholder-title'),
        state.notFound ? `Job ${state.jobId}: ${state.notFound}` : `Loading job ${f.shortId(state.jobId)}…`,
      );
      return;
    }
    const now = Date.now();
    const u = unitTotals(s);
    const final = isFinal(s.status);
    const done = u.completed + u.failed + u.cancelled;

    setText($('j-id'), s.job_id);
    const st = $('j-status');
    st.dataset.status = s.status;
    setText(st, s.status.replaceAll('_', ' '));
    const live = $('j-live');
    const liveState = final ? (s.retry_deadline ? 'retry' : 'final') : s.live === false ? 'false' : 'true';
    live.dataset.live = liveState;
    setText(live, { retry: 'RETRY WINDOW', final: 'FINAL', false: 'NOT LIVE', true: 'LIVE' }[liveState]);
    live.title = {
      retry: `The job ended with failed units and takes retries until ${f.stamp(s.retry_deadline)}`,
      final: 'The job has ended: figures are the durable ones in Postgres',
      false: 'No worker answered the progress query: figures come from Postgres',
      true: 'Figures from the running workflow',
    }[liveState];

    const r = recent.find(s.job_id);
    const meta = [];
    if (r?.symbols?.length) {
      const more = (r.symbols_count ?? r.symbols.length) - Math.min(8, r.symbols.length);
      meta.push(r.symbols.slice(0, 8).join(' ') + (more > 0 ? ` +${more}` : ''));
    } else if (s.symbols_total) meta.push(`${s.symbols_total} symbols`);
    const tfs = s.timeframes ?? r?.timeframes;
    if (tfs?.length) meta.push(tfs.join(' '));
    const range = s.date_range ?? r?.date_range;
    if (range) meta.push(`${range.start_date} → ${range.end_date}`);
    if (typeof s.adjusted === 'boolean') meta.push(s.adjusted ? 'adjusted' : 'unadjusted');
    if (s.concurrency) meta.push(`concurrency ${s.concurrency}`);
    meta.push(`created ${f.stamp(s.created_at)}`);
    setText($('j-meta'), meta.join('  ·  '));

    // Controls: enabled only when the action fits the job's state.
    $button('a-retry').disabled = !(u.failed > 0 && s.status !== 'cancelled');
    setText($('a-retry'), u.failed > 0 ? `Retry failed (${u.failed})` : 'Retry failed');
    $button('a-pause').disabled = final || s.paused === true || s.status === 'paused';
    $button('a-resume').disabled = final || !(s.paused === true || s.status === 'paused');
    $button('a-cancel').disabled = final;
    setText($('a-cancel'), Date.now() < state.cancelArmedUntil && !final ? 'Confirm cancel' : 'Cancel');
    const tl = /** @type {HTMLAnchorElement} */ ($('j-temporal'));
    if (s.temporal_ui_url) tl.href = s.temporal_ui_url;
    else tl.removeAttribute('href');

    // Progress bar in unit segments; the label is the API's own percentage.
    const total = u.total || 1;
    const seg = (id, n) => ($(id).style.width = `${(100 * n) / total}%`);
    if (u.total) {
      seg('j-seg-completed', u.completed);
      seg('j-seg-failed', u.failed);
      seg('j-seg-cancelled', u.cancelled);
      seg('j-seg-running', u.running);
    } else {
      $('j-seg-completed').style.width = `${s.progress_pct ?? 0}%`;
    }
    const bar = $('j-bar');
    bar.setAttribute('aria-valuenow', String(s.progress_pct ?? 0));
    bar.dataset.status = s.status;
    setText($('j-pct'), f.pct(s.progress_pct));

    // Figures.
    setText($('k-units'), `${f.int(done)} / ${f.int(u.total)}`);
    setText($('k-units-sub'), `${f.int(u.running)} run · ${f.int(u.pending)} queued`);
    setText($('k-failed'), f.int(u.failed));
    $('k-failed').classList.toggle('bad', u.failed > 0);
    setText($('k-failed-sub'), u.cancelled ? `${f.int(u.cancelled)} cancelled` : u.failed ? 'see failures' : 'none');
    setText($('k-fetched'), f.int(s.total_records_fetched));
    setText($('k-fetched-sub'), s.symbols_total ? `symbols ${f.int(s.symbols_completed)} / ${f.int(s.symbols_total)}` : '');
    setText($('k-inserted'), f.int(s.total_records_inserted));
    setText(
      $('k-inserted-sub'),
      s.total_records_fetched ? `${f.fixed((100 * s.total_records_inserted) / s.total_records_fetched)}% of fetched` : '',
    );
    const samples = state.samples.get(s.job_id) ?? [];
    const peak = samples.reduce((m, p) => Math.max(m, p.v), 0);
    // While running the API's rates are since the start; once final they are the job's averages.
    setText($('k-bps'), f.int(s.rate?.bars_per_second));
    setText($('k-bps-sub'), final ? 'average' : peak ? `peak ${f.int(peak)}` : '');
    setText($('k-upm'), f.fixed(s.rate?.units_per_minute));
    setText($('k-upm-sub'), final ? 'average' : s.concurrency ? `concurrency ${s.concurrency}` : '');
    const secs = f.elapsed(s.started_at ?? s.created_at, s.completed_at, now);
    setText($('k-eta'), final ? 'done' : s.paused ? 'paused' : f.duration(s.eta_seconds));
    setText(
      $('k-eta-sub'),
      final
        ? s.completed_at ? `finished ${f.clock(s.completed_at)}` : ''
        : typeof s.eta_seconds === 'number' && !s.paused ? `at ${f.clock(new Date(now + s.eta_seconds * 1000).toISOString())}` : '',
    );
    setText($('k-elapsed'), f.duration(secs));
    setText($('k-elapsed-sub'), s.started_at ? `started ${f.clock(s.started_at)}` : 'not started');
    const current = (s.current_units?.length ? s.current_units : s.current_symbol ? [{ symbol: s.current_symbol, timeframe: s.current_timeframe ?? '' }] : [])
      .map((x) => `${x.symbol} ${x.timeframe}`.trim());
    setText($('j-current'), final || !current.length ? '—' : current.slice(0, 4).join(' · ') + (current.length > 4 ? ` +${current.length - 4}` : ''));
    renderSpark(samples, now);

    renderFailures(s);
    renderUnitTabs(u);
    renderUnits(now);
  }

  function renderSpark(samples, now) {
    const W = 600;
    const H = 60;
    const el = $svg('j-spark');
    const nodes = [];
    for (const y of [15, 30, 45]) nodes.push(svg('line', { x1: 0, x2: W, y1: y, y2: y, class: 'grid-line' }));
    if (samples.length > 1) {
      const max = Math.max(1, ...samples.map((p) => p.v));
      // Until two minutes have passed, stretch what there is (at least 30 s) over the width.
      const span = Math.min(SPARK_WINDOW_MS, Math.max(30_000, now - samples[0].t));
      const pts = samples.map((p) => [W - ((now - p.t) / span) * W, H - 4 - (p.v / max) * (H - 10)]);
      const line = pts.map(([x, y], i) => `${i ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`).join('');
      nodes.push(svg('path', { d: `${line}L${pts[pts.length - 1][0].toFixed(1)},${H}L${pts[0][0].toFixed(1)},${H}Z`, class: 'spark-area' }));
      nodes.push(svg('path', { d: line, class: 'spark-line' }));
    }
    el.replaceChildren(...nodes);
  }

  function renderFailures(s) {
    const failures = s.failures ?? [];
    $('failures-panel').hidden = failures.length === 0;
    const u = unitTotals(s);
    const notes = [s.failures_truncated || u.failed > failures.length ? `first ${failures.length} of ${u.failed}; all under Units → failed` : `${failures.length}`];
    if (s.retry_deadline) notes.push(`retries accepted until ${f.clock(s.retry_deadline)}`);
    setText($('failures-note'), notes.join(' · '));
    setText($('failures-error'), s.error ?? '');
    $('failures-body').replaceChildren(
      ...failures.map((x) =>
        h('tr', null, h('td', { class: 'sym' }, x.symbol), h('td', null, x.timeframe), h('td', null, h('span', { class: 'code' }, x.code)), h('td', { class: 'reason', title: x.message }, x.message)),
      ),
    );
  }

  function renderUnitTabs(u) {
    const tabs = unitTabs.map((t) =>
      h(
        'button',
        {
          type: 'button',
          role: 'tab',
          class: `tab${state.unitsFilter === t ? ' active' : ''}`,
          'aria-selected': String(state.unitsFilter === t),
          'data-filter': t || 'all',
          onclick: () => setUnitsFilter(t),
        },
        t || 'all',
        h('span', { class: 'count num' }, f.int(t ? u[t] : u.total)),
      ),
    );
    $('unit-tabs').replaceChildren(...tabs);
    $button('u-prev').disabled = state.cursorStack.length === 0;
    $button('u-next').disabled = !state.nextCursor;
    const page = state.cursorStack.length + 1;
    setText($('u-page'), `page ${page}`);
  }

  function renderUnits(now) {
    const range = state.status?.date_range;
    const adjusted = state.status?.adjusted !== false;
    const rows = state.units.map((x) => {
      // The unit's series over the job's range, on the heat-map.
      const sym = range ? h('a', { href: coverageHash({ symbol: x.symbol, timeframe: x.timeframe, start: range.start_date, end: range.end_date, adjusted }), title: `Coverage of ${x.symbol} ${x.timeframe}` }, x.symbol) : x.symbol;
      const took = f.elapsed(x.started_at, x.completed_at, now);
      const reason = x.error_code || x.error_message ? [x.error_code ? h('span', { class: 'code' }, x.error_code) : null, ' ', x.error_message ?? ''] : '';
      return h(
        'tr',
        { class: `u-${x.status}`, 'data-unit': x.unit_no },
        h('td', { class: 'r num muted' }, String(x.unit_no)),
        h('td', { class: 'sym' }, sym),
        h('td', null, x.timeframe),
        h('td', null, pill(x.status)),
        h('td', { class: 'r num' }, f.int(x.attempts)),
        h('td', { class: 'r num' }, f.int(x.pages)),
        h('td', { class: 'r num' }, f.int(x.records_fetched)),
        h('td', { class: 'r num' }, f.int(x.records_inserted)),
        h('td', { class: 'r num muted' }, f.clock(x.started_at)),
        h('td', { class: 'r num muted' }, x.started_at ? f.durationPrecise(took) : '—'),
        h('td', { class: 'reason', title: x.error_message ?? '' }, h('span', { class: 'reason-text' }, reason)),
      );
    });
    $('units-body').replaceChildren(...rows);
    $('units-empty').hidden = rows.length > 0;
  }

  function setUnitsFilter(t) {
    if (state.unitsFilter === t) return;
    state.unitsFilter = t;
    state.cursor = null;
    state.cursorStack = [];
    state.nextCursor = null;
    state.units = [];
    renderJob();
    refreshSoon();
  }

  async function act(name, fn) {
    const jobId = state.jobId;
    if (!jobId) return;
    const button = $button(`a-${name}`);
    button.disabled = true;
    try {
      const r = await fn(jobId);
      if (name === 'retry') toast('ok', `Requeued ${r.requeued} failed unit${r.requeued === 1 ? '' : 's'}`);
      else if (name === 'cancel') toast('ok', `Job ${f.shortId(jobId)} is cancelling`);
      else toast('ok', `Job ${f.shortId(jobId)} ${name === 'pause' ? 'paused' : 'resumed'}`);
    } catch (err) {
      noteError(err);
      toast('error', `${name} failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      refreshSoon();
    }
  }

  function onCancel() {
    if (Date.now() > state.cancelArmedUntil) {
      state.cancelArmedUntil = Date.now() + 4000;
      setText($('a-cancel'), 'Confirm cancel');
      $('a-cancel').classList.add('armed');
      setTimeout(() => {
        $('a-cancel').classList.remove('armed');
        renderJob();
      }, 4100);
      return;
    }
    state.cancelArmedUntil = 0;
    $('a-cancel').classList.remove('armed');
    void act('cancel', api.cancel);
  }

  $('a-retry').addEventListener('click', () => act('retry', (id) => api.retry(id, {})));
  $('a-pause').addEventListener('click', () => act('pause', api.pause));
  $('a-resume').addEventListener('click', () => act('resume', api.resume));
  $('a-cancel').addEventListener('click', onCancel);
  $('u-next').addEventListener('click', () => {
    if (!state.nextCursor) return;
    state.cursorStack.push(state.cursor);
    state.cursor = state.nextCursor;
    state.nextCursor = null;
    refreshSoon();
  });
  $('u-prev').addEventListener('click', () => {
    if (!state.cursorStack.length) return;
    state.cursor = state.cursorStack.pop() ?? null;
    refreshSoon();
  });

  return { show, load: loadJob, jobId: () => state.jobId };
}

/**
 * The start form, in two steps: "Review plan" asks the API for the dry run and shows its requests,
 * sessions to fetch and already held, and ETA; "Start backfill" then starts exactly that request.
 * Any edit drops the plan (it no longer describes the form). A new Idempotency-Key per distinct
 * request, kept across retries of the same one.
 * @param {{ refreshSoon: () => void }} deps
 */
function createStartForm({ refreshSoon }) {
  /** @type {{ idempotencyKey: string; planned: Record<string, unknown> | null }} */
  const state = { idempotencyKey: newKey(), planned: null };
  const chips = TIMEFRAMES.map((tf) =>
    h('label', { class: 'chip' }, h('input', { type: 'checkbox', value: tf, name: 'timeframe', checked: tf === '1d' }), h('span', null, tf)),
  );
  $('f-timeframes').replaceChildren(...chips);
  const today = new Date();
  const end = new Date(today.getTime() - 86_400_000);
  const start = new Date(end.getTime() - 30 * 86_400_000);
  $input('f-start').value = isoDay(start);
  $input('f-end').value = isoDay(end);
  $('start-form').addEventListener('submit', onReview);
  $button('f-confirm').addEventListener('click', onConfirm);
  const edited = (/** @type {Event} */ e) => {
    if (e.target instanceof Element) e.target.closest('[data-field]')?.classList.remove('invalid');
    $('form-error').hidden = true;
    state.idempotencyKey = newKey();
    showPlan(null);
  };
  $('start-form').addEventListener('input', edited);
  $('start-form').addEventListener('change', edited);

  function formError(message, field) {
    const el = $('form-error');
    setText(el, message);
    el.hidden = false;
    document.querySelectorAll('#start-form .invalid').forEach((x) => x.classList.remove('invalid'));
    if (field) document.querySelector(`#start-form [data-field="${CSS.escape(field)}"]`)?.classList.add('invalid');
  }

  /** The request the form describes, or null after saying what is missing. */
  function requestBody() {
    const symbols = f.parseSymbols($input('f-symbols').value);
    const timeframes = [...document.querySelectorAll('#f-timeframes input:checked')].map((x) => /** @type {HTMLInputElement} */ (x).value);
    if (!symbols.length) return formError('Enter at least one symbol.', 'symbols'), null;
    if (!timeframes.length) return formError('Pick at least one timeframe.', 'timeframes'), null;
    /** @type {Record<string, unknown>} */
    const body = { symbols, start_date: $input('f-start').value, end_date: $input('f-end').value, timeframes, adjusted: $input('f-adjusted').checked };
    // Until the vocabulary has filled the choice, the API's default applies.
    if ($select('f-reprocess').value) body.reprocess = $select('f-reprocess').value;
    const c = $input('f-concurrency').value.trim();
    if (c) body.concurrency = Number(c);
    return body;
  }

  /** Shows the dry run's figures (or hides them, with null) and the button that starts the job. */
  function showPlan(plan) {
    state.planned = plan ? state.planned : null;
    $('plan-preview').hidden = !plan;
    $button('f-confirm').hidden = !plan;
    setText($button('f-submit'), plan ? 'Review again' : 'Review plan');
    $('f-submit').classList.toggle('primary', !plan);
    if (!plan) return;
    const t = plan.total;
    setText($('p-requests'), f.int(t.requests));
    setText($('p-sessions'), f.int(t.sessions));
    setText($('p-held'), f.int(t.sessions_held ?? 0));
    const atLimit = plan.duration_seconds;
    const measured = plan.measured?.duration_seconds ?? null;
    // The measured rate is what this installation really did; the rate limit is the ceiling.
    const eta = t.requests === 0 ? 0 : (measured ?? atLimit);
    setText($('p-eta'), eta === null ? '—' : f.duration(eta));
    const notes = [];
    notes.push(atLimit === null ? 'no Polygon rate limit configured' : `${f.duration(atLimit)} at ${f.int(plan.rate_limit_rpm)} requests/min`);
    notes.push(measured === null ? 'no finished job measured yet' : `${f.duration(measured)} at the measured ${plan.measured.requests_per_second} requests/s`);
    if ((t.requests_saved ?? 0) > 0) notes.push(`${f.int(t.requests_saved)} request${t.requests_saved === 1 ? '' : 's'} saved by ${f.int(t.sessions_skipped)} held sessions`);
    setText($('p-note'), `${f.int(t.units)} unit${t.units === 1 ? '' : 's'} · ${notes.join(' · ')}`);
  }

  async function onReview(e) {
    e.preventDefault();
    const body = requestBody();
    if (!body) return;
    const button = $button('f-submit');
    button.disabled = true;
    setText(button, 'Planning…');
    try {
      const plan = await api.plan(body);
      $('form-error').hidden = true;
      state.planned = body;
      showPlan(plan);
    } catch (err) {
      noteError(err);
      showPlan(null);
      formError(err instanceof Error ? err.message : String(err), err instanceof ApiError ? err.field : undefined);
    } finally {
      button.disabled = false;
    }
  }

  async function onConfirm() {
    const body = state.planned;
    if (!body) return;
    const button = $button('f-confirm');
    button.disabled = true;
    setText(button, 'Starting…');
    try {
      const job = await api.start(body, state.idempotencyKey);
      state.idempotencyKey = newKey();
      $('form-error').hidden = true;
      showPlan(null);
      toast('ok', `Started job ${f.shortId(job.job_id)}: ${job.units_total ?? '?'} units`);
      location.hash = `#/jobs/${encodeURIComponent(job.job_id)}`;
    } catch (err) {
      noteError(err);
      formError(err instanceof Error ? err.message : String(err), err instanceof ApiError ? err.field : undefined);
    } finally {
      button.disabled = false;
      setText(button, 'Start backfill');
      refreshSoon();
    }
  }

  /** Fills the fetch choice from the vocabulary; the API's default (its first mode) is selected. @param {readonly string[]} modes */
  function setModes(modes) {
    $select('f-reprocess').replaceChildren(...modes.map((m, i) => h('option', { value: m, selected: i === 0 }, REPROCESS_LABELS[/** @type {keyof typeof REPROCESS_LABELS} */ (m)] ?? m)));
  }

  return { setModes };
}

// ---------------------------------------------------------------- boot

/** @param {() => void} onSaved */
function initKey(onSaved) {
  const input = $input('api-key');
  input.value = getApiKey();
  $('key-form').addEventListener('submit', (e) => {
    e.preventDefault();
    setApiKey(input.value.trim());
    toast('ok', input.value.trim() ? 'API key saved in this browser' : 'API key cleared');
    $('banner').hidden = true;
    onSaved();
  });
}

function initClock() {
  const update = () => setText($('clock'), f.clock(new Date().toISOString()));
  update();
  setInterval(update, 1000);
}

/** The vocabulary, asked for until the API gives it (it may first want a key). */
async function loadVocabulary() {
  for (;;) {
    try {
      return await api.vocabulary();
    } catch (err) {
      noteError(err);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
}

const jobIdInHash = () => {
  const m = /^#\/jobs\/([^/?#]+)/.exec(location.hash);
  return m?.[1] ? decodeURIComponent(m[1]) : null;
};

async function main() {
  /** @type {() => void} */
  let refreshSoon = () => {};
  initKey(() => refreshSoon());
  initClock();
  const startForm = createStartForm({ refreshSoon: () => refreshSoon() });
  const vocab = await loadVocabulary();
  startForm.setModes(vocab.reprocess_modes ?? []);
  /** @type {ReturnType<typeof createJobView> | undefined} */
  let job;
  const recent = createRecentView({ vocab, selected: () => job?.jobId() ?? null, refreshSoon: () => refreshSoon() });
  job = createJobView({ vocab, recent, refreshSoon: () => refreshSoon() });
  const view = job;
  const schedules = createSchedulesView({ onError: noteError, toast });
  const heatmap = createHeatmapView({ vocab, onError: noteError });
  const poller = createPoller(async () => {
    const t0 = performance.now();
    const results = await Promise.allSettled([recent.load(), view.load(), schedules.load(), heatmap.refresh()]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) noteError(failed.reason);
    else {
      setConn('ok', `live · ${Math.round(performance.now() - t0)} ms`);
      $('banner').hidden = true;
    }
  });
  refreshSoon = poller.refreshSoon;
  const route = () => {
    const coverage = coverageInHash(location.hash);
    const onSchedules = schedulesInHash(location.hash);
    $('main-view').dataset.view = coverage ? 'coverage' : onSchedules ? 'schedules' : 'job';
    heatmap.show(coverage);
    schedules.show(onSchedules);
    if (!view.show(coverage || onSchedules ? null : jobIdInHash())) return;
    recent.render();
    refreshSoon();
  };
  window.addEventListener('hashchange', route);
  route();
  poller.start();
}

void main();
