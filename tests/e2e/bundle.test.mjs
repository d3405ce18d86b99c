import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, newPage, assertNoProblems } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// What the demo order history plants as the Aperture X100's complements.
const CAMERA_COMPLEMENTS = ['p-sd-card-pro', 'p-travel-tripod', 'p-camera-sling-bag', 'p-spare-battery-np50', 'p-uv-filter-58', 'p-lens-cleaning-kit'];
const rowIds = (page) => page.locator('cc-bought-together [part=item]').evaluateAll((els) => els.map((e) => e.dataset.productId));

test('the product page offers a bundle of real complements; add selected puts exactly those in the cart', async () => {
  const page = await newPage(browser);
  await page.goto(`${BASE}/product.html?handle=aperture-x100`);
  const bundle = page.locator('cc-bought-together');
  await bundle.locator('[part=item]').nth(3).waitFor();
  const ids = await rowIds(page);
  assert.equal(ids[0], 'p-aperture-x100');
  assert.equal(ids.length, 4);
  for (const id of ids.slice(1)) assert.ok(CAMERA_COMPLEMENTS.includes(id), `${id} is not a planted complement of the camera`);
  assert.match(await bundle.locator('[part=total]').textContent(), /^Total \(4 items\): €/);

  // The demo shop offers 5 % off items bought together.
  assert.match(await bundle.locator('[part=offer]').textContent(), /^−5% off each item when bought together$/);
  const cents = (s) => Math.round(Number(s.replace(/[^0-9.]/g, '')) * 100);
  const prices = (await bundle.locator('[part=price]').allTextContents()).map(cents);

  // Untick the second complement: the full price drops by exactly its API price,
  // and the bundle price is the rest less 5 % per item (rounded half up, as the API does).
  const before = cents(await bundle.locator('[part=full-price]').textContent());
  await bundle.locator('[part=item]').nth(2).getByRole('checkbox').uncheck();
  const after = cents(await bundle.locator('[part=full-price]').textContent());
  assert.equal(before - after, prices[2]);
  assert.match(await bundle.locator('[part=total]').textContent(), /\(3 items\)/);
  const kept = [prices[0], prices[1], prices[3]];
  const discounted = kept.reduce((sum, p) => sum + p - Math.floor((p * 5 + 50) / 100), 0);
  assert.equal(cents(await bundle.locator('[part=bundle-price]').textContent()), discounted);

  await bundle.getByRole('button', { name: 'Add selected to cart' }).click();
  await page.locator('cc-cart-count [part=badge]').filter({ hasText: '3' }).waitFor();

  await page.goto(`${BASE}/cart.html`);
  await page.locator('cc-cart [part=line]').nth(2).waitFor();
  const inCart = await page.locator('cc-cart [part=line]').count();
  assert.equal(inCart, 3, 'exactly the selected items are in the cart');
  const titles = await page.locator('cc-cart [part=title]').allTextContents();
  assert.ok(titles.includes('Aperture X100 Mirrorless Camera'));
  // The API applies the same bundle discount: the cart total is what the bundle promised.
  assert.equal(cents(await page.locator('cc-cart [part=total]').textContent()), discounted);
  const subtotal = cents(await page.locator('cc-cart [part=subtotal]').textContent());
  assert.equal(cents(await page.locator('cc-cart [part=discount]').textContent()), subtotal - discounted);

  // The cart page's bundle is seeded from the cart and never offers what is in it.
  const cartBundle = page.locator('cc-bought-together[from-cart]');
  await cartBundle.locator('[part=item]').first().waitFor();
  const offered = await rowIds(page);
  for (const id of [ids[0], ids[1], ids[3]]) assert.ok(!offered.includes(id), `${id} is in the cart but offered`);
  assertNoProblems(page);
  await page.context().close();
});

test('the bundle loads only when it comes near the viewport', async () => {
  const context = await browser.newContext({ viewport: { width: 900, height: 250 } });
  const page = await context.newPage();
  const asked = [];
  page.on('request', (r) => { if (r.url().includes('/v1/recommendations')) asked.push(r.url()); });
  await page.goto(`${BASE}/product.html?handle=nova-12`);
  await page.locator('#product:not([hidden])').waitFor();
  // IntersectionObserver callbacks run in the rendering steps: after two frames an
  // eager element would have been told it is visible and asked.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  assert.equal(await page.locator('cc-bought-together [part=item]').count(), 0);
  assert.deepEqual(asked, [], 'nothing is fetched for a bundle far below the fold');
  await page.locator('cc-bought-together').scrollIntoViewIfNeeded();
  await page.locator('cc-bought-together [part=item]').first().waitFor();
  assert.equal(asked.length, 1);
  await context.close();
});
