// `cargo xtask bench size`: what a shop page downloads, in headless Chromium
// against the release server (which serves the SDK precompressed, as a CDN
// would). Per page: every JS/WASM file fetched with its size on the wire
// (brotli), their sum, and the time until the first element is defined and
// until one is mounted; beside the drop-in SDKs shops compare us with. Fails
// when a budget is exceeded. Pages: a cart page (add to cart, count, cart —
// measured until an add has gone through and the count shows it) and a
// product page with every element, for the reference backend and, with
// CROSSCART_MEDUSA (a running Medusa's seed), for Medusa.
//
// With CROSSCART_PEER_SDKS (a node_modules holding the peers' npm packages,
// which `cargo xtask bench size` installs), the peers are measured in the
// same run; otherwise their figures as recorded in issue 12 are shown.
//
//   node bench-size.mjs BASE_URL [RESULT.json]
import { launch } from './helpers.mjs';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { brotliCompressSync } from 'node:zlib';

const base = process.argv[2];
const out = process.argv[3];
const KiB = 1024;
const BUDGET = { cartPage: 120 * KiB, everyElement: 250 * KiB, loader: 10_000, chunk: 80 * KiB };
// [name, recorded KiB, files of its browser build within its npm package]
const PEERS = [
  ['Commerce Layer drop-in.js 2.27, 13 elements', 40.6, '@commercelayer/drop-in.js/dist/drop-in', /\.js$/],
  ["Nosto's web components 11.6, 10 elements", 14.1, '@nosto/web-components/dist', /^main\.es\.bundle\.js$/],
  ['Shopify Buy Button 3.0', 48.5, '@shopify/buy-button-js/dist', /^buybutton\.min\.js$/],
];
const peerDir = process.env.CROSSCART_PEER_SDKS;
const ANCHORS = PEERS.map(([name, recorded, dir, pattern]) => {
  if (!peerDir) return [name, recorded, 'recorded'];
  const files = readdirSync(join(peerDir, dir)).filter((f) => pattern.test(f));
  const bytes = files.reduce((sum, f) => sum + brotliCompressSync(readFileSync(join(peerDir, dir, f))).length, 0);
  return [name, bytes / 1024, `measured, ${files.length} file${files.length > 1 ? 's' : ''}`];
});

const medusa = process.env.CROSSCART_MEDUSA ? JSON.parse(readFileSync(process.env.CROSSCART_MEDUSA, 'utf8')) : null;

// The shop page comes from its own origin on loopback (as a shop's would,
// and so Chromium lets it reach a loopback backend); the SDK from the
// server's /sdk/, cross-origin, as from a CDN.
const head = (backend) => backend === 'medusa'
  ? `<meta name="crosscart:locale" content="en"><script type="module" src="${base}/sdk/crosscart.js" data-api="medusa" data-api-url="${medusa.base_url}" data-publishable-key="${medusa.publishable_key}" data-region-id="${medusa.region_id}" data-stores-url="/stores.json"></script>`
  : `<meta name="crosscart:api-base" content="${base}"><script type="module" src="${base}/sdk/crosscart.js"></script>`;
const variant = (backend) => (backend === 'medusa' ? medusa.variants['TB-40'] : 'v-nova-12-1');
const product = (backend) => (backend === 'medusa' ? medusa.products['trail-boots'] : 'p-nova-12');

const pages = {
  cart: (b) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>cart</title>${head(b)}</head><body>
    <a href="#">Cart <cc-cart-count show-zero></cc-cart-count></a>
    <cc-add-to-cart variant="${variant(b)}"><button id="add">Add to cart</button></cc-add-to-cart>
    <cc-cart checkout-url="/checkout"></cc-cart></body></html>`,
  everything: (b) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>product</title>${head(b)}</head><body>
    <a href="#">Cart <cc-cart-count show-zero></cc-cart-count></a>
    <cc-add-to-cart variant="${variant(b)}"><button id="add">Add to cart</button></cc-add-to-cart>
    <cc-store-stock variant="${variant(b)}" lat="52.52" lon="13.40"></cc-store-stock>
    <cc-bought-together product="${product(b)}"></cc-bought-together>
    <cc-cart handoff></cc-cart><cc-post-checkout></cc-post-checkout><cc-viewed product="${product(b)}"></cc-viewed></body></html>`,
};

const browser = await launch();
const results = [];
let failures = 0;
let checks = 0;

async function measure(backend, name) {
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  const stores = backend === 'medusa' ? readFileSync(new URL('../peers/medusa/storefront/stores.json', import.meta.url), 'utf8').replaceAll('{{STORE_LOCATION}}', medusa.store_location_id) : '';
  const shop = createServer((req, res) => {
    const [type, body] = req.url === '/stores.json' ? ['application/json', stores] : ['text/html', pages[name](backend)];
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(body);
  });
  await new Promise((resolve) => shop.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${shop.address().port}`;
  const fetched = new Map();
  page.on('requestfinished', async (req) => {
    const url = new URL(req.url());
    if (!/\.(m?js|wasm)$/.test(url.pathname)) return;
    const resp = await req.response();
    const sizes = await req.sizes();
    fetched.set(url.pathname, { bytes: sizes.responseBodySize, encoding: resp?.headers()['content-encoding'] ?? 'identity' });
  });
  await page.addInitScript(() => {
    window.__cc = {};
    const t0 = performance.now();
    const poll = () => {
      if (!window.__cc.defined && customElements.get('cc-cart-count')) window.__cc.defined = performance.now() - t0;
      if (!window.__cc.mounted && document.querySelector('cc-cart-count')?.shadowRoot?.childElementCount) window.__cc.mounted = performance.now() - t0;
      if (!window.__cc.mounted) requestAnimationFrame(poll);
    };
    requestAnimationFrame(poll);
  });
  const said = [];
  page.on('console', (m) => said.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => said.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => said.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => { if (r.status() >= 400) said.push(`HTTP ${r.status()}: ${r.url()}`); });
  const until = (what, fn, arg) => page.waitForFunction(fn, arg, { timeout: 30_000 }).catch(async (e) => {
    const errors = await page.evaluate(() => [...document.querySelectorAll('*')].filter((el) => el.shadowRoot).map((el) => `${el.localName}: ${el.shadowRoot.textContent.trim().slice(0, 200)}`)).catch(() => []);
    throw new Error(`${backend} ${name} page: ${what} did not happen within 30 s\n  ${[...said, ...errors].join('\n  ')}`, { cause: e });
  });
  await page.goto(`${origin}/page.html`);
  await until('an element mounted', () => window.__cc.mounted !== undefined);
  // An add goes through and the count shows it: the cart works, with everything it loads for that.
  await page.locator('#add').click();
  await until('the count showing 1 after an add', () => document.querySelector('cc-cart-count')?.shadowRoot?.querySelector('[part=badge]')?.textContent === '1');
  if (name === 'everything') {
    for (const tag of ['cc-store-stock', 'cc-bought-together', 'cc-post-checkout', 'cc-cart']) {
      await until(`${tag} mounted`, (t) => document.querySelector(t)?.shadowRoot?.childElementCount > 0, tag);
    }
  }
  await page.waitForLoadState('networkidle');
  const timing = await page.evaluate(() => window.__cc);
  await context.close();
  shop.close();
  const files = [...fetched.entries()].map(([path, f]) => ({ path, ...f })).sort((a, b) => b.bytes - a.bytes);
  const total = files.reduce((s, f) => s + f.bytes, 0);
  return { backend, page: name, files, total, defined_ms: Math.round(timing.defined), mounted_ms: Math.round(timing.mounted) };
}

function check(ok, what) {
  checks += 1;
  if (!ok) {
    failures += 1;
    console.log(`  OVER BUDGET: ${what}`);
  }
}

const kib = (n) => `${(n / KiB).toFixed(1)} KiB`;
for (const backend of medusa ? ['crosscart', 'medusa'] : ['crosscart']) {
  for (const name of ['cart', 'everything']) {
    const r = await measure(backend, name);
    results.push(r);
    console.log(`\n${backend} · ${name === 'cart' ? 'cart page (add to cart, count, cart)' : 'product page with every element'}: ${kib(r.total)} brotli; first element defined after ${r.defined_ms} ms, mounted after ${r.mounted_ms} ms`);
    for (const f of r.files) {
      const file = f.path.split('/').pop();
      console.log(`  ${file.padEnd(48)} ${kib(f.bytes).padStart(10)}  ${f.encoding}`);
      if (f.encoding !== 'br') check(false, `${file} was not sent brotli-compressed`);
      // Only the configured backend's build: nothing from another backend's folder.
      const folder = f.path.match(/\/sdk\/([^/]+)\//)?.[1];
      if (folder) check(folder === backend, `a ${backend} page fetched ${f.path}`);
      if (file === 'crosscart.js') check(f.bytes <= BUDGET.loader, `the loader is ${f.bytes} bytes (budget ${BUDGET.loader})`);
      else check(f.bytes <= BUDGET.chunk, `${file} is ${kib(f.bytes)} (budget ${kib(BUDGET.chunk)} per chunk)`);
    }
    if (name === 'cart') check(r.total <= BUDGET.cartPage, `the cart page is ${kib(r.total)} (budget ${kib(BUDGET.cartPage)})`);
    else check(r.total <= BUDGET.everyElement, `every element on one page is ${kib(r.total)} (budget ${kib(BUDGET.everyElement)})`);
  }
}
await browser.close();

console.log('\nbrotli KiB                                   cart page   every element');
for (const backend of [...new Set(results.map((r) => r.backend))]) {
  const get = (p) => results.find((r) => r.backend === backend && r.page === p);
  console.log(`  Crosscart, ${backend} backend`.padEnd(45) + kib(get('cart').total).padStart(10) + kib(get('everything').total).padStart(14));
}
for (const [name, k, how] of ANCHORS) console.log(`  ${name}`.padEnd(45) + `${k.toFixed(1)} KiB`.padStart(10) + `   whole SDK (${how})`);
const cart = results.find((r) => r.backend === 'crosscart' && r.page === 'cart').total / KiB;
console.log(`  ratio, our cart page to each: ${ANCHORS.map(([n, k]) => `${(cart / k).toFixed(2)}× ${n.split(',')[0]}`).join('; ')}`);
if (out) writeFileSync(out, JSON.stringify(results, null, 2));
console.log(failures ? `\n${failures} budget(s) exceeded` : '\nall budgets held');
// For the test run's tally.
console.log(`# pass ${checks - failures}\n# fail ${failures}`);
process.exit(failures ? 1 : 0);
