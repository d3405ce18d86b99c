import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, newPage, assertNoProblems, assertText } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const badge = (page) => page.locator('cc-cart-count [part=badge]');
const lines = (page) => page.locator('cc-cart [part=line]');

test('add to cart on the product page, edit in the cart, persisted server-side', async () => {
  const page = await newPage(browser);
  const response = await page.goto(`${BASE}/product.html?handle=aperture-x100`);
  assert.match(response.headers()['content-security-policy'], /script-src 'self' 'wasm-unsafe-eval'/, 'the demo runs under a strict CSP');
  await page.getByRole('heading', { name: 'Aperture X100 Mirrorless Camera' }).waitFor();
  await page.locator('cc-add-to-cart[variant="v-aperture-x100-1"]').waitFor();
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await assertText(badge(page), '1');
  await assertText(page.locator('cc-add-to-cart [part=status]'), 'Added to cart');

  await page.goto(`${BASE}/cart.html`);
  await lines(page).first().waitFor();
  assert.equal(await lines(page).count(), 1);
  assert.equal(await page.locator('cc-cart [part=title]').textContent(), 'Aperture X100 Mirrorless Camera');
  assert.equal(await page.locator('cc-cart [part=variant]').textContent(), 'Black');
  // The API's price (89900 EUR minor units), formatted by Intl.
  assert.equal(await page.locator('cc-cart [part=unit-price]').textContent(), '€899.00 each');
  await assertText(page.locator('cc-cart [part=total]'), '€899.00');

  await page.getByRole('button', { name: 'Increase quantity' }).click();
  await assertText(badge(page), '2');
  await assertText(page.locator('cc-cart [part=subtotal]'), '€1,798.00');

  // Reload: the cart comes back from the server.
  await page.reload();
  await lines(page).first().waitFor();
  assert.equal(await page.locator('cc-cart [part=quantity]').inputValue(), '2');
  await assertText(page.locator('cc-cart [part=total]'), '€1,798.00');

  await page.getByRole('button', { name: /^Remove/ }).click();
  await page.locator('cc-cart [part=empty]').waitFor();
  await page.reload();
  await page.locator('cc-cart [part=empty]').waitFor();
  assert.equal(await lines(page).count(), 0);
  assertNoProblems(page);
  await page.context().close();
});

test('checkout turns the cart into an order shown on the thank-you page', async () => {
  const page = await newPage(browser);
  await page.goto(`${BASE}/product.html?handle=trail-boots`);
  await page.locator('#variant').selectOption({ label: 'EU 43' });
  await page.locator('cc-add-to-cart[variant="v-trail-boots-4"]').waitFor();
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await assertText(badge(page), '1');
  await page.goto(`${BASE}/checkout.html`);
  await lines(page).first().waitFor();
  await page.getByLabel('E-mail').fill('olena@example.com');
  await page.getByRole('button', { name: 'Place order' }).click();
  await page.waitForURL(/thank-you\.html\?order=/);
  await assertText(page.locator('#order'), /Order #\d+ is confirmed\. Total: €159\.00\./);
  assert.match(await page.locator('#order-lines').textContent(), /1 × Trail Hiking Boots \(EU 43\)/);
  // The cart was closed: the badge is empty again.
  await page.goto(`${BASE}/cart.html`);
  await page.locator('cc-cart [part=empty]').waitFor();
  assertNoProblems(page);
  await page.context().close();
});

test('hostile product text is shown as text on the page and in every element', async () => {
  const page = await newPage(browser);
  await page.goto(`${BASE}/product.html?handle=hostile-name`);
  const title = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>Sling & "Bag"';
  await assertText(page.locator('#product-title'), title);
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await assertText(badge(page), '1');
  await page.goto(`${BASE}/cart.html`);
  await assertText(page.locator('cc-cart [part=title]'), title);
  assert.equal(await page.locator('cc-cart [part=variant]').textContent(), '<em>Red</em> & </style><script>window.__pwned=4</script>');
  assert.equal(await page.locator('cc-cart img[src=x], cc-cart script, cc-cart em').count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assertNoProblems(page);
  await page.context().close();
});
