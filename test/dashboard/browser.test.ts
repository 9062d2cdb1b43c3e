// The dashboard in a real browser against the real stack (API + dashboard over HTTP, in-process
// worker, Polygon simulator): start a job from the form, watch it end with a not-entitled ticker,
// fix the simulator, retry the failed units from the page and watch the job complete. A second
// test watches a longer job live, pages through its units and drives pause, resume and cancel.
// Screenshots go to .artifacts/ (dashboard.png is the running job; UPDATE_DOCS=1 copies it to docs/).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { startStack, type Stack } from './stack.js';
import { launchChromium } from './browser.js';
import type { VocabularyResponse } from '../../src/api/schemas.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ARTIFACTS = `${ROOT}.artifacts`;
const API_KEY = 'dashboard-test-key';
const LOCKED = 'LOCKD';
const JOB_URL = /#\/jobs\/([0-9a-f-]{36})$/;

let stack: Stack;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

async function shoot(name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = `${ARTIFACTS}/${name}`;
  await page.screenshot({ path });
  return path;
}

const text = async (selector: string) => ((await page.textContent(selector)) ?? '').trim();

async function waitForStatus(status: string, timeout = 60_000) {
  try {
    await page.waitForSelector(`#j-status[data-status="${status}"]`, { timeout });
  } catch (err) {
    await shoot(`dashboard-timeout-${status}.png`);
    throw new Error(`job did not reach ${status} (now: ${await text('#j-status')}); API log tail:\n${stack.logs.slice(-15).join('\n')}`, { cause: err });
  }
}

beforeAll(async () => {
  browser = await launchChromium();
  stack = await startStack({ label: 'dashboard', apiKeys: [API_KEY], faults: { notAuthorizedTickers: [LOCKED] }, latencyMs: 40 });
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    // Expected refusals (no key yet, the bad form) show up as failed resource loads: not page errors.
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of (400|401)/.test(m.text())) pageErrors.push(m.text());
  });
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('dashboard in Chromium', () => {
  it('takes the API key, starts a job from the form, shows its failure, retries it and shows it complete', async () => {
    await page.goto(`${stack.url}/`);
    // The API requires a key: the page says so until one is saved, then keeps it in localStorage.
    await page.waitForSelector('#banner:not([hidden])');
    expect(await text('#banner')).toMatch(/requires a key/i);
    expect(await page.getAttribute('#conn', 'data-state')).toBe('auth');
    await page.fill('#api-key', API_KEY);
    await page.click('#key-form button[type=submit]');
    await page.waitForSelector('#conn[data-state="ok"]');
    expect(await page.evaluate(() => localStorage.getItem('backfill.apiKey'))).toBe(API_KEY);
    await page.waitForSelector('#banner', { state: 'hidden' });
    // The statuses the page offers are the API's vocabulary, not a copy of it.
    const vocab = (await (await fetch(`${stack.url}/api/v1/vocabulary`, { headers: { authorization: `Bearer ${API_KEY}` } })).json()) as VocabularyResponse;
    expect(await page.$$eval('#recent-filter option', (els) => els.map((e) => (e as HTMLOptionElement).value))).toEqual(['', ...vocab.job_statuses]);
    expect(await page.$$eval('#tape .tape-item', (els) => els.map((e) => e.getAttribute('data-status')))).toEqual(vocab.job_statuses);
    // So are the fetch choices of the start form; the API's default comes first and is selected.
    expect(await page.$$eval('#f-reprocess option', (els) => els.map((e) => (e as HTMLOptionElement).value))).toEqual(vocab.reprocess_modes);
    expect(await page.inputValue('#f-reprocess')).toBe('missing');
    // Marks this document: if the page ever reloads, the mark is gone.
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

    // A field error from the API is shown next to the form and no job starts.
    await page.fill('#f-symbols', 'AAPL');
    await page.fill('#f-start', '2024-03-28');
    await page.fill('#f-end', '2024-01-02');
    await page.click('#f-submit');
    await page.waitForSelector('#form-error:not([hidden])');
    expect(await text('#form-error')).toMatch(/start_date|end_date/);
    expect(await page.$$eval('#start-form .invalid', (els) => els.length)).toBe(1);

    // Start: 4 symbols × (1d, 1h), one of them not covered by the "plan".
    await page.fill('#f-symbols', `aapl, MSFT NVDA ${LOCKED}`);
    await page.fill('#f-start', '2024-01-02');
    await page.fill('#f-end', '2024-03-28');
    await page.click('#f-timeframes label:has(input[value="1h"])');
    await page.fill('#f-concurrency', '2');
    // First the plan (the dry run), then the start: 4 x 1d (one request each) and 4 x 1h (61
    // sessions of 960 minutes: two requests each), nothing held yet.
    await page.click('#f-submit');
    await page.waitForSelector('#plan-preview:not([hidden])');
    expect(await text('#p-requests')).toBe('12');
    expect(await text('#p-sessions')).toBe(String(61 * 8));
    expect(await text('#p-held')).toBe('0');
    expect(await text('#p-eta')).not.toBe('');
    expect(await text('#p-note')).toMatch(/^8 units · /);
    expect(await page.isVisible('#f-confirm')).toBe(true);
    // Nothing has started on the plan alone.
    expect(await page.$$eval(`#recent-body tr`, (els) => els.length)).toBe(0);
    await page.click('#f-confirm');
    await page.waitForURL(JOB_URL);
    const jobId = JOB_URL.exec(page.url())![1]!;
    await page.waitForSelector(`#recent-body tr[data-job="${jobId}"]`);
    await page.waitForFunction((id) => document.getElementById('j-id')?.textContent === id, jobId);
    expect(await text('#j-meta')).toContain('2024-01-02 → 2024-03-28');

    await waitForStatus('completed_with_errors');
    // The failures panel names the ticker and the reason; the unit tab counts them.
    await page.waitForSelector('#failures-panel:not([hidden])');
    const failures = await text('#failures-body');
    expect(failures).toContain(LOCKED);
    expect(failures).toContain('not_entitled');
    expect(await text('#k-failed')).toBe('2');
    expect(await text('#k-units')).toBe('8 / 8');
    expect(await page.isEnabled('#a-retry')).toBe(true);
    expect(await page.isDisabled('#a-pause')).toBe(true);
    expect(await page.isDisabled('#a-cancel')).toBe(true);
    expect(await page.getAttribute('#j-temporal', 'href')).toContain(`/workflows/backfill-${jobId}`);
    await page.click('#unit-tabs [data-filter="failed"]');
    await page.waitForFunction(() => {
      const rows = Array.from(document.querySelectorAll('#units-body tr'));
      return rows.length === 2 && rows.every((r) => r.classList.contains('u-failed'));
    });
    expect(await text('#units-body')).toMatch(/not_entitled/);
    expect(await page.$eval(`#recent-body tr[data-job="${jobId}"] .pill`, (el) => el.getAttribute('data-status'))).toBe('completed_with_errors');
    await shoot('dashboard-errors.png');

    // Fix the cause (the plan now covers the ticker) and retry the failed units from the page.
    stack.sim.setOptions({ faults: { notAuthorizedTickers: [] } });
    await page.click('#a-retry');
    await page.waitForSelector('.toast.ok >> text=/Requeued 2 failed units/');
    await waitForStatus('completed');
    await page.click('#unit-tabs [data-filter="all"]');
    await page.waitForFunction(() => document.querySelectorAll('#units-body tr.u-completed').length === 8);
    expect(await text('#k-failed')).toBe('0');
    expect(await text('#j-pct')).toBe('100.0%');
    await page.waitForSelector('#failures-panel', { state: 'hidden' });
    expect(await page.isDisabled('#a-retry')).toBe(true);
    // Every update arrived by polling: the document was never reloaded.
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await shoot('dashboard-completed.png');

    // The same request planned again: everything is held now, so it would cost nothing; an edit
    // drops the plan (it no longer describes the form).
    await page.click('#f-submit');
    await page.waitForSelector('#plan-preview:not([hidden])');
    expect(await text('#p-requests')).toBe('0');
    expect(await text('#p-sessions')).toBe('0');
    expect(await text('#p-held')).toBe(String(61 * 8));
    expect(await text('#p-eta')).toBe('0s');
    expect(await text('#p-note')).toMatch(/12 requests saved by 488 held sessions/);
    await shoot('dashboard-plan.png');
    await page.fill('#f-concurrency', '3');
    await page.waitForSelector('#plan-preview', { state: 'hidden' });
    expect(await page.isVisible('#f-confirm')).toBe(false);
    expect(pageErrors).toEqual([]);
  }, 150_000);

  it('shows a running job live, pages through its units, and pauses, resumes and cancels it', async () => {
    // 90 one-timeframe units, two at a time, each Polygon request slowed: long enough to watch
    // and steer. One ticker is not entitled again, so the picture shows a failure mid-run.
    stack.sim.setOptions({ latencyMs: 300, faults: { notAuthorizedTickers: [LOCKED] } });
    const symbols = Array.from({ length: 89 }, (_, i) => `Q${String.fromCharCode(65 + Math.floor(i / 26))}${String.fromCharCode(65 + (i % 26))}`);
    symbols.splice(3, 0, LOCKED);
    await page.fill('#f-symbols', symbols.join(' '));
    await page.fill('#f-start', '2024-01-02');
    // More sessions (105) than symbols (90): `auto` keeps one request per ticker, so the locked
    // ticker fails on its own unit instead of the job going grouped.
    await page.fill('#f-end', '2024-05-31');
    // Back to 1d only.
    if (await page.isChecked('#f-timeframes input[value="1h"]')) await page.click('#f-timeframes label:has(input[value="1h"])');
    await page.fill('#f-concurrency', '2');
    // Everything again: LOCKD's daily bars are stored by now, and this job must meet its refusal.
    await page.selectOption('#f-reprocess', 'all');
    const before = page.url();
    await page.click('#f-submit');
    await page.waitForSelector('#plan-preview:not([hidden])');
    expect(await text('#p-requests')).toBe('90');
    await page.click('#f-confirm');
    await page.waitForURL((u) => u.toString() !== before && JOB_URL.test(u.toString()));
    const jobId = JOB_URL.exec(page.url())![1]!;
    await waitForStatus('running');

    // Live: the figures move without a reload, and the failure shows up while the job runs.
    await page.waitForFunction(() => document.getElementById('k-failed')?.textContent === '1', null, { timeout: 30_000 });
    await page.waitForFunction(() => Number(document.getElementById('k-units')?.textContent?.split('/')[0]) >= 12, null, { timeout: 30_000 });
    expect(await text('#j-status')).toBe('running');
    expect(await text('#failures-body')).toContain(LOCKED);
    expect(await text('#k-bps')).toMatch(/^\d[\d,]*$/);
    expect(await text('#k-eta')).toMatch(/^\d+(s|m\d\ds)$/);
    await page.waitForTimeout(1500); // the start toast fades
    const shot = await shoot('dashboard.png');
    // docs/dashboard.png (the README's picture) is refreshed on request, not by every test run.
    const docs = `${ROOT}docs/dashboard.png`;
    if (process.env.UPDATE_DOCS === '1' || !existsSync(docs)) {
      mkdirSync(`${ROOT}docs`, { recursive: true });
      copyFileSync(shot, docs);
    }

    // Units: 50 a page, so 90 units make two pages.
    await page.waitForFunction(() => document.querySelectorAll('#units-body tr').length === 50);
    expect(await page.isEnabled('#u-next')).toBe(true);
    await page.click('#u-next');
    await page.waitForFunction(() => document.querySelectorAll('#units-body tr').length === 40);
    expect(await text('#u-page')).toBe('page 2');
    expect(await page.isDisabled('#u-next')).toBe(true);
    await page.click('#u-prev');
    await page.waitForFunction(() => document.querySelectorAll('#units-body tr').length === 50);
    expect(await text('#u-page')).toBe('page 1');

    await page.click('#a-pause');
    await waitForStatus('paused', 30_000);
    expect(await text('#k-eta')).toBe('paused');
    expect(await page.isEnabled('#a-resume')).toBe(true);
    expect(await page.isDisabled('#a-pause')).toBe(true);
    await page.click('#a-resume');
    await waitForStatus('running', 30_000);

    // Cancel asks for a second click.
    await page.click('#a-cancel');
    expect(await text('#a-cancel')).toBe('Confirm cancel');
    await page.click('#a-cancel');
    await waitForStatus('cancelled', 60_000);
    expect(Number(await text('#unit-tabs [data-filter="cancelled"] .count'))).toBeGreaterThan(0);
    await page.waitForFunction(
      (id) => document.querySelector(`#recent-body tr[data-job="${id}"] .pill`)?.getAttribute('data-status') === 'cancelled',
      jobId,
    );
    expect(await page.isDisabled('#a-cancel')).toBe(true);
    expect(pageErrors).toEqual([]);
  }, 150_000);
});
