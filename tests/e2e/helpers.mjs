// Shared helpers: Debian's Chromium driven by playwright-core, against the
// server whose address `cargo xtask test` passes in CROSSCART_BASE_URL.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';

export const BASE = process.env.CROSSCART_BASE_URL ?? 'http://127.0.0.1:8080';

/** Chromium as the tests drive it; `bfcache` keeps the back/forward cache, which Playwright turns off by default. */
export async function launch({ bfcache = false } = {}) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    ignoreDefaultArgs: bfcache ? ['--disable-back-forward-cache'] : [],
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** A fresh browser context (a separate "device") whose page errors fail the test. */
export async function newPage(browser) {
  const context = await browser.newContext({ locale: 'en-US' });
  return watch(await context.newPage());
}

/** Makes `page`'s exceptions and console errors fail `assertNoProblems`. */
export function watch(page) {
  const problems = [];
  const warnings = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) problems.push(`console error: ${m.text()}`);
    if (m.type() === 'warning') warnings.push(m.text());
  });
  page.problems = problems;
  // A backend's own error text goes here, never to the shopper.
  page.warnings = warnings;
  return page;
}

export function assertNoProblems(page) {
  assert.deepEqual(page.problems, [], 'the page logged errors (CSP violations, exceptions)');
}

/** Waits (up to `timeout` ms) until the first match of `locator` has exactly this text (or matches the RegExp). */
export async function assertText(locator, expected, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    last = (await locator.first().textContent({ timeout }).catch(() => null))?.trim();
    if (expected instanceof RegExp ? expected.test(last ?? '') : last === expected) return;
    await locator.page().waitForTimeout(50);
  }
  assert.fail(`expected ${expected}, last saw ${JSON.stringify(last)}`);
}

/** Waits until `<cc-cart>` has no change on its way (none coalescing, none in flight). */
export async function cartSettled(page, timeout = 10_000) {
  await page.waitForFunction(() => {
    const c = document.querySelector('cc-cart');
    return c && c.getAttribute('aria-busy') !== 'true' && !c.shadowRoot?.querySelector('[part~=line][aria-busy=true]');
  }, null, { timeout });
}

/**
 * A `crosscart serve` of our own (the suite's shared server cannot be killed):
 * demo shop, temporary database, the repository's www/. `restart()` brings it
 * back on the same port and database, as after a crash.
 */
/** Starts a private server on a fresh database (`args`: extra `crosscart serve` flags). */
export async function startServer(args = []) {
  const { spawn } = await import('node:child_process');
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const bin = process.env.CROSSCART_BIN;
  assert.ok(bin, 'CROSSCART_BIN (set by cargo xtask test) names the crosscart binary');
  const db = path.join(mkdtempSync(path.join(tmpdir(), 'crosscart-e2e-')), 'shop.db');
  const www = path.resolve(import.meta.dirname, '../../www');
  let child;
  const start = (addr) => new Promise((resolve, reject) => {
    child = spawn(bin, ['serve', '--addr', addr, '--demo', '--carts-per-minute', '1000000', '--database', db, '--www', www, ...args], { env: { ...process.env, RUST_LOG: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'] });
    child.once('error', reject);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[\d.:]+)/);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`crosscart serve exited with ${code}`)));
  });
  const base = await start('127.0.0.1:0');
  const port = new URL(base).port;
  return {
    base,
    db,
    kill() { child.kill('SIGKILL'); },
    async restart() {
      for (let i = 0; i < 50; i++) {
        try { return await start(`127.0.0.1:${port}`); } catch { await new Promise((r) => setTimeout(r, 100)); }
      }
      throw new Error('could not restart on the same port');
    },
    stop() { child.kill('SIGTERM'); },
  };
}

/**
 * A cross-origin-isolated page at `${base}/__bench.html` (so performance.now()
 * has fine resolution), with `files` ({'/__x.json': {type, body}}) served beside it.
 */
export async function benchPage(browser, base, files = {}) {
  const page = await browser.newPage();
  const isolated = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
  await page.route('**/__bench.html', (r) => r.fulfill({ headers: { ...isolated, 'content-type': 'text/html' }, body: '<!doctype html><title>bench</title>' }));
  for (const [path, { type, body }] of Object.entries(files)) {
    await page.route(`**${path}`, (r) => r.fulfill({ headers: { 'content-type': type }, body }));
  }
  await page.goto(`${base}/__bench.html`);
  return page;
}

/**
 * A shop's own static host on loopback, for the peer-backend suites: `/` is
 * `page` (repository-relative), `extra` maps other paths to files, `/sdk/`
 * serves `www/dist`; HTML and JSON pass through `fill`. Every answer carries
 * a strict CSP whose connect-src (and img-src) admit `backend` only.
 * Resolves to `{ base, close }`.
 */
export async function startShop({ page, extra = {}, fill, backend }) {
  const http = await import('node:http');
  const { readFileSync } = await import('node:fs');
  const path = await import('node:path');
  const root = path.resolve(import.meta.dirname, '../..');
  const types = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.tsv': 'text/tab-separated-values', '.json': 'application/json', '.html': 'text/html' };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const file = url.pathname === '/' ? page
      : extra[url.pathname] ?? (url.pathname.startsWith('/sdk/') ? path.join('www/dist', path.normalize(url.pathname.slice(5)).replace(/^(\.\.[/\\])+/, '')) : null);
    let body;
    try { body = file && readFileSync(path.join(root, file)); } catch { body = null; }
    if (!body) { res.writeHead(404).end(); return; }
    const ext = path.extname(file);
    if (ext === '.html' || ext === '.json') body = fill(body.toString());
    res.writeHead(200, {
      'content-type': types[ext] ?? 'application/octet-stream',
      'content-security-policy': `default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' ${backend}; style-src 'self'; img-src 'self' data: ${backend}`,
    }).end(body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}
