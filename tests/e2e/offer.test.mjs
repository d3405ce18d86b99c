// The post-checkout offer in headless Chromium against a real server with a
// known experiment (half held out, one "10 % off for 15 minutes" arm): the
// demo checkout opens an accessible dialog beside the confirmation; accepting
// fills a new cart; the countdown survives reloads and a wrong device clock;
// dismissal is remembered; the holdout group sees nothing but is counted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { launch, newPage, watch, assertNoProblems, assertText, startServer } from './helpers.mjs';

let browser;
let server;
const emails = {};
const experiment = { id: 'e2e-offers', holdout_bp: 5000, arms: [{ name: 'discount-10', weight: 1, percent_off: 10, window_ms: 15 * 60_000 }] };

before(async () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'crosscart-offer-')), 'experiment.json');
  writeFileSync(file, JSON.stringify(experiment));
  server = await startServer(['--offer-experiment', file]);
  browser = await launch();
  // Which customers land in which group: asked of the CLI, which uses the shop's own experiment.
  const candidates = Array.from({ length: 40 }, (_, i) => `shopper${i}@example.com`);
  const groups = execFileSync(process.env.CROSSCART_BIN, ['offer-group', '--database', server.db, ...candidates], { encoding: 'utf8' })
    .trim().split('\n').map((l) => l.split('\t'));
  emails.shown = groups.filter(([, g]) => g === 'discount-10').map(([e]) => e);
  emails.held = groups.filter(([, g]) => g === 'holdout').map(([e]) => e);
  assert.ok(emails.shown.length >= 6 && emails.held.length >= 1, JSON.stringify(groups));
});
after(async () => { await browser?.close(); server?.kill(); });

const dialog = (page) => page.locator('cc-post-checkout [part=dialog]');
const timer = (page) => page.locator('cc-post-checkout [part=timer]');
const seconds = (text) => text.split(':').map(Number).reduce((a, b) => a * 60 + b, 0);

/** Collects every cc-offer-* event of the page into window.__offerEvents. */
async function recordEvents(page) {
  await page.addInitScript(() => {
    window.__offerEvents = [];
    for (const name of ['cc-offer-impression', 'cc-offer-accept', 'cc-offer-dismiss']) {
      document.addEventListener(name, (e) => window.__offerEvents.push({ name, detail: e.detail }));
    }
  });
}
const offerEvents = (page) => page.evaluate(() => window.__offerEvents);

/** An order placed through the API (as the app or a store counter would). */
async function apiOrder(email, variants = ['v-trail-boots-1']) {
  const cart = await (await fetch(`${server.base}/v1/carts`, { method: 'POST' })).json();
  for (const v of variants) {
    const r = await fetch(`${server.base}/v1/carts/${cart.id}/lines`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ variant_id: v, quantity: 1 }) });
    assert.ok(r.ok, await r.text());
  }
  const r = await fetch(`${server.base}/v1/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ cart_id: cart.id, email, channel: 'app' }) });
  assert.equal(r.status, 201);
  return r.json();
}

/** The deepest focused element's description, through shadow roots. */
const focused = (page) => page.evaluate(() => {
  let el = document.activeElement;
  const chain = [];
  while (el) {
    chain.push(el.getAttribute?.('part') || el.id || el.tagName.toLowerCase());
    if (!el.shadowRoot?.activeElement) break;
    el = el.shadowRoot.activeElement;
  }
  const inDialog = !!(el && el.closest && el.closest('dialog'));
  return { chain: chain.join(' > '), inDialog, hasFocus: document.hasFocus() };
});

test('the demo checkout opens the offer beside the confirmation; accepting fills a new cart', async () => {
  const page = await newPage(browser);
  await recordEvents(page);
  // The customer looked at a UV filter before buying boots.
  await page.goto(`${server.base}/product.html?handle=uv-filter-58`);
  await page.locator('#product').waitFor();
  await page.goto(`${server.base}/product.html?handle=trail-boots`);
  await page.locator('#buy[variant]:not([variant=""])').waitFor({ state: 'attached' });
  await page.locator('#buy > button').click();
  await assertText(page.locator('cc-cart-count [part=badge]'), '1');
  await page.goto(`${server.base}/checkout.html`);
  await page.locator('input[name=email]').fill(emails.shown[0]);
  await page.locator('#checkout-form button').click();
  await page.waitForURL(/thank-you\.html/);

  await dialog(page).waitFor({ state: 'visible' });
  assert.equal(await page.locator('cc-post-checkout').getAttribute('data-offer-status'), 'open');
  // The confirmation stays readable: the dialog is docked beside it, and restates it.
  await assertText(page.locator('#order'), /^Order #\d+ is confirmed/);
  const [confirmation, box] = [await page.locator('#order').boundingBox(), await dialog(page).boundingBox()];
  const overlap = !(confirmation.x + confirmation.width <= box.x || box.x + box.width <= confirmation.x || confirmation.y + confirmation.height <= box.y || box.y + box.height <= confirmation.y);
  assert.ok(!overlap, `dialog ${JSON.stringify(box)} covers the confirmation ${JSON.stringify(confirmation)}`);
  await assertText(page.locator('cc-post-checkout [part=confirmation]'), /Order #\d+ — Your order is confirmed/);
  // Relevant complements (never the boots), the customer's own view, API prices with the discount.
  const titles = await page.locator('cc-post-checkout [part=item-title]').allTextContents();
  assert.equal(titles.length, 3, titles.join(' | '));
  assert.ok(titles.some((t) => /Merino Hiking Socks|Waterproofing Spray|Boot Laces/.test(t)), titles.join(' | '));
  assert.ok(titles.some((t) => /UV Filter/.test(t)), `the viewed product gets a place: ${titles.join(' | ')}`);
  assert.ok(!titles.some((t) => /Trail Hiking Boots/.test(t)));
  const full = await page.locator('cc-post-checkout [part=full-price]').allTextContents();
  const now = await page.locator('cc-post-checkout [part=offer-price]').allTextContents();
  assert.equal(full.length, 3);
  assert.ok(full.every((f, i) => f !== now[i]), `${full} vs ${now}`);
  assert.match(await page.locator('cc-post-checkout [part=points]').textContent(), /Points earned with this order: 159/);
  // Accessible: labelled modal dialog, focus inside, axe finds nothing.
  assert.equal(await dialog(page).getAttribute('aria-modal'), 'true');
  assert.equal(await dialog(page).evaluate((d) => d.getRootNode().getElementById(d.getAttribute('aria-labelledby')).textContent), 'Goes well with your order');
  assert.ok((await focused(page)).inDialog, JSON.stringify(await focused(page)));
  const axe = await new AxeBuilder({ page }).include('cc-post-checkout').analyze();
  assert.deepEqual(axe.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`), []);
  assert.ok(axe.passes.length > 5, 'axe did look at the dialog');

  // The countdown runs on the server's clock and survives a reload.
  const before = seconds(await timer(page).textContent());
  assert.ok(before > 14 * 60 && before <= 15 * 60, `${before}`);
  await page.waitForTimeout(2100);
  await page.reload();
  await dialog(page).waitFor({ state: 'visible' });
  const after = seconds(await timer(page).textContent());
  assert.ok(after <= before - 2 && after >= before - 6, `after a reload ${after}, before ${before}`);

  // Accept: one click, a new cart with the three items, shown by the cart elements.
  await page.locator('cc-post-checkout [part=accept]').click();
  await assertText(page.locator('cc-post-checkout [part=status]'), 'Added to a new cart, ready to check out.');
  await assertText(page.locator('cc-cart-count [part=badge]'), '3');
  const events = await offerEvents(page);
  const impression = events.find((e) => e.name === 'cc-offer-impression');
  assert.equal(impression.detail.variant, 'discount-10');
  assert.equal(impression.detail.shown, true);
  assert.equal(impression.detail.items.length, 3);
  const accept = events.find((e) => e.name === 'cc-offer-accept');
  assert.ok(accept, JSON.stringify(events));
  assert.equal(accept.detail.order, impression.detail.order);
  assert.equal(accept.detail.cart.lines.length, 3);
  assert.ok(accept.detail.cart.lines.every((l) => l.offer_percent === 10 && l.discount));
  await page.locator('cc-post-checkout [part=view-cart]').click();
  await page.waitForURL(/cart\.html/);
  await assertText(page.locator('cc-cart [part=line]').first(), /./);
  assert.equal(await page.locator('cc-cart [part=line]').count(), 3);
  assertNoProblems(page);
});

test('a wrong device clock and another time zone show the same time left', async () => {
  const order = await apiOrder(emails.shown[1]);
  const page = await newPage(browser);
  await page.goto(`${server.base}/thank-you.html?status&order=${order.id}&key=${order.key}`);
  await dialog(page).waitFor({ state: 'visible' });
  const honest = seconds(await timer(page).textContent());
  // Another "device": its clock three hours slow, in New York.
  const context = await browser.newContext({ locale: 'en-US', timezoneId: 'America/New_York' });
  const skewed = watch(await context.newPage());
  await skewed.clock.install({ time: Date.now() - 3 * 3600_000 });
  await skewed.goto(`${server.base}/thank-you.html?status&order=${order.id}&key=${order.key}`);
  await dialog(skewed).waitFor({ state: 'visible' });
  const left = seconds(await timer(skewed).textContent());
  assert.ok(Math.abs(left - honest) <= 3, `skewed device shows ${left} s, honest ${honest} s`);
  // When the time is up, the discount goes and the button with it — never a stale price.
  await skewed.clock.runFor(16 * 60_000);
  await assertText(skewed.locator('cc-post-checkout [part=deal]'), /This offer has ended/);
  assert.equal(await skewed.locator('cc-post-checkout [part=accept]').isDisabled(), true);
  assert.equal(await skewed.locator('cc-post-checkout [part=full-price]').count(), 0);
  assertNoProblems(page);
  assertNoProblems(skewed);
  await context.close();
});

test('keyboard only: untick an item and accept; reduced motion means no animation', async () => {
  const order = await apiOrder(emails.shown[2]);
  const page = await newPage(browser);
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await recordEvents(page);
  await page.goto(`${server.base}/thank-you.html?status&order=${order.id}&key=${order.key}`);
  await dialog(page).waitFor({ state: 'visible' });
  assert.equal(await dialog(page).evaluate((d) => getComputedStyle(d).animationName), 'none');
  // Focus starts on the first item's check box; Space unticks it; Tab walks to the button.
  assert.equal((await focused(page)).chain.split(' > ').pop(), 'checkbox');
  await page.keyboard.press('Space');
  for (let i = 0; i < 10; i++) {
    const f = await focused(page);
    if (f.chain.endsWith('accept')) break;
    assert.ok(f.inDialog, `focus left the dialog: ${f.chain}`);
    await page.keyboard.press('Tab');
  }
  assert.ok((await focused(page)).chain.endsWith('accept'));
  await page.keyboard.press('Enter');
  await assertText(page.locator('cc-post-checkout [part=status]'), 'Added to a new cart, ready to check out.');
  await assertText(page.locator('cc-cart-count [part=badge]'), '2');
  const accept = (await offerEvents(page)).find((e) => e.name === 'cc-offer-accept');
  assert.equal(accept.detail.items.length, 2);
  // Tabbing around never reaches the page behind the modal dialog.
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    assert.ok(f.inDialog || !f.hasFocus || f.chain === 'body', `focus escaped to ${f.chain}`);
  }
  assertNoProblems(page);
});

test('Esc dismisses, focus returns, and the dismissal is remembered', async () => {
  const order = await apiOrder(emails.shown[3]);
  const page = await newPage(browser);
  await recordEvents(page);
  // The element is given its order while the customer's focus is on a link.
  await page.goto(`${server.base}/thank-you.html`);
  await assertText(page.locator('#order'), /We could not find this order/);
  await page.locator('a[href="index.html"]').last().focus();
  await page.locator('#offer').evaluate((el, o) => { el.setAttribute('order-key', o.key); el.setAttribute('order', o.id); }, order);
  await dialog(page).waitFor({ state: 'visible' });
  await page.keyboard.press('Escape');
  await dialog(page).waitFor({ state: 'hidden' });
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Continue shopping', 'focus returns where it was');
  const dismiss = (await offerEvents(page)).find((e) => e.name === 'cc-offer-dismiss');
  assert.equal(dismiss?.detail.order, order.id);
  // Remembered: the order status page shows no dialog again...
  await page.goto(`${server.base}/thank-you.html?status&order=${order.id}&key=${order.key}`);
  await page.locator('cc-post-checkout[data-offer-status=dismissed]').waitFor({ state: 'attached' });
  assert.equal(await dialog(page).isVisible(), false);
  // ... and the customer's next order within the cap gets none.
  const next = await apiOrder(emails.shown[3].toUpperCase(), ['v-nova-12-1']);
  await page.goto(`${server.base}/thank-you.html?order=${next.id}&key=${next.key}`);
  await page.locator('cc-post-checkout[data-offer-status=none]').waitFor({ state: 'attached' });
  assert.equal(await dialog(page).isVisible(), false);
  assertNoProblems(page);
});

test('the holdout group sees no dialog, and its impression is recorded for the report', async () => {
  const order = await apiOrder(emails.held[0]);
  const page = await newPage(browser);
  await recordEvents(page);
  await page.goto(`${server.base}/thank-you.html?order=${order.id}&key=${order.key}`);
  await page.locator('cc-post-checkout[data-offer-status=holdout]').waitFor({ state: 'attached' });
  assert.equal(await dialog(page).isVisible(), false);
  await page.waitForFunction(() => window.__offerEvents.length > 0);
  const [impression] = await offerEvents(page);
  assert.deepEqual([impression.name, impression.detail.variant, impression.detail.shown, impression.detail.items], ['cc-offer-impression', 'holdout', false, []]);
  // The report (the merchant's CLI, on the shop's database) counts it.
  let report;
  for (let i = 0; i < 50; i++) {
    report = JSON.parse(execFileSync(process.env.CROSSCART_BIN, ['report', 'offers', '--database', server.db, '--json'], { encoding: 'utf8' }));
    if (report.find((r) => r.variant === 'holdout')?.impressions >= 1) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const held = report.find((r) => r.variant === 'holdout');
  assert.equal(held?.impressions, 1, JSON.stringify(report));
  assert.equal(held.acceptance, null);
  const shown = report.find((r) => r.variant === 'discount-10');
  assert.ok(shown.impressions >= 3 && shown.accepts >= 2, JSON.stringify(shown));
  assertNoProblems(page);
});

test('an in-store order: the receipt link opens the order status page with the offer', async () => {
  // The customer hands her cart to the counter with a code; the clerk completes it.
  const cart = await (await fetch(`${server.base}/v1/carts`, { method: 'POST' })).json();
  await fetch(`${server.base}/v1/carts/${cart.id}/lines`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ variant_id: 'v-trail-boots-1', quantity: 1 }) });
  const { code } = await (await fetch(`${server.base}/v1/carts/${cart.id}/handoff`, { method: 'POST' })).json();
  const clerk = await newPage(browser);
  await clerk.goto(`${server.base}/counter.html`);
  await clerk.getByLabel("Customer's code").fill(code);
  await clerk.getByRole('button', { name: 'Pull up the cart' }).click();
  await assertText(clerk.locator('#counter-lines li'), /^1 × Trail Hiking Boots/);
  await clerk.getByLabel('Receipt e-mail (optional)').fill(emails.shown[5]);
  await clerk.getByRole('button', { name: 'Complete as in-store order' }).click();
  await assertText(clerk.locator('#counter-order'), /^In-store order #\d+ completed/);
  const number = (await clerk.locator('#counter-order').textContent()).match(/#(\d+)/)?.[1];
  assert.ok(number, await clerk.locator('#counter-order').textContent());
  // The receipt's link, opened on the customer's phone.
  const href = await clerk.locator('#counter-status-link').getAttribute('href');
  const phone = await newPage(browser);
  await phone.goto(href);
  await assertText(phone.locator('#heading'), 'Order status');
  await dialog(phone).waitFor({ state: 'visible' });
  await assertText(phone.locator('cc-post-checkout [part=confirmation]'), `✓ Order #${number} — Your order is confirmed`);
  assert.equal(await phone.locator('cc-post-checkout [part=item]').count(), 3);
  assertNoProblems(clerk);
  assertNoProblems(phone);
});

test('unknown orders and wrong keys show nothing and leak nothing', async () => {
  const order = await apiOrder(emails.shown[4]);
  const page = await newPage(browser);
  for (const [id, key] of [['no-such-order', order.key], [order.id, 'wrong-key']]) {
    await page.goto(`${server.base}/thank-you.html`);
    const error = page.evaluate(() => new Promise((resolve) => document.addEventListener('cc-error', (e) => resolve(e.detail), { once: true })));
    await page.locator('#offer').evaluate((el, [i, k]) => { el.setAttribute('order-key', k); el.setAttribute('order', i); }, [id, key]);
    await page.locator('cc-post-checkout[data-offer-status=error]').waitFor({ state: 'attached' });
    assert.equal(await dialog(page).isVisible(), false);
    // The shopper's message, never the server's text (that goes to the console).
    assert.deepEqual(await error, { action: 'offer-load', code: 'not_found', message: 'No longer available. Reload the page.' });
  }
});
