// <cc-store-stock> in headless Chromium against the reference server: emulated
// geolocation, typed postal codes, reservations that move the server's stock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, newPage, assertNoProblems } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// Berlin Kreuzberg store's doorstep; Mitte is 2.7 km north.
const KREUZBERG = { latitude: 52.5019, longitude: 13.4115 };

const api = async (path) => {
  const r = await fetch(`${BASE}/v1${path}`);
  assert.equal(r.status, 200, `${path}: HTTP ${r.status}`);
  return r.json();
};
const free = async (variant, store) => (await api(`/variants/${variant}/stock`)).stock.find((l) => l.store_id === store).quantity;

/** A demo variant the Kreuzberg store is out of while Mitte has at least two: the Dawn bug's shape. */
async function dawnCase() {
  const { products } = await api('/products');
  for (const p of products) {
    for (const v of p.variants) {
      const { stock } = await api(`/variants/${v.id}/stock`);
      const at = (id) => stock.find((l) => l.store_id === id)?.quantity ?? 0;
      if (at('berlin-kreuzberg') === 0 && at('berlin-mitte') >= 2) return { product: p, variant: v };
    }
  }
  throw new Error('the demo seed has no variant out at Kreuzberg and in stock at Mitte');
}

const rows = (page) => page.locator('cc-store-stock [part~=store]').evaluateAll((els) => els.map((e) => ({
  id: e.dataset.storeId, level: e.dataset.level, pickup: e.dataset.pickup, distance: Number(e.dataset.distanceM),
  best: e.getAttribute('part').split(' ').includes('best'), text: e.textContent,
})));

async function openProduct(page, product, variant) {
  await page.goto(`${BASE}/product.html?handle=${product.handle}`);
  await page.getByRole('heading', { name: product.title }).waitFor();
  if (product.variants.length > 1) await page.locator('#variant').selectOption(variant.id);
  await page.locator(`cc-store-stock[variant="${variant.id}"]`).waitFor({ state: 'attached' });
}

function assertRanked(list) {
  const order = { now: 0, transfer: 1, unavailable: 2 };
  for (let i = 1; i < list.length; i++) {
    const [a, b] = [list[i - 1], list[i]];
    assert.ok(order[a.pickup] < order[b.pickup] || (a.pickup === b.pickup && a.distance <= b.distance),
      `row ${i}: ${JSON.stringify(a)} should not come before ${JSON.stringify(b)}`);
  }
}

test('geolocation: nearest stores by distance, the closest store that has it highlighted, reserving moves the stock', async () => {
  const { product, variant } = await dawnCase();
  const context = await browser.newContext({ locale: 'en-US', geolocation: KREUZBERG, permissions: ['geolocation'] });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await openProduct(page, product, variant);
  await page.getByRole('button', { name: 'Use my location' }).click();
  await page.locator('cc-store-stock [part~=store]').nth(2).waitFor();
  const list = await rows(page);
  assertRanked(list);
  // The nearest store (Kreuzberg, 0 m) is out of stock: Mitte comes first and is the one highlighted.
  assert.equal(list[0].id, 'berlin-mitte');
  assert.ok(list[0].best && list.filter((r) => r.best).length === 1);
  assert.match(list[0].text, /Closest store that has it/);
  assert.ok(list[0].distance > 2000 && list[0].distance < 3500, `Mitte is ${list[0].distance} m away`);
  const kreuzberg = list.find((r) => r.id === 'berlin-kreuzberg');
  assert.equal(kreuzberg.distance, 0);
  assert.match(kreuzberg.text, /Out of stock/, 'an out-of-stock store says so, not a blank line');
  assert.match(list[0].text, /(Open · closes at|Closed · opens) .*\d\d:\d\d/);
  assert.match(list[0].text, /Ready (today|tomorrow|Mon|Tue|Wed|Thu|Fri|Sat|Sun) from \d\d:\d\d/);
  assert.match(await page.locator('cc-store-stock h3[part=heading]').textContent(), /Stores near your location/);

  const before = await free(variant.id, 'berlin-mitte');
  await page.getByRole('button', { name: 'Reserve for pickup: Crosscart Berlin Mitte' }).click();
  await page.locator('cc-store-stock [part=message]', { hasText: 'Reserved — in your cart: Crosscart Berlin Mitte' }).waitFor();
  await page.locator('cc-cart-count [part=badge]', { hasText: '1' }).waitFor();
  assert.equal(await free(variant.id, 'berlin-mitte'), before - 1, 'the server holds one unit for this cart');
  // The list refreshed with the new count.
  await page.waitForFunction(([n]) => {
    const el = document.querySelector('cc-store-stock').shadowRoot.querySelector('[data-store-id="berlin-mitte"]');
    return el && el.dataset.available === String(n);
  }, [before - 1]);

  await page.goto(`${BASE}/cart.html`);
  const line = page.locator('cc-cart [part=line]').first();
  await line.locator('[part=fulfillment]', { hasText: 'Pickup at store: Crosscart Berlin Mitte' }).waitFor();
  assert.match(await line.locator('[part=reservation]').textContent(), /^Reserved until \d{1,2}:\d\d( [AP]M)?$/);
  // Removing the line gives the unit back.
  await page.getByRole('button', { name: /^Remove/ }).click();
  await page.locator('cc-cart [part=empty]').waitFor();
  assert.equal(await free(variant.id, 'berlin-mitte'), before);
  assert.deepEqual(errors, []);
  await context.close();
});

test('permission denied: a typed postal code finds the same stores; no match and a store without hours are explained', async () => {
  const page = await newPage(browser); // no geolocation permission: the browser refuses
  const { product } = await dawnCase();
  await openProduct(page, product, product.variants[0]);
  const el = page.locator('cc-store-stock');
  await page.getByRole('button', { name: 'Use my location' }).click();
  await el.locator('[part=message]', { hasText: 'Location access is off. Enter a postal code or city instead.' }).waitFor();

  await page.getByLabel('Postal code or city').fill('Atlantis');
  await page.getByRole('button', { name: 'Find stores' }).click();
  await el.locator('[part=message]', { hasText: '“Atlantis”: No place matches that. Try a city or a postal code.' }).waitFor();

  await page.getByLabel('Postal code or city').fill('10969');
  await page.getByRole('button', { name: 'Find stores' }).click();
  await el.locator('h3[part=heading]', { hasText: 'Stores near Berlin (DE)' }).waitFor();
  await el.locator('[part~=store]').first().waitFor();
  const list = await rows(page);
  assertRanked(list);
  assert.ok(list.some((r) => r.id === 'berlin-mitte') && list.some((r) => r.id === 'berlin-kreuzberg'), 'both Berlin stores are listed');
  assert.ok(list.every((r) => r.distance < 700_000), 'only stores near Berlin');
  // Alternatives for an ambiguous code are offered (10969 is also a Vilnius and a Prague code).
  assert.ok(await el.locator('[part=alternative]').count() >= 1);

  // Potsdam's pop-up store publishes no hours: "not available", never "closed".
  await page.getByLabel('Postal code or city').fill('14467');
  await page.getByRole('button', { name: 'Find stores' }).click();
  await el.locator('h3[part=heading]', { hasText: 'Stores near Potsdam (DE)' }).waitFor();
  const popup = el.locator('[data-store-id="potsdam-popup"]');
  await popup.waitFor();
  assert.equal(await popup.locator('[part=hours]').textContent(), 'Opening hours not available');

  // The place is remembered: a reload lists stores without asking again.
  await page.reload();
  await el.locator('h3[part=heading]', { hasText: 'Stores near Potsdam (DE)' }).waitFor();
  assertNoProblems(page);
  await page.context().close();
});

test('bad input: coordinates off the globe, an unknown variant, and keyboard-only reserving', async () => {
  const page = await newPage(browser);
  // A variant the Kyiv store has, for the keyboard part.
  const { products } = await api('/products');
  let inKyiv;
  for (const v of products.flatMap((p) => p.variants)) {
    if (await free(v.id, 'kyiv') > 0) { inKyiv = v.id; break; }
  }
  assert.ok(inKyiv, 'the demo seed stocks something in Kyiv');
  await page.goto(`${BASE}/index.html`);
  await page.evaluate(() => {
    const add = (attrs) => {
      const el = document.createElement('cc-store-stock');
      for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
      document.querySelector('main').prepend(el);
      return el;
    };
    add({ id: 'absurd', variant: 'v-nova-12-1', lat: '200', lon: '13.4' });
    add({ id: 'unknown', variant: 'v-does-not-exist', lat: '52.5', lon: '13.4' });
    add({ id: 'noproduct', product: 'no-such-product', lat: '52.5', lon: '13.4' });
  });
  await page.locator('#noproduct [part=error]', { hasText: 'No longer available. Reload the page.' }).waitFor();
  await page.locator('#absurd [part=message]', { hasText: 'That location is not on the map. Enter a postal code or city.' }).waitFor();
  assert.equal(await page.locator('#absurd [part~=store]').count(), 0);
  await page.locator('#unknown [part=error]', { hasText: 'Could not load store stock. No longer available. Reload the page.' }).waitFor();
  assert.equal(await page.locator('#unknown [part=retry]').count(), 1);

  // Keyboard only: tab to the first Reserve button of a valid element and press Enter.
  await page.evaluate((variant) => {
    document.querySelectorAll('#absurd, #unknown, #noproduct').forEach((e) => e.remove());
    const el = document.createElement('cc-store-stock');
    el.id = 'kbd';
    el.setAttribute('variant', variant);
    el.setAttribute('lat', '50.4474');
    el.setAttribute('lon', '30.5226');
    el.setAttribute('limit', '3');
    document.querySelector('main').prepend(el);
  }, inKyiv);
  await page.locator('#kbd [part~=store]').first().waitFor();
  assert.equal(await page.locator('#kbd [data-store-id="kyiv"]').getAttribute('part'), 'store best', 'Kyiv has it and is 0 m away');
  await page.locator('#kbd [part=locate]').focus();
  let focused = '';
  for (let i = 0; i < 10 && !focused.startsWith('reserve'); i++) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate(() => document.querySelector('#kbd').shadowRoot.activeElement?.getAttribute('part') ?? '');
  }
  assert.match(focused, /^reserve/);
  await page.keyboard.press('Enter');
  await page.locator('#kbd [part=message]', { hasText: 'Reserved — in your cart: Crosscart Kyiv Khreshchatyk' }).waitFor();
  assertNoProblems(page);
  await page.context().close();
});
