// The demo shop's own page code: what a theme or a headless storefront would
// render itself. It only uses Crosscart's public API, and it writes text with
// textContent, never innerHTML.
import { getProduct, formatMoney, checkout, getOrder, signIn, signUp, signOut, currentCustomer, claimHandoff } from '/sdk/crosscart.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const el = (tag, props = {}, ...children) => {
  const e = document.createElement(tag);
  Object.assign(e, props);
  for (const c of children) e.append(c);
  return e;
};
const statusUrl = (id, key) => `thank-you.html?status&order=${encodeURIComponent(id)}&key=${encodeURIComponent(key)}`;
const minPrice = (p) => p.variants.reduce((a, v) => (v.price.amount < a.amount ? v.price : a), p.variants[0].price);

// The catalog is the shop's own page, rendered from its commerce API as a
// theme would, without waiting for Crosscart (which the cart count needs).
const apiMoney = (m) => {
  const f = new Intl.NumberFormat(document.documentElement.lang || 'en', { style: 'currency', currency: m.currency });
  return f.format(m.amount / 10 ** f.resolvedOptions().maximumFractionDigits);
};

async function catalog() {
  const category = params.get('category');
  let all;
  try {
    const r = await fetch('/v1/products');
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    all = (await r.json()).products;
  } catch (e) {
    $('products').replaceChildren(el('li', { textContent: `Could not load the catalog: ${e.message}` }));
    return;
  }
  const cats = [...new Set(all.map((p) => p.category))];
  $('categories').replaceChildren(
    el('a', { href: 'index.html', textContent: 'All' }),
    ...cats.map((c) => el('a', { href: `index.html?category=${encodeURIComponent(c)}`, textContent: c.replace(/-/g, ' ') })),
  );
  for (const a of $('categories').children) {
    if ((new URL(a.href).searchParams.get('category') || null) === category) a.setAttribute('aria-current', 'page');
  }
  const shown = category ? all.filter((p) => p.category === category) : all;
  const cards = shown.map((p, i) => el('li', { className: 'card' },
    el('a', { href: `product.html?handle=${encodeURIComponent(p.handle)}` },
      // The first row is the page's largest paint: fetched at once, the rest lazily.
      el('img', { src: p.images[0]?.url ?? '', alt: '', width: 240, height: 240, loading: i < 4 ? 'eager' : 'lazy', fetchPriority: i < 2 ? 'high' : 'auto' }),
      el('span', { className: 't', textContent: p.title }),
      el('span', { className: 'p', textContent: apiMoney(minPrice(p)) }))));
  $('products').replaceChildren(...cards);
}

async function product() {
  const handle = params.get('handle') || 'aperture-x100';
  let p;
  try {
    p = await getProduct(handle);
  } catch (e) {
    $('product-status').textContent = e.code === 'not_found' ? 'This product does not exist.' : `Could not load the product: ${e.message}`;
    return;
  }
  document.title = `${p.title} · Crosscart demo shop`;
  $('product-title').textContent = p.title;
  $('product-description').textContent = p.description;
  const buy = $('buy');
  const select = $('variant');
  const bundle = $('bundle');
  bundle.setAttribute('product', p.id);
  $('viewed').setAttribute('product', p.id);
  const show = async (v) => {
    buy.setAttribute('variant', v.id);
    bundle.setAttribute('variant', v.id);
    $('stock').setAttribute('variant', v.id);
    $('product-price').textContent = await formatMoney(v.price);
    const img = v.image ?? p.images[0];
    $('product-image').src = img?.url ?? '';
    $('product-image').alt = img?.alt ?? '';
  };
  if (p.variants.length > 1) {
    select.replaceChildren(...p.variants.map((v) => el('option', { value: v.id, textContent: v.title })));
    select.addEventListener('change', () => show(p.variants.find((v) => v.id === select.value)));
    $('variant-field').hidden = false;
  }
  await show(p.variants[0]);
  $('product').hidden = false;
  $('product-status').hidden = true;
  bundle.hidden = false; // below the product now, so it loads when scrolled near
}

function checkoutPage() {
  $('checkout-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const data = new FormData(ev.target);
    const button = ev.target.querySelector('button');
    button.disabled = true;
    $('checkout-error').textContent = '';
    try {
      const order = await checkout(String(data.get('email')), String(data.get('name') || ''));
      location.href = `thank-you.html?order=${encodeURIComponent(order.id)}&key=${encodeURIComponent(order.key)}`;
    } catch (e) {
      $('checkout-error').textContent = e.message;
      button.disabled = false;
    }
  });
}

async function thankYou() {
  const [id, key] = [params.get('order') || '', params.get('key') || ''];
  // The same page is the order status page (a receipt's link): `?status`.
  $('status-link').setAttribute('href', statusUrl(id, key));
  if (params.has('status')) {
    document.title = 'Order status · Crosscart demo shop';
    $('heading').textContent = 'Order status';
    $('status-link').hidden = true;
  }
  try {
    const order = await getOrder(id, key);
    $('order').textContent = `Order #${order.number} is confirmed. Total: ${await formatMoney(order.total)}.`;
    // The confirmation is on screen first; then the offer may open beside it.
    $('offer').setAttribute('order-key', key);
    $('offer').setAttribute('order', id);
    const lines = await Promise.all(order.lines.map(async (l) => el('li', {
      textContent: `${l.quantity} × ${l.title}${l.variant_title ? ` (${l.variant_title})` : ''} — ${await formatMoney(l.line_total)}`,
    })));
    $('order-lines').replaceChildren(...lines);
  } catch (e) {
    $('order').textContent = `We could not find this order (${e.message}).`;
  }
}

async function account() {
  const show = (me) => {
    $('signed-in').hidden = !me;
    $('forms').hidden = !!me;
    $('who').textContent = me ? `${me.customer.name || me.customer.email} (${me.customer.email})` : '';
  };
  show(await currentCustomer().catch(() => null));
  const submit = (id, action) => $(id).addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const data = new FormData(ev.target);
    $('account-error').textContent = '';
    try {
      show(await action(String(data.get('email')), String(data.get('password')), String(data.get('name') || '')));
    } catch (e) {
      $('account-error').textContent = e.message;
    }
  });
  submit('sign-in', (email, password) => signIn(email, password));
  submit('sign-up', (email, password, name) => signUp(email, password, name));
  $('sign-out').addEventListener('click', async () => { await signOut(); show(null); });
}

// A phone that scanned the QR code, or someone typing the code: open that cart here.
async function handoffPage() {
  const open = async (code) => {
    $('handoff-status').textContent = 'Opening the cart…';
    try {
      await claimHandoff(code);
      location.href = 'cart.html';
    } catch (e) {
      $('handoff-status').textContent = e.code === 'sign_in_required'
        ? 'This cart belongs to an account: sign in on this device to open it.'
        : `This code cannot be used: ${e.message}`;
    }
  };
  $('handoff-form').addEventListener('submit', (ev) => { ev.preventDefault(); open($('handoff-code').value); });
  const code = params.get('code');
  if (code) {
    $('handoff-code').value = code;
    await open(code);
  }
}

// The store counter: a clerk pulls up a customer's cart by its code and completes it in store.
// Staff tooling, written against the reference API directly.
async function counterPage() {
  let claimed = null;
  const money = (m) => new Intl.NumberFormat('en', { style: 'currency', currency: m.currency }).format(m.amount / 100);
  $('counter-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    $('counter-status').textContent = '';
    $('counter-order').textContent = '';
    $('counter-receipt').replaceChildren();
    const code = $('counter-code').value.replace(/[^0-9a-z]/gi, '');
    const r = await fetch(`/v1/handoff/${encodeURIComponent(code)}/claim`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ channel: 'store' }) });
    const body = await r.json();
    if (!r.ok) {
      $('counter-cart').hidden = true;
      $('counter-status').textContent = `No cart for this code: ${body.error.message}.`;
      return;
    }
    claimed = body;
    $('counter-lines').replaceChildren(...body.cart.lines.map((l) => el('li', {
      textContent: `${l.quantity} × ${l.title}${l.variant_title ? ` (${l.variant_title})` : ''} — ${money(l.line_total)}`,
    })));
    $('counter-total').textContent = `Total: ${money(body.cart.total)}`;
    $('counter-cart').hidden = false;
  });
  $('counter-complete').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!claimed) return;
    const email = new FormData(ev.target).get('email') || 'counter@store.example';
    const r = await fetch('/v1/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Handoff ${claimed.grant}` },
      body: JSON.stringify({ cart_id: claimed.cart_id, email, name: 'In store', channel: 'store' }),
    });
    const body = await r.json();
    $('counter-order').textContent = r.ok ? `In-store order #${body.number} completed. Total: ${money(body.total)}.` : `Could not complete it: ${body.error.message}`;
    // The receipt's link: the customer's order status page, where their offer waits.
    const status = r.ok && new URL(statusUrl(body.id, body.key), location.href);
    $('counter-receipt').replaceChildren(...(status ? [el('a', { id: 'counter-status-link', href: status.href, textContent: 'Order status page for the receipt' })] : []));
    if (r.ok) { $('counter-cart').hidden = true; claimed = null; }
  });
}

const pages = { index: catalog, product, checkout: checkoutPage, 'thank-you': thankYou, account, handoff: handoffPage, counter: counterPage };
pages[document.body.dataset.page]?.();
