// <cc-cart drawer> and the cart's undo, in Chromium against the real server.
// The page is what a shop writes: a header link to its cart page with the
// count in it, a product's add button, and the cart as a drawer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { BASE, launch, newPage, assertNoProblems, assertText } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const shopPage = (cartAttrs = '', head = '') => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">${head}
<title>Drawer · demo</title><meta name="crosscart:api-base" content=""><link rel="icon" href="data:,">
<link rel="stylesheet" href="/shop.css"><script type="module" src="/sdk/crosscart.js"></script></head>
<body><header><a href="/index.html">Catalog</a> <a href="/cart.html" id="cart-link">Cart <cc-cart-count></cc-cart-count></a>
<button type="button" data-cc-open-cart id="open">Open cart</button></header>
<main><h1>Boots</h1>
<cc-add-to-cart variant="v-trail-boots-1"><button type="button" id="add-boots">Add boots</button></cc-add-to-cart>
<cc-add-to-cart variant="v-nova-12-1"><button type="button" id="add-phone">Add phone</button></cc-add-to-cart>
${'<p>Long page.</p>'.repeat(200)}</main>
<cc-cart drawer checkout-url="/checkout.html" ${cartAttrs}><p slot="extension" id="upsell">Goes well with it</p></cc-cart></body></html>`;

async function openShop(cartAttrs, viewport, head) {
  const page = await newPage(browser);
  if (viewport) await page.setViewportSize(viewport);
  await page.route('**/__drawer.html', (r) => r.fulfill({ contentType: 'text/html', body: shopPage(cartAttrs, head) }));
  await page.goto(`${BASE}/__drawer.html`);
  await page.locator('cc-cart dialog[part=drawer]').waitFor({ state: 'attached' });
  return page;
}

const drawer = (page) => page.locator('cc-cart dialog[part=drawer]');
const isOpen = (page) => drawer(page).evaluate((d) => d.open);
const activeId = (page) => page.evaluate(() => {
  let a = document.activeElement;
  while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
  return a?.id || a?.getAttribute('part') || a?.tagName;
});

test('the drawer opens on add as a modal dialog: focus in and back, Esc, no page scroll, accessible, keyboard only', async () => {
  const page = await openShop();
  assert.equal(await isOpen(page), false, 'closed until something is added');
  // Keyboard only: focus the add button and press Enter.
  await page.focus('#add-boots');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('cc-cart').shadowRoot.querySelector('dialog').open);
  await assertText(page.locator('cc-cart [part=title]'), 'Trail Hiking Boots');
  assert.equal(await activeId(page), 'drawer-close', 'focus moved into the dialog');
  assert.ok(await page.locator('#upsell').isVisible(), 'the shop\'s extension slot shows in the drawer');
  assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).overflow), 'hidden', 'the page behind does not scroll');
  // The page behind is inert: a click there does not reach it.
  assert.equal(await page.evaluate(() => document.elementFromPoint(5, 5)?.closest('cc-cart') !== null), true);

  // Tab walks the drawer's controls and stays in it.
  const seen = new Set();
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press('Tab');
    seen.add(await activeId(page));
  }
  for (const part of ['drawer-close', 'increase', 'remove', 'checkout']) assert.ok(seen.has(part), `Tab reaches ${part}: ${[...seen]}`);
  assert.ok(!seen.has('add-boots') && !seen.has('open'), `Tab stays in the modal: ${[...seen]}`);

  const axe = await new AxeBuilder({ page }).include('cc-cart').analyze();
  assert.deepEqual(axe.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`), []);
  assert.ok(axe.passes.length > 5, 'axe did look at the drawer');

  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.querySelector('cc-cart').shadowRoot.querySelector('dialog').open);
  assert.equal(await activeId(page), 'add-boots', 'focus is back on the add button');
  assert.notEqual(await page.evaluate(() => getComputedStyle(document.documentElement).overflow), 'hidden', 'the page scrolls again');
  assertNoProblems(page);
  await page.context().close();
});

test('the count, a data-cc-open-cart element, the close button and the backdrop; open-on-add="false"; a cancelled cc-cart-open', async () => {
  const page = await openShop('open-on-add="false"');
  await page.click('#add-boots');
  await assertText(page.locator('cc-cart-count [part=badge]'), '1');
  await page.waitForTimeout(300);
  assert.equal(await isOpen(page), false, 'open-on-add="false": adding does not open it');

  // The count inside the shop's link opens the drawer instead of leaving the page.
  await page.click('cc-cart-count');
  await page.waitForFunction(() => document.querySelector('cc-cart').shadowRoot.querySelector('dialog').open);
  assert.match(page.url(), /__drawer\.html$/, 'the link was not followed');
  await page.locator('cc-cart [part=drawer-close]').click();
  assert.equal(await isOpen(page), false, 'the close button closes it');

  await page.click('#open');
  assert.equal(await isOpen(page), true, 'data-cc-open-cart opens it');
  // A click on the backdrop (left of the panel) closes it.
  await page.mouse.click(10, 300);
  assert.equal(await isOpen(page), false, 'the backdrop closes it');

  // A modifier click on the link still leaves it to the browser (new tab), so no drawer.
  const popup = page.context().waitForEvent('page');
  await page.click('#cart-link', { modifiers: ['Control'] });
  await (await popup).close();
  assert.equal(await isOpen(page), false);

  // The shop can say no, and is told why it opened.
  await page.evaluate(() => {
    window.openings = [];
    document.addEventListener('cc-cart-open', (e) => { window.openings.push(e.detail.trigger); e.preventDefault(); });
  });
  await page.click('#open');
  assert.equal(await isOpen(page), false, 'a cancelled cc-cart-open keeps it closed');
  assert.deepEqual(await page.evaluate(() => window.openings), ['click']);
  assertNoProblems(page);
  await page.context().close();
});

test('remove offers Undo at the line\'s place; undo brings it back there with its quantity; without undo it is gone', async () => {
  const page = await openShop();
  await page.click('#add-boots');
  await page.waitForFunction(() => document.querySelector('cc-cart').shadowRoot.querySelector('dialog').open);
  await page.keyboard.press('Escape');
  await page.click('#add-phone');
  await assertText(page.locator('cc-cart-count [part=badge]'), '2');
  const titles = () => page.locator('cc-cart [part~=line]:not([part~=removed]) [part=title]').allTextContents();
  await page.locator('cc-cart [part=line]').nth(1).waitFor();
  const before = await titles();
  assert.equal(before.length, 2);
  // Two of the first line, then remove it.
  await page.locator('cc-cart [part=increase]').first().click();
  await assertText(page.locator('cc-cart-count [part=badge]'), '3');
  await page.locator('cc-cart [part=remove]').first().click();
  await assertText(page.locator('cc-cart [part=removed]:not([hidden])'), new RegExp(`^Removed “${before[0]}”`));
  assert.equal(await page.locator('cc-cart [part~=line]').first().getAttribute('part'), 'line removed', 'the notice stands where the line was');
  await assertText(page.locator('cc-cart-count [part=badge]'), '1');
  await page.locator('cc-cart [part=removed]:not([hidden]) [part=undo]').click();
  await page.waitForFunction(() => document.querySelector('cc-cart').shadowRoot.querySelectorAll('[part=line]').length === 2);
  assert.deepEqual(await titles(), before, 'the line is back at its place');
  await assertText(page.locator('cc-cart-count [part=badge]'), '3');
  assert.equal(await page.locator('cc-cart [part=quantity]').first().inputValue(), '2', 'with its quantity');

  // Without undo: the notice goes after a few seconds and the server has no such line.
  await page.locator('cc-cart [part=remove]').last().click();
  await page.locator('cc-cart [part=removed]:not([hidden])').waitFor();
  await page.locator('cc-cart [part=removed]:not([hidden])').waitFor({ state: 'detached', timeout: 8000 });
  const cartId = await page.evaluate(() => localStorage.getItem(Object.keys(localStorage).find((k) => k.startsWith('crosscart:cart:'))));
  const cart = await (await fetch(`${BASE}/v1/carts/${cartId}`)).json();
  assert.deepEqual(cart.lines.map((l) => [l.title, l.quantity]), [[before[0], 2]], 'the server has what the drawer shows');

  // Screenshots for the record: desktop and a phone.
  const dir = path.resolve(import.meta.dirname, '../../target/screenshots');
  mkdirSync(dir, { recursive: true });
  assert.equal(await isOpen(page), true, 'the second add opened the drawer again');
  await page.screenshot({ path: path.join(dir, 'drawer-1280.png') });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(dir, 'drawer-390.png') });
  const width = await drawer(page).evaluate((d) => d.getBoundingClientRect().width);
  assert.equal(Math.round(width), 390, 'full width on a phone');
  assertNoProblems(page);
  await page.context().close();
});

// GA4's documented ecommerce item parameters (developers.google.com/analytics/devguides/collection/ga4/reference/events).
const GA4_ITEM_FIELDS = new Set(['item_id', 'item_name', 'affiliation', 'coupon', 'discount', 'index', 'item_brand', 'item_category', 'item_category2',
  'item_category3', 'item_category4', 'item_category5', 'item_list_id', 'item_list_name', 'item_variant', 'location_id', 'price', 'quantity']);

test('GA4: add_to_cart, view_cart and remove_from_cart on the dataLayer, in GA4\'s documented shape, with the units that changed', async () => {
  const page = await openShop('', null, '<meta name="crosscart:analytics" content="ga4">');
  await page.click('#add-boots');
  await page.waitForFunction(() => document.querySelector('cc-cart').shadowRoot.querySelector('dialog').open);
  await page.locator('cc-cart [part=increase]').click();
  await assertText(page.locator('cc-cart-count [part=badge]'), '2');
  await page.locator('cc-cart [part=remove]').click();
  await assertText(page.locator('cc-cart-count [part=badge]'), '0');
  await page.waitForFunction(() => (window.dataLayer ?? []).filter((e) => e.event).length >= 4);
  const layer = await page.evaluate(() => window.dataLayer);
  const events = layer.filter((e) => e.event);
  assert.deepEqual(events.map((e) => [e.event, e.ecommerce.items[0].quantity]), [['add_to_cart', 1], ['view_cart', 1], ['add_to_cart', 1], ['remove_from_cart', 2]]);
  layer.forEach((e, i) => {
    if (e.event) assert.deepEqual(layer[i - 1], { ecommerce: null }, 'the previous ecommerce object is cleared first (Tag Manager)');
  });
  for (const { event, ecommerce } of events) {
    assert.deepEqual(Object.keys(ecommerce).sort(), ['currency', 'items', 'value'], event);
    assert.match(ecommerce.currency, /^[A-Z]{3}$/);
    assert.equal(typeof ecommerce.value, 'number');
    for (const it of ecommerce.items) {
      for (const k of Object.keys(it)) assert.ok(GA4_ITEM_FIELDS.has(k), `${event}: ${k} is not a GA4 item parameter`);
      assert.ok(typeof it.item_id === 'string' && it.item_id.length > 0);
      assert.equal(it.item_name, 'Trail Hiking Boots');
      assert.equal(it.price, 159, 'major units, as GA4 wants');
      assert.ok(Number.isInteger(it.quantity) && it.quantity > 0);
    }
    assert.equal(ecommerce.value, Math.round(ecommerce.items.reduce((s, i) => s + i.price * i.quantity, 0) * 100) / 100);
  }
  assert.equal(events[3].ecommerce.value, 318);
  assertNoProblems(page);
  await page.context().close();
});

// GA4's documented parameters of the ecommerce object beside `items`, per event.
const GA4_EVENT_FIELDS = {
  view_cart: ['currency', 'value'], begin_checkout: ['currency', 'value', 'coupon'], purchase: ['currency', 'value', 'transaction_id', 'shipping', 'tax', 'coupon'],
  select_promotion: ['currency', 'value', 'promotion_id', 'promotion_name', 'creative_name', 'creative_slot'], add_to_cart: ['currency', 'value'],
};

test('GA4 ("datalayer"): a bundle\'s add is add_to_cart per item and select_promotion; a cart page is view_cart; the checkout link begin_checkout; checkout() purchase', async () => {
  const page = await newPage(browser);
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>GA4</title><meta name="crosscart:api-base" content="">
<link rel="icon" href="data:,"><script type="module" src="/sdk/crosscart.js" data-api="crosscart" data-analytics="datalayer"></script></head>
<body><cc-bought-together product="p-aperture-x100"></cc-bought-together><cc-cart checkout-url="#checkout"></cc-cart></body></html>`;
  await page.route('**/__ga4.html', (r) => r.fulfill({ contentType: 'text/html', body }));
  await page.goto(`${BASE}/__ga4.html`);
  const events = async (n) => {
    await page.waitForFunction((k) => (window.dataLayer ?? []).filter((e) => e.event).length >= k, n);
    const layer = await page.evaluate(() => window.dataLayer);
    layer.forEach((e, i) => { if (e.event) assert.deepEqual(layer[i - 1], { ecommerce: null }); });
    const list = layer.filter((e) => e.event);
    for (const { event, ecommerce } of list) {
      for (const k of Object.keys(ecommerce)) assert.ok(k === 'items' || GA4_EVENT_FIELDS[event].includes(k), `${event}: ${k} is not a GA4 parameter`);
      assert.match(ecommerce.currency, /^[A-Z]{3}$/);
      for (const it of ecommerce.items) {
        for (const k of Object.keys(it)) assert.ok(GA4_ITEM_FIELDS.has(k), `${event}: ${k} is not a GA4 item parameter`);
        assert.ok(it.item_id && it.item_name && typeof it.price === 'number' && Number.isInteger(it.quantity) && it.quantity > 0, JSON.stringify(it));
      }
    }
    return list;
  };
  const bundle = page.locator('cc-bought-together');
  await bundle.locator('[part=item]').nth(3).waitFor();
  await bundle.getByRole('button', { name: 'Add selected to cart' }).click();
  const added = await events(5);
  assert.deepEqual(added.map((e) => e.event), ['add_to_cart', 'add_to_cart', 'add_to_cart', 'add_to_cart', 'select_promotion']);
  const promo = added[4].ecommerce;
  assert.equal(promo.promotion_id, 'bought-together');
  assert.deepEqual(promo.items.map((i) => i.item_id).sort(), added.slice(0, 4).map((e) => e.ecommerce.items[0].item_id).sort());

  // A cart page: view_cart once the cart is there; the checkout link: begin_checkout; checkout(): purchase.
  await page.reload();
  await page.locator('cc-cart [part=line]').nth(3).waitFor();
  const [viewed] = await events(1);
  assert.equal(viewed.event, 'view_cart');
  assert.equal(viewed.ecommerce.items.length, 4);
  await page.locator('cc-cart [part=checkout]').click();
  const [, begun] = await events(2);
  assert.equal(begun.event, 'begin_checkout');
  assert.deepEqual(begun.ecommerce.items, viewed.ecommerce.items);
  const order = await page.evaluate(async () => (await import('/sdk/crosscart.js')).checkout('ga4@example.com', 'G A'));
  const [, , bought] = await events(3);
  assert.equal(bought.event, 'purchase');
  assert.equal(bought.ecommerce.transaction_id, order.id);
  assert.equal(bought.ecommerce.value, order.total.amount / 100, 'the order total, discounts and delivery included');
  assert.equal(bought.ecommerce.shipping, order.shipping.amount / 100);
  assert.deepEqual(bought.ecommerce.items.map((i) => [i.item_id, i.quantity]), order.lines.map((l) => [l.variant_id, l.quantity]));
  assertNoProblems(page);
  await page.context().close();
});
