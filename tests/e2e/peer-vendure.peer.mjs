// The elements against a real Vendure 3.7.3 (started by `cargo xtask test
// --peers`, which passes its seed in CROSSCART_VENDURE): a shop page on its
// own origin configured with data-api="vendure" adds, changes and removes
// lines in Vendure's order with Vendure's totals; an add beyond the stock
// says how many are left and shows the cart Vendure kept; sign-out ends the
// session at Vendure and leaves no token in the browser.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, newPage, assertNoProblems, assertText, startShop, cartSettled } from './helpers.mjs';

const seed = JSON.parse(readFileSync(process.env.CROSSCART_VENDURE, 'utf8'));
const origin = new URL(seed.base_url).origin;
const fill = (text) => text
  .replaceAll('{{VENDURE_URL}}', seed.base_url).replaceAll('{{CHANNEL}}', seed.channel_token)
  .replaceAll('{{CAMERA}}', seed.variants.AX100).replaceAll('{{POUCH}}', seed.variants.POUCH);

let browser;
let shop;
let base;

before(async () => {
  shop = await startShop({ page: 'tests/peers/vendure/storefront/index.html', fill, backend: origin });
  base = shop.base;
  browser = await launch();
});
after(async () => { await browser?.close(); shop?.close(); });

/** Vendure's own view of a session's order, read with its API (not through Crosscart). */
async function vendure(token, query) {
  const r = await fetch(seed.base_url, { method: 'POST', headers: { 'content-type': 'application/json', 'vendure-token': seed.channel_token, authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });
  return (await r.json()).data;
}
const order = async (token) => (await vendure(token, '{ activeOrder { totalWithTax lines { quantity productVariant { sku } } } }')).activeOrder;
const cartId = (page) => page.evaluate(() => Object.entries(localStorage).find(([k]) => k.startsWith('crosscart:cart:'))?.[1]);
const money = (minor) => (minor / 100).toLocaleString('en-US', { minimumFractionDigits: 2 });

test('add, change and remove lines in Vendure\'s order; the totals are Vendure\'s', async () => {
  const page = await newPage(browser);
  await page.goto(base);
  await page.locator('#buy > button').click();
  await assertText(page.locator('cc-cart-count [part=badge]'), '1');
  await assertText(page.locator('cc-cart [part=line] [part=title]'), 'Aperture X100');
  const id = await cartId(page);
  let o = await order(id);
  assert.deepEqual(o.lines.map((l) => [l.productVariant.sku, l.quantity]), [['AX100', 1]]);
  await assertText(page.locator('cc-cart [part=total]'), new RegExp(money(o.totalWithTax).replace('.', '\\.')));

  await page.getByRole('button', { name: 'Increase quantity' }).click();
  await assertText(page.locator('cc-cart-count [part=badge]'), '2');
  await cartSettled(page);
  o = await order(id);
  assert.equal(o.lines[0].quantity, 2);
  await assertText(page.locator('cc-cart [part=total]'), new RegExp(money(o.totalWithTax).replace('.', '\\.')));

  // Removing a line: Vendure once refused the query we sent for it.
  await page.locator('cc-cart [part=remove]').click();
  await assertText(page.locator('cc-cart-count [part=badge]'), '0');
  await cartSettled(page);
  assert.equal((await order(id))?.lines.length ?? 0, 0);
  assertNoProblems(page);
});

test('an add beyond the stock says how many are left and shows the cart Vendure kept', async () => {
  const page = await newPage(browser);
  await page.goto(base);
  await page.locator('#buy-pouches > button').click();
  await assertText(page.locator('#buy-pouches [part=status]'), /2/);
  // Vendure added the two it had: the cart shown is Vendure's, not the one before.
  await assertText(page.locator('cc-cart-count [part=badge]'), '2');
  const o = await order(await cartId(page));
  assert.deepEqual(o.lines.map((l) => [l.productVariant.sku, l.quantity]), [['POUCH', 2]]);
});

test('sign-in finds the customer; sign-out ends the session at Vendure and leaves no token', async () => {
  const page = await newPage(browser);
  await page.goto(base);
  await page.locator('#buy > button').click();
  await assertText(page.locator('cc-cart-count [part=badge]'), '1');
  const me = await page.evaluate(async ([e, p]) => (await import('/sdk/crosscart.js')).signIn(e, p), [seed.email, seed.password]);
  assert.equal(me.customer.email, seed.email);
  const token = await cartId(page);
  assert.ok(token, 'the session token is the cart id');
  const current = await page.evaluate(async () => (await import('/sdk/crosscart.js')).currentCustomer());
  assert.equal(current?.customer?.email, seed.email, JSON.stringify(current));
  await page.evaluate(async () => (await import('/sdk/crosscart.js')).signOut());
  await assertText(page.locator('cc-cart-count [part=badge]'), '0');
  const stored = await page.evaluate(() => JSON.stringify(Object.entries(localStorage)));
  assert.ok(!stored.includes(token), `no token left in localStorage: ${stored}`);
  assert.equal((await vendure(token, '{ activeCustomer { id } }')).activeCustomer, null, 'logout reached Vendure');
  assertNoProblems(page);
});
