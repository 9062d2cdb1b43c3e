// The coverage heat-map in a real browser against the real stack: a daily job over 2024-07-01..09
// for a ticker the simulator gives a missing session (07-02) and a bad bar (07-08), then the page
// from the job's unit row and from the series browser. Every cell's state must be the API's state
// for that date (weekend and Independence Day closed, the gap no_bars, the bad day suspect, dates
// before the job not_fetched), the legend lists every state of the vocabulary, and a day's tooltip
// gives its date, state and bars; a later job's dates fill in on the open page without a reload. The
// picture goes to .artifacts/ and, on request or when missing, to docs/coverage-heatmap.png (UPDATE_DOCS=1).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { startStack, type Stack } from './stack.js';
import { launchChromium } from './browser.js';
import type { JobStatusResponse, VocabularyResponse } from '../../src/api/schemas.js';
import type { CoverageBody } from '../../src/api/coverage-schemas.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const API_KEY = 'heatmap-test-key';
const TICKER = 'HMAP';
const tickers = { [TICKER]: { missingSessions: ['2024-07-02'], badBars: [{ date: '2024-07-08', kind: 'open_outside_range' as const, index: 0 }] } };

let stack: Stack;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

async function apiJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${stack.url}${path}`, { ...init, headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', ...init.headers } });
  expect(res.status, `${path}: ${res.status}`).toBeLessThan(300);
  return (await res.json()) as T;
}

/** The heat-map's cells as date → state, once the grid shows exactly the range asked for. */
async function cellsFor(start: string, end: string): Promise<Record<string, string>> {
  await page.waitForFunction(
    ([s, e]) => {
      const cells = Array.from(document.querySelectorAll('#hm-grid .hm-cell[data-date]'));
      return cells.length > 0 && cells[0]!.getAttribute('data-date') === s && cells[cells.length - 1]!.getAttribute('data-date') === e;
    },
    [start, end] as const,
  );
  return Object.fromEntries(await page.$$eval('#hm-grid .hm-cell[data-date]', (els) => els.map((e) => [e.getAttribute('data-date'), e.getAttribute('data-state')])));
}

beforeAll(async () => {
  browser = await launchChromium();
  stack = await startStack({ label: 'heatmap', apiKeys: [API_KEY], tickers });
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('coverage heat-map in Chromium', () => {
  it('shows each day in the API state, with a legend of every state and a tooltip per day, from a unit row and from the series browser', async () => {
    const started = await apiJson<{ job_id: string }>('/api/v1/backfill', {
      method: 'POST',
      body: JSON.stringify({ symbols: [TICKER], timeframes: ['1d'], start_date: '2024-07-01', end_date: '2024-07-09' }),
    });
    const jobId = started.job_id;
    await expect
      .poll(async () => (await apiJson<JobStatusResponse>(`/api/v1/backfill/status/${jobId}`)).status, { timeout: 60_000, interval: 250 })
      .toBe('completed');

    await page.addInitScript((key) => localStorage.setItem('backfill.apiKey', key), API_KEY);
    await page.goto(`${stack.url}/#/jobs/${jobId}`);
    // The unit row links its symbol to the series' heat-map over the job's range.
    const link = page.locator(`#units-body tr td.sym a:text-is("${TICKER}")`);
    await link.waitFor();
    await link.click();
    await page.waitForURL(/#\/coverage\/HMAP\/1d\?/);
    expect(await page.isVisible('#job')).toBe(false);
    const fromUnit = await cellsFor('2024-07-01', '2024-07-09');
    const api = await apiJson<CoverageBody>(`/api/v1/series/${TICKER}/1d/coverage?start=2024-07-01&end=2024-07-09`);
    expect(fromUnit).toEqual(Object.fromEntries(api.days.map((d) => [d.date, d.state])));
    // What the simulator was told, as the page shows it (the API could be wrong the same way).
    expect(fromUnit).toMatchObject({ '2024-07-02': 'no_bars', '2024-07-04': 'closed', '2024-07-06': 'closed', '2024-07-07': 'closed', '2024-07-08': 'suspect', '2024-07-09': 'complete' });

    // The series browser lists the stored series; the range form widens it to dates never fetched.
    await page.goto(`${stack.url}/#/coverage`);
    await page.waitForSelector(`#hm-series option:text-is("${TICKER} · 1d")`, { state: 'attached' });
    await page.selectOption('#hm-series', { label: `${TICKER} · 1d` });
    await page.waitForURL(/#\/coverage\/HMAP\/1d\?/);
    await cellsFor('2024-07-01', '2024-07-09');
    await page.fill('#hm-start', '2024-06-24');
    await page.click('#hm-show');
    const wide = await cellsFor('2024-06-24', '2024-07-09');
    const apiWide = await apiJson<CoverageBody>(`/api/v1/series/${TICKER}/1d/coverage?start=2024-06-24&end=2024-07-09&adjusted=true`);
    expect(wide).toEqual(Object.fromEntries(apiWide.days.map((d) => [d.date, d.state])));
    expect(wide['2024-06-28']).toBe('not_fetched');
    expect(wide['2024-06-29']).toBe('closed');

    // The legend names every state of the vocabulary, in its order.
    const vocab = await apiJson<VocabularyResponse>('/api/v1/vocabulary');
    expect(vocab.coverage_states).toEqual(['complete', 'no_bars', 'closed', 'not_fetched', 'suspect']);
    expect(await page.$$eval('#hm-legend .hm-key', (els) => els.map((e) => e.getAttribute('data-state')))).toEqual(vocab.coverage_states);
    expect(await page.textContent('#hm-legend')).toContain('not fetched');

    // Tooltips: a complete day with its bar count, the gap with none.
    const day = (d: string) => apiWide.days.find((x) => x.date === d)!;
    expect(day('2024-07-05').bars).toBe(1);
    await page.hover('#hm-grid .hm-cell[data-date="2024-07-05"]');
    await page.waitForSelector('#hm-tip:not([hidden])');
    expect((await page.textContent('#hm-tip'))?.trim()).toBe('2024-07-05 · complete · 1 bar');
    await page.hover('#hm-grid .hm-cell[data-date="2024-07-02"]');
    await page.waitForFunction(() => document.getElementById('hm-tip')?.textContent?.startsWith('2024-07-02'));
    expect((await page.textContent('#hm-tip'))?.trim()).toBe('2024-07-02 · no bars · 0 bars');
    // The gap list names the missing session and the dates never fetched.
    const gaps = (await page.textContent('#hm-gaps')) ?? '';
    expect(gaps).toContain('2024-07-02 · no bars · 1 session');
    expect(gaps).toContain('2024-06-24 → 2024-06-28 · not fetched · 5 sessions');

    await page.hover('#hm-grid .hm-cell[data-date="2024-07-08"]');
    await page.waitForFunction(() => document.getElementById('hm-tip')?.textContent?.startsWith('2024-07-08'));
    mkdirSync(`${ROOT}.artifacts`, { recursive: true });
    const shot = `${ROOT}.artifacts/coverage-heatmap.png`;
    await page.screenshot({ path: shot });
    const docs = `${ROOT}docs/coverage-heatmap.png`;
    if (process.env.UPDATE_DOCS === '1' || !existsSync(docs)) copyFileSync(shot, docs);

    // New data shows without a reload: a job over the dates never fetched turns them complete on
    // the open page (the dashboard's poller asks for the range again and redraws what changed).
    const more = await apiJson<{ job_id: string }>('/api/v1/backfill', {
      method: 'POST',
      body: JSON.stringify({ symbols: [TICKER], timeframes: ['1d'], start_date: '2024-06-24', end_date: '2024-06-28' }),
    });
    await expect
      .poll(async () => (await apiJson<JobStatusResponse>(`/api/v1/backfill/status/${more.job_id}`)).status, { timeout: 60_000, interval: 250 })
      .toBe('completed');
    await page.waitForFunction(() => document.querySelector('#hm-grid .hm-cell[data-date="2024-06-28"]')?.getAttribute('data-state') === 'complete', undefined, { timeout: 15_000 });
    const after = await cellsFor('2024-06-24', '2024-07-09');
    expect(['2024-06-24', '2024-06-25', '2024-06-26', '2024-06-27', '2024-06-28'].map((d) => after[d])).toEqual(Array(5).fill('complete'));
    expect((await page.textContent('#hm-gaps')) ?? '').not.toContain('not fetched');
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
