// The elements against a real Medusa 2.21 (started by `cargo xtask test
// --peers`, which passes its seed in CROSSCART_MEDUSA): a shop page on its own
// origin, configured with the script tag's data-api="medusa", adds, changes
// and removes lines in Medusa's cart with Medusa's totals, shows per-store
// stock without offering a pickup Medusa would not honour, refuses an
// over-stock add clearly, a guest's cart becomes the customer's on sign-up,
// and in a VAT-inclusive region a code and shipping show as Medusa sums them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, newPage, assertNoProblems, assertText, startShop, cartSettled } from './helpers.mjs';

const seed = JSON.parse(readFileSync(process.env.CROSSCART_MEDUSA, 'utf8'));
const fill = (text) => text
  .replaceAll('{{MEDUSA_URL}}', seed.base_url).replaceAll('{{PUBLISHABLE_KEY}}', seed.publishable_key)
  .replaceAll('{{REGION_ID}}', seed.region_id).replaceAll('{{VAT_REGION_ID}}', seed.vat_region_id).replaceAll('{{STORE_LOCATION}}', seed.store_location_id)
  .replaceAll('{{BOOTS}}', seed.variants['TB-40']).replaceAll('{{SPRAY}}', seed.variants['WS-300'])
  .replaceAll('{{SOCKS}}', seed.variants['MS-M']).replaceAll('{{GIFT}}', seed.variants['GC-25']);

let browser;
let shop;
let base;

// The shop's own static host: its page, its stores file and the SDK, under a
// strict CSP that lets the page talk to its Medusa only.
before(async () => {
  shop = await startShop({ page: 'tests/peers/medusa/storefront/index.html', extra: { '/stores.json': 'tests/peers/medusa/storefront/stores.json', '/dk': 'tests/peers/medusa/storefront/dk.html' }, fill, backend: seed.base_url });
  base = shop.base;
  browser = await launch();
});
after(async () => { await browser?.close(); shop?.close(); });

/** Medusa's own view of a cart, read with its API (not through Crosscart). */
async function medusaCart(id) {
  const r = await fetch(`${seed.base_url}/store/carts/${id}?fields=%2Bcustomer_id,%2Btotal,%2Bitems.quantity,%2Bitems.variant_id`, { headers: { 'x-publishable-api-key': seed.publishable_key } });
  assert.equal(r.status, 200);
  return (await r.json()).cart;
}
const cartId = (page) => page.evaluate(() => Object.entries(localStorage).find(([k]) => k.startsWith('crosscart:cart:'))?.[1]);
const euros = (n) => `€${n.toFixed(2)}`;
/** What the shop's checkout does with Medusa's own API (Crosscart has no checkout for Medusa). */
async function medusaPost(path, body) {
  const r = await fetch(`${seed.base_url}${path}`, { method: 'POST', headers: { 'x-publishable-api-key': seed.publishable_key, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(r.status, 200, await r.text());
}

test('add, change and remove lines in Medusa\'s cart; the totals are Medusa\'s', async () => {
  const page = await newPage(browser);
  await page.goto(base);
  await page.locator('#buy > button').click();
  await assertText(page.locator('cc-cart-count [part=badge]'), '1');
  await assertText(page.locator('cc-cart [part=line] [part=title]'), 'Trail Hiking Boots');
  await assertText(page.locator('cc-cart [part=total]'), /€159\.00/);
  const id = await cartId(page);
  assert.match(id, /^cart_/);
  let m = await medusaCart(id);
  assert.deepEqual(m.items.map((i) => [i.variant_id, i.quantity]), [[seed.variants['TB-40'], 1]]);

  await page.getByRole('button', { name: 'Increase quantity' }).click();
  await assertText(page.locator('cc-cart-count [part=badge]'), '2');
  await assertText(page.locator('cc-cart [part=total]'), /€318\.00/);
  await cartSettled(page);
  m = await medusaCart(id);
  assert.equal(m.items[0].quantity, 2);
  assert.equal(await page.locator('cc-cart [part=total]').textContent().then((t) => t.includes(euros(m.total))), true, `Medusa says ${m.total}`);

  // More than Medusa has: a clear error, and the cart as it was.
  await page.locator('#buy-spray > button').click();
  // Our words, not Medusa's ("Some variant does not have the required inventory"), which go to the console.
  await assertText(page.locator('#buy-spray [part=status]'), 'Not enough in stock.');
  assert.ok(page.warnings.some((w) => /required inventory/.test(w)), page.warnings.join('\n'));
  assert.equal((await medusaCart(id)).items.length, 1);
  await assertText(page.locator('cc-cart-count [part=badge]'), '2');

  await page.locator('cc-cart [part=remove]').click();
  await assertText(page.locator('cc-cart-count [part=badge]'), '0');
  await cartSettled(page);
  assert.equal((await medusaCart(id)).items.length, 0);
  assertNoProblems(page);
});

test('20 quick presses on + are one absolute quantity at Medusa in at most 2 requests; a refused change rolls back only its line', async () => {
  const page = await newPage(browser);
  await page.goto(base);
  await page.locator('#buy > button').click();
  await assertText(page.locator('cc-cart-count [part=badge]'), '1');
  await page.evaluate(async (v) => (await import('/sdk/crosscart.js')).addToCart(v, 1), seed.variants['MS-M']);
  await assertText(page.locator('cc-cart-count [part=badge]'), '2');
  const id = await cartId(page);
  const socks = page.locator('cc-cart [part=line]').filter({ hasText: 'Merino' });
  const boots = page.locator('cc-cart [part=line]').filter({ hasText: 'Boots' });
  await socks.waitFor();

  const writes = [];
  page.on('request', (r) => { if (r.method() !== 'GET' && r.url().includes('/line-items/')) writes.push(r.url()); });
  // As fast as a shopper can tap: each press shows at once, none is lost.
  for (let i = 0; i < 20; i++) await socks.locator('[part=increase]').click({ delay: 0 });
  assert.equal(await socks.locator('[part=quantity]').inputValue(), '21', 'every press shows at once');
  await assertText(page.locator('cc-cart-count [part=badge]'), '22');
  await cartSettled(page);
  const m = await medusaCart(id);
  assert.deepEqual(m.items.map((i) => [i.variant_id, i.quantity]).sort(), [[seed.variants['MS-M'], 21], [seed.variants['TB-40'], 1]].sort(), 'Medusa has exactly 20 more socks');
  assert.ok(writes.length >= 1 && writes.length <= 2, `coalesced into ${writes.length} requests`);

  // Boots to 50: Medusa refuses (12 in stock). That line goes back to 1 with the reason beside it; the socks keep 21.
  await boots.locator('[part=quantity]').fill('50');
  await boots.locator('[part=quantity]').press('Enter');
  await assertText(boots.locator('[part=line-error]'), /Not enough in stock/);
  await cartSettled(page);
  assert.equal(await boots.locator('[part=quantity]').inputValue(), '1');
  assert.equal(await socks.locator('[part=quantity]').inputValue(), '21');
  assert.equal(await socks.locator('[part=line-error]').textContent(), '');
  await assertText(page.locator('cc-cart-count [part=badge]'), '22');
  assert.deepEqual((await medusaCart(id)).items.map((i) => i.quantity).sort((a, b) => a - b), [1, 21]);
  assertNoProblems(page);
});

test('a discount code typed into the cart is Medusa\'s promotion: refused with our words, applied to Medusa\'s figures, removed', async () => {
  const page = await newPage(browser);
  await page.goto(base);
  await page.locator('#buy > button').click();
  await assertText(page.locator('cc-cart-count [part=badge]'), '1');
  const id = await cartId(page);
  await page.getByRole('button', { name: 'Discount code' }).click();
  const input = page.locator('cc-cart [part=code-input]');
  await input.fill('NOPE');
  await input.press('Enter');
  await assertText(page.locator('cc-cart [part=code-error]'), 'This code does not exist.');
  await input.fill('FIFTEEN');
  await input.press('Enter');
  await assertText(page.locator('cc-cart [part=code-name]'), 'FIFTEEN');
  const m = await medusaCart(id);
  await assertText(page.locator('cc-cart [part=total]'), new RegExp(euros(Math.round(m.total * 100) / 100).replace('.', '\\.')));
  assert.equal(await page.locator('cc-cart dd[part=discount]').evaluate((dd) => dd.previousElementSibling.textContent), 'Code FIFTEEN');
  await page.getByRole('button', { name: 'Remove code: FIFTEEN' }).click();
  await page.locator('cc-cart [part=code]').waitFor({ state: 'detached' });
  await assertText(page.locator('cc-cart [part=total]'), /€159\.00/);
  assertNoProblems(page);
});

test('per-store stock from Medusa\'s location levels; no pickup offered', async () => {
  const page = await newPage(browser);
  await page.goto(base);
  const store = page.locator('cc-store-stock [part~=store]').first();
  await store.waitFor();
  await assertText(store.locator('[part~=name]'), /Crosscart Berlin Mitte/);
  await assertText(store.locator('[part~=level]'), /Only 2 left/);
  assert.equal(await store.getAttribute('data-available'), '2');
  assert.equal(await page.locator('cc-store-stock [part~=reserve]').count(), 0, 'Medusa fulfils a pickup from any location: never offered');
  // No recommendations at Medusa and no model file: bought-together hides instead of showing an error.
  await page.locator('#bundle').evaluate((el) => el.scrollIntoView());
  await page.locator('#bundle[hidden]').waitFor({ state: 'attached' });
  assert.equal(await page.locator('#bundle [part=error]').count(), 0);
  assertNoProblems(page);
});

test('a guest cart becomes the customer\'s on sign-up, and follows her sign-in on this device', async () => {
  const page = await newPage(browser);
  await page.goto(base);
  await page.locator('#buy > button').click();
  await assertText(page.locator('cc-cart-count [part=badge]'), '1');
  const id = await cartId(page);
  const email = `medusa-${Date.now()}@example.com`;
  const me = await page.evaluate(async (e) => (await import('/sdk/crosscart.js')).signUp(e, 'correct horse', 'Ada'), email);
  assert.equal(me.customer.email, email);
  assert.equal(me.cart_id, id, 'the guest cart is now hers');
  const m = await medusaCart(id);
  assert.match(m.customer_id ?? '', /^cus_/);
  // Signed out and in again on this device: the same cart comes back (Medusa cannot list her carts; the SDK remembers it).
  await page.evaluate(async () => (await import('/sdk/crosscart.js')).signOut());
  await assertText(page.locator('cc-cart-count [part=badge]'), '0');
  const again = await page.evaluate(async (e) => (await import('/sdk/crosscart.js')).signIn(e, 'correct horse'), email);
  assert.equal(again.cart_id, id);
  await assertText(page.locator('cc-cart-count [part=badge]'), '1');
  const wrong = await page.evaluate(async (e) => (await import('/sdk/crosscart.js')).signIn(e, 'wrong').catch((x) => x.message), email);
  assert.match(wrong, /Invalid email or password/);
  assertNoProblems(page);
});

test('a VAT-inclusive region: shelf prices, the code and shipping once each, "Including tax", all Medusa\'s figures', async () => {
  const page = await newPage(browser);
  await page.goto(`${base}/dk`);
  await page.locator('#buy > button').click();
  await assertText(page.locator('cc-cart-count [part=badge]'), '1');
  await page.locator('#buy-socks > button').click();
  await assertText(page.locator('cc-cart-count [part=badge]'), '2');
  // Shelf prices with VAT in them: 159.00 + 19.90, no tax row added.
  await assertText(page.locator('cc-cart [part=subtotal]'), '€178.90');
  await assertText(page.locator('cc-cart [part=total]'), '€178.90');
  const id = await cartId(page);
  await medusaPost(`/store/carts/${id}`, { shipping_address: { country_code: 'dk' } });
  await medusaPost(`/store/carts/${id}/shipping-methods`, { option_id: seed.shipping_option_id });
  await medusaPost(`/store/carts/${id}/promotions`, { promo_codes: ['TENOFF'] });
  await page.reload();
  await assertText(page.locator('cc-cart [part=subtotal]'), '€178.90');
  // One discount row, named by its code, and shipping 6.125 shown once as 6.13.
  assert.equal(await page.locator('cc-cart [part=discount]').count(), 1);
  await assertText(page.locator('cc-cart [part=discount]'), '−€17.89');
  const title = (part) => page.locator(`cc-cart dd[part=${part}]`).evaluate((dd) => dd.previousElementSibling.textContent);
  assert.equal(await title('discount'), 'Code TENOFF');
  await assertText(page.locator('cc-cart [part=shipping]'), '€6.13');
  await assertText(page.locator('cc-cart [part=total]'), '€167.14');
  await assertText(page.locator('cc-cart [part=tax]'), '€33.43');
  assert.equal(await title('tax'), 'Including tax');
  const m = await medusaCart(id);
  assert.ok(Math.abs(m.total - 167.14) < 0.006, `Medusa's total ${m.total}`);
  assertNoProblems(page);
});

test('a gift card Medusa does not count is in stock at every store, not sold out', async () => {
  const page = await newPage(browser);
  await page.goto(`${base}/dk`);
  const stores = page.locator('#gift [part~=store]');
  await stores.first().waitFor();
  assert.ok(await stores.count() >= 1);
  for (const s of await stores.all()) {
    assert.equal(await s.getAttribute('data-level'), 'in-stock');
    assert.equal(await s.getAttribute('data-available'), 'untracked');
    await assertText(s.locator('[part~=level]'), 'In stock');
  }
  assertNoProblems(page);
});
