// The synced cart in headless Chromium against the real server: two tabs, two
// devices (browser contexts) on one cart, offline edits, and a server killed
// and restarted mid-session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, newPage, watch, assertNoProblems, assertText, startServer } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const badge = (page) => page.locator('cc-cart-count [part=badge]');
const quantityOf = (page, title) => page.locator('cc-cart [part=line]', { hasText: title }).locator('[part=quantity]');
const serverCart = async (base, id) => (await fetch(`${base}/v1/carts/${id}`)).json();

async function addFromProductPage(page, base, handle) {
  await page.goto(`${base}/product.html?handle=${handle}`);
  await page.locator('#buy[variant]:not([variant=""])').waitFor({ state: 'attached' });
  await page.locator('#buy > button').click();
}

async function waitForValue(locator, value, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    last = await locator.inputValue({ timeout }).catch(() => null);
    if (last === value) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`expected quantity ${value}, last saw ${last}`);
}

test('two tabs: a change in one appears in the other without reload', async () => {
  const tabA = await newPage(browser);
  await addFromProductPage(tabA, BASE, 'aperture-x100');
  await assertText(badge(tabA), '1');
  const tabB = watch(await tabA.context().newPage());
  await tabB.goto(`${BASE}/cart.html`);
  await waitForValue(quantityOf(tabB, 'Aperture X100'), '1');
  const synced = tabB.evaluate(() => new Promise((resolve) => document.addEventListener('cc-cart-sync', (e) => resolve(e.detail.source), { once: true })));
  // A: one more. B shows 2, A's badge too; B heard it as a sync, not as its own change.
  await tabA.goto(`${BASE}/cart.html`);
  await waitForValue(quantityOf(tabA, 'Aperture X100'), '1');
  await tabA.getByRole('button', { name: 'Increase quantity' }).click();
  await waitForValue(quantityOf(tabB, 'Aperture X100'), '2');
  assert.ok(['tab', 'server'].includes(await synced));
  // B: remove; A empties.
  await tabB.getByRole('button', { name: /^Remove/ }).click();
  await tabA.locator('cc-cart [part=empty]').waitFor();
  assertNoProblems(tabA);
  assertNoProblems(tabB);
  await tabA.context().close();
});

test('two tabs opened before any cart exists: the first add shows in the other tab at once', async () => {
  // A fresh profile, two product tabs opened from the catalog, no cart yet.
  const tabA = await newPage(browser);
  const tabB = watch(await tabA.context().newPage());
  await tabA.goto(`${BASE}/product.html?handle=aperture-x100`);
  await tabB.goto(`${BASE}/product.html?handle=nova-12`);
  await tabA.locator('#buy[variant]:not([variant=""])').waitFor({ state: 'attached' });
  await tabA.locator('#buy > button').click();
  await assertText(badge(tabA), '1');
  // B made no edit and did not reload: it adopts the cart A created and shows it.
  await assertText(badge(tabB), '1', 5_000);
  // B's own add goes into that same cart (A's count reaches 2 only then).
  await tabB.locator('#buy[variant]:not([variant=""])').waitFor({ state: 'attached' });
  await tabB.locator('#buy > button').click();
  await assertText(badge(tabB), '2');
  await assertText(badge(tabA), '2', 5_000);
  // A third tab opened later shows the same cart, and its add reaches the first two.
  const tabC = watch(await tabA.context().newPage());
  await tabC.goto(`${BASE}/product.html?handle=aperture-x100`);
  await assertText(badge(tabC), '2');
  await tabC.locator('#buy[variant]:not([variant=""])').waitFor({ state: 'attached' });
  await tabC.locator('#buy > button').click();
  await assertText(badge(tabC), '3');
  await assertText(badge(tabA), '3', 5_000);
  await assertText(badge(tabB), '3', 5_000);
  assertNoProblems(tabA);
  assertNoProblems(tabB);
  assertNoProblems(tabC);
  await tabA.context().close();
});

test('a tab restored from the back/forward cache shows the cart made while it was away, then follows live', async () => {
  const bfBrowser = await launch({ bfcache: true });
  try {
    // A fresh profile; B is on a product page before any cart exists, then goes to the catalog.
    const tabA = watch(await (await bfBrowser.newContext()).newPage());
    const tabB = watch(await tabA.context().newPage());
    await tabB.goto(`${BASE}/product.html?handle=nova-12`);
    await tabB.locator('#buy[variant]:not([variant=""])').waitFor({ state: 'attached' });
    await tabB.evaluate(() => { window.__beforeLeaving = true; });
    await tabB.goto(`${BASE}/index.html`);
    // Meanwhile A creates the cart.
    await tabA.goto(`${BASE}/product.html?handle=aperture-x100`);
    await tabA.locator('#buy[variant]:not([variant=""])').waitFor({ state: 'attached' });
    await tabA.locator('#buy > button').click();
    await assertText(badge(tabA), '1');
    // B comes back: the page as it was (its WebAssembly and state) from the
    // cache, which shows A's cart, then A's next add live.
    // (A page restored from the cache fires no load event.)
    await tabB.goBack({ waitUntil: 'commit' });
    assert.equal(await tabB.evaluate(() => window.__beforeLeaving === true), true, 'restored from the back/forward cache, not loaded again');
    await assertText(badge(tabB), '1', 5_000);
    await tabA.locator('#buy > button').click();
    await assertText(badge(tabA), '2');
    await assertText(badge(tabB), '2', 5_000);
    // And B's own add reaches A.
    await tabB.locator('#buy > button').click();
    await assertText(badge(tabA), '3', 5_000);
    // Away again, now following the cart: back from the cache, B shows A's add made meanwhile.
    await tabB.evaluate(() => { window.__beforeLeaving = 2; });
    await tabB.goto(`${BASE}/index.html`);
    await tabA.locator('#buy > button').click();
    await assertText(badge(tabA), '4');
    await tabB.goBack({ waitUntil: 'commit' });
    assert.equal(await tabB.evaluate(() => window.__beforeLeaving), 2, 'restored from the back/forward cache with a cart');
    await assertText(badge(tabB), '4', 5_000);
    assertNoProblems(tabA);
    assertNoProblems(tabB);
  } finally {
    await bfBrowser.close();
  }
});

test('two devices on one cart: a change on one is pushed to the other; offline edits arrive when back online', async () => {
  const phone = await newPage(browser);
  await addFromProductPage(phone, BASE, 'trail-boots');
  await assertText(badge(phone), '1');
  const id = await phone.evaluate(() => localStorage.getItem('crosscart:cart:'));
  assert.match(id, /^[0-9a-f]{32}$/, 'a 128-bit cart token');
  // The laptop opens the same cart (what signing in or a handoff code will do).
  const laptop = await newPage(browser);
  await laptop.goto(`${BASE}/index.html`);
  await laptop.evaluate((cart) => localStorage.setItem('crosscart:cart:', cart), id);
  await laptop.goto(`${BASE}/cart.html`);
  await waitForValue(quantityOf(laptop, 'Trail Hiking Boots'), '1');

  await phone.goto(`${BASE}/cart.html`);
  await waitForValue(quantityOf(phone, 'Trail Hiking Boots'), '1');
  const pushedAt = Date.now();
  await phone.getByRole('button', { name: 'Increase quantity' }).click();
  await waitForValue(quantityOf(laptop, 'Trail Hiking Boots'), '2');
  assert.ok(Date.now() - pushedAt < 5000, 'pushed, not polled');

  // The phone goes offline and edits: the badge follows at once; nothing reaches the server yet.
  await phone.context().setOffline(true);
  await phone.getByRole('button', { name: 'Increase quantity' }).click();
  await waitForValue(quantityOf(phone, 'Trail Hiking Boots'), '3');
  await phone.getByRole('button', { name: 'Increase quantity' }).click();
  await waitForValue(quantityOf(phone, 'Trail Hiking Boots'), '4');
  await assertText(badge(phone), '4');
  assert.equal((await serverCart(BASE, id)).lines[0].quantity, 2, 'offline: still 2 on the server');
  // Meanwhile the laptop adds a pair (it never saw the phone's offline edits).
  await laptop.getByRole('button', { name: 'Increase quantity' }).click();
  await waitForValue(quantityOf(laptop, 'Trail Hiking Boots'), '3');
  // Back online: both edits count (2 + 2 offline on the phone + 1 on the laptop).
  await phone.context().setOffline(false);
  await waitForValue(quantityOf(phone, 'Trail Hiking Boots'), '5');
  await waitForValue(quantityOf(laptop, 'Trail Hiking Boots'), '5');
  assert.equal((await serverCart(BASE, id)).lines[0].quantity, 5);
  await assertText(phone.locator('cc-cart [part=total]'), await laptop.locator('cc-cart [part=total]').textContent());
  assertNoProblems(laptop);
  await phone.context().close();
  await laptop.context().close();
});

test('the server is killed and restarted mid-session: the cart is intact and the edit made meanwhile arrives', async () => {
  const server = await startServer();
  try {
    const page = await newPage(browser);
    await addFromProductPage(page, server.base, 'aperture-x100');
    await assertText(badge(page), '1');
    const id = await page.evaluate(() => localStorage.getItem('crosscart:cart:'));
    await page.goto(`${server.base}/cart.html`);
    await waitForValue(quantityOf(page, 'Aperture X100'), '1');
    server.kill();
    await page.getByRole('button', { name: 'Increase quantity' }).click();
    await waitForValue(quantityOf(page, 'Aperture X100'), '2');
    await server.restart();
    // The replica retries with back-off; the edit lands.
    const deadline = Date.now() + 20_000;
    let qty = 0;
    while (Date.now() < deadline && qty !== 2) {
      qty = (await serverCart(server.base, id).catch(() => ({ lines: [] }))).lines[0]?.quantity ?? 0;
      if (qty !== 2) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(qty, 2, 'the edit made while the server was down reached it');
    await page.reload();
    await waitForValue(quantityOf(page, 'Aperture X100'), '2');
    await page.context().close();
  } finally {
    server.stop();
  }
});

async function signUpOrIn(page, base, form, email, name) {
  await page.goto(`${base}/account.html`);
  const f = page.locator(`#${form}`);
  if (name) await f.getByLabel('Name').fill(name);
  await f.getByLabel('E-mail').fill(email);
  await f.getByLabel('Password').fill('correct horse battery');
  await f.getByRole('button').click();
  await page.locator('#signed-in:not([hidden])').waitFor();
}

test('signed in on two devices: a guest cart merges on sign-in and the cart follows the customer', async () => {
  const email = `olena.${Date.now()}@example.com`;
  // Laptop: a camera as a guest, then an account — the cart becomes hers.
  const laptop = await newPage(browser);
  await addFromProductPage(laptop, BASE, 'aperture-x100');
  await assertText(badge(laptop), '1');
  await signUpOrIn(laptop, BASE, 'sign-up', email, 'Olena');
  assert.match(await laptop.locator('#who').textContent(), /^Olena \(olena\.\d+@example\.com\)$/);
  // Phone: boots as a guest, then sign in — both items in one cart, on both devices.
  const phone = await newPage(browser);
  await addFromProductPage(phone, BASE, 'trail-boots');
  await assertText(badge(phone), '1');
  await laptop.goto(`${BASE}/cart.html`);
  await waitForValue(quantityOf(laptop, 'Aperture X100'), '1');
  await signUpOrIn(phone, BASE, 'sign-in', email);
  await assertText(badge(phone), '2');
  await phone.goto(`${BASE}/cart.html`);
  await waitForValue(quantityOf(phone, 'Aperture X100'), '1');
  await waitForValue(quantityOf(phone, 'Trail Hiking Boots'), '1');
  // The laptop hears of the merge without a reload.
  await waitForValue(quantityOf(laptop, 'Trail Hiking Boots'), '1');
  // A change on the phone reaches the laptop by push.
  await phone.locator('cc-cart [part=line]', { hasText: 'Trail Hiking Boots' }).getByRole('button', { name: 'Increase quantity' }).click();
  await waitForValue(quantityOf(laptop, 'Trail Hiking Boots'), '2');
  // Another customer (or nobody) cannot open her cart, even knowing its id.
  const id = await phone.evaluate(() => localStorage.getItem('crosscart:cart:'));
  assert.equal((await fetch(`${BASE}/v1/carts/${id}`)).status, 404);
  // Signing out forgets the cart on this device only.
  await phone.goto(`${BASE}/account.html`);
  await phone.getByRole('button', { name: 'Sign out' }).click();
  await phone.locator('#forms:not([hidden])').waitFor();
  await phone.goto(`${BASE}/cart.html`);
  await phone.locator('cc-cart [part=empty]').waitFor();
  await laptop.reload();
  await waitForValue(quantityOf(laptop, 'Trail Hiking Boots'), '2');
  assertNoProblems(laptop);
  await laptop.context().close();
  await phone.context().close();
});

test('handoff: a code opens the cart on a phone, and a store clerk completes another at the counter', async () => {
  const laptop = await newPage(browser);
  await addFromProductPage(laptop, BASE, 'aperture-x100');
  await assertText(badge(laptop), '1');
  await laptop.goto(`${BASE}/cart.html`);
  await waitForValue(quantityOf(laptop, 'Aperture X100'), '1');
  await laptop.getByRole('button', { name: 'Continue on another device' }).click();
  const code = (await laptop.locator('cc-cart [part=handoff-code]').textContent()).trim();
  assert.match(code, /^[2-9A-HJKMNP-TV-Z]{3}-[2-9A-HJKMNP-TV-Z]{3}$/);
  assert.match(await laptop.locator('cc-cart [part=handoff-expiry]').textContent(), /^Expires in (10:00|9:5\d)$/);
  // The QR code is an image from the shop's own server.
  const qr = laptop.locator('cc-cart [part=handoff-qr]');
  await laptop.waitForFunction(() => document.querySelector('cc-cart').shadowRoot.querySelector('[part=handoff-qr]').complete);
  assert.ok(await qr.evaluate((img) => img.naturalWidth >= 200), 'the QR code loaded');

  // The phone opens the link the QR code holds: same cart, and it stays in step.
  const phone = await newPage(browser);
  await phone.goto(`${BASE}/handoff.html?code=${code}`);
  await phone.waitForURL(/cart\.html$/);
  await waitForValue(quantityOf(phone, 'Aperture X100'), '1');
  await phone.getByRole('button', { name: 'Increase quantity' }).click();
  await waitForValue(quantityOf(laptop, 'Aperture X100'), '2');
  // The code worked once.
  const third = await newPage(browser);
  await third.goto(`${BASE}/handoff.html?code=${code}`);
  await assertText(third.locator('#handoff-status'), /^This code cannot be used: this code has been used already/);

  // Another customer hands a cart to the store counter; the clerk completes it as an in-store order.
  const shopper = await newPage(browser);
  await addFromProductPage(shopper, BASE, 'trail-boots');
  await assertText(badge(shopper), '1');
  await shopper.goto(`${BASE}/cart.html`);
  await waitForValue(quantityOf(shopper, 'Trail Hiking Boots'), '1');
  await shopper.getByRole('button', { name: 'Continue on another device' }).click();
  const counterCode = (await shopper.locator('cc-cart [part=handoff-code]').textContent()).trim();
  const clerk = await newPage(browser);
  await clerk.goto(`${BASE}/counter.html`);
  await clerk.getByLabel("Customer's code").fill(counterCode.toLowerCase());
  await clerk.getByRole('button', { name: 'Pull up the cart' }).click();
  await assertText(clerk.locator('#counter-lines li'), /^1 × Trail Hiking Boots/);
  await clerk.getByRole('button', { name: 'Complete as in-store order' }).click();
  await assertText(clerk.locator('#counter-order'), /^In-store order #\d+ completed\. Total: €159\.00\.$/);
  // The shopper's cart is done: their page starts afresh.
  await shopper.reload();
  await shopper.locator('cc-cart [part=empty]').waitFor();
  for (const p of [laptop, phone, clerk]) assertNoProblems(p);
  for (const p of [laptop, phone, third, shopper, clerk]) await p.context().close();
});

test('Back button: a page restored from history shows what changed meanwhile', async () => {
  const phone = await newPage(browser);
  await addFromProductPage(phone, BASE, 'aperture-x100');
  await assertText(badge(phone), '1');
  const id = await phone.evaluate(() => localStorage.getItem('crosscart:cart:'));
  await phone.goto(`${BASE}/cart.html`);
  await waitForValue(quantityOf(phone, 'Aperture X100'), '1');
  await phone.goto(`${BASE}/index.html`);
  // Meanwhile another device changes the cart.
  const laptop = await newPage(browser);
  await laptop.goto(`${BASE}/index.html`);
  await laptop.evaluate((cart) => localStorage.setItem('crosscart:cart:', cart), id);
  await laptop.goto(`${BASE}/cart.html`);
  await waitForValue(quantityOf(laptop, 'Aperture X100'), '1');
  await laptop.getByRole('button', { name: 'Increase quantity' }).click();
  await waitForValue(quantityOf(laptop, 'Aperture X100'), '2');
  // Back on the phone: the restored page (from the back/forward cache or reloaded) is current.
  await phone.goBack();
  await waitForValue(quantityOf(phone, 'Aperture X100'), '2');
  await assertText(badge(phone), '2');
  assertNoProblems(phone);
  await phone.context().close();
  await laptop.context().close();
});
