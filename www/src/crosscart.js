// Crosscart loader: the one file a page references.
//   <script type="module" src="/sdk/crosscart.js"></script>
// It defines every cc-* element at once and fetches the WebAssembly only
// when an element needs it (a below-the-fold one only when it comes near
// the viewport); each element kind beyond the cart brings its own chunk.
// One build per backend: the page's data-api (or <meta name="crosscart:api">,
// or configure({api})) picks it. npm users import the same functions from here.
//
// `cargo xtask build` writes dist/crosscart.js from this file: it inlines
// define.js and fills in the element list and the content-hashed file names.
import { defineElements as define, rememberView } from './define.js';

// [[tag, [observed attributes], rootMargin or null], ...] (from crates/web/src/elements/spec.rs)
const SPECS = /*@SPECS@*/[];
// backend → [glue, wasm], relative to this file.
const BUILDS = /*@BUILDS@*/{};

const here = import.meta.url;
const browser = typeof document !== 'undefined' && typeof customElements !== 'undefined';
const meta = (name) => (browser && document.querySelector(`meta[name="crosscart:${name}"]`)?.content.trim()) || undefined;
// <script type="module" src=".../crosscart.js" data-api="medusa" data-api-url="…"
//   data-publishable-key="…" data-region-id="…" data-stores-url="…">: the backend.
const tag = browser ? document.querySelector('script[type=module][data-api]') : null;
const fromTag = tag ? Object.fromEntries(Object.entries({
  api: tag.dataset.api, apiUrl: tag.dataset.apiUrl, publishableKey: tag.dataset.publishableKey,
  regionId: tag.dataset.regionId, storesUrl: tag.dataset.storesUrl, analytics: tag.dataset.analytics,
}).filter(([, v]) => v !== undefined)) : null;

// GA4 ecommerce events on the page's dataLayer (for Google Tag Manager or
// gtag.js), when the page asks: data-analytics="ga4" (or "datalayer") on the
// script tag, <meta name="crosscart:analytics" content="ga4"> or
// configure({analytics: 'ga4'}). add_to_cart / remove_from_cart for every
// change (cc-cart-change: the units added or taken out, from any element or
// the headless API), view_cart when the drawer opens or an inline cart is on
// the page, begin_checkout on the cart's checkout link, purchase when
// checkout() places an order, select_promotion when a bundle or a
// post-checkout offer is taken. Mapping: docs/analytics.md.
const analytics = () => [...pending].reverse().find((o) => o && o.analytics)?.analytics ?? fromTag?.analytics ?? meta('analytics');
const on = () => ['ga4', 'datalayer'].includes(analytics());
const major = (m) => m.amount / 10 ** (new Intl.NumberFormat('en', { style: 'currency', currency: m.currency }).resolvedOptions().maximumFractionDigits);
const item = (l, quantity) => ({ item_id: l.variant_id, item_name: l.title, ...(l.variant_title ? { item_variant: l.variant_title } : {}), price: major(l.unit_price), quantity });
const items = (c) => c.lines.map((l) => item(l, l.quantity));
let lastCart = null;
function ga4(event, currency, list, extra) {
  const value = Math.round(list.reduce((sum, i) => sum + i.price * i.quantity, 0) * 100) / 100;
  const layer = (window.dataLayer ??= []);
  layer.push({ ecommerce: null });
  layer.push({ event, ecommerce: { currency, value, ...extra, items: list } });
}
const viewCart = async () => {
  const cart = lastCart ?? (lastCart = await getCart().catch(() => null));
  if (cart?.lines.length) ga4('view_cart', cart.currency, items(cart));
};
const purchase = (o) => on() && ga4('purchase', o.currency, o.lines.map((l) => item(l, l.quantity)), {
  transaction_id: o.id, value: major(o.total), ...(o.shipping ? { shipping: major(o.shipping) } : {}),
});
if (browser) {
  document.addEventListener('cc-cart-change', (e) => {
    const d = e.detail;
    lastCart = d.cart;
    if (!on()) return;
    const after = d.cart.lines.find((l) => l.id === d.line_id) ?? d.cart.lines.find((l) => l.variant_id === d.variant_id);
    const units = d.before ? d.quantity - d.before.quantity : d.quantity;
    const line = after ?? d.before;
    if (line && units) ga4(units > 0 ? 'add_to_cart' : 'remove_from_cart', d.cart.currency, [item(line, Math.abs(units))]);
  });
  document.addEventListener('cc-cart-sync', (e) => { lastCart = e.detail.cart ?? lastCart; });
  // After the event has gone round, so a shop's listener that cancels the opening is heard first.
  document.addEventListener('cc-cart-open', (e) => setTimeout(() => on() && !e.defaultPrevented && viewCart()));
  // A cart page: the inline cart is viewed once it loads.
  const inline = () => on() && document.querySelector('cc-cart:not([drawer])') && viewCart();
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', inline, { once: true }); else setTimeout(inline);
  document.addEventListener('click', (e) => {
    const link = e.composedPath().find((n) => n.getAttribute?.('part') === 'checkout');
    if (on() && link && lastCart?.lines.length) ga4('begin_checkout', lastCart.currency, items(lastCart), lastCart.codes?.length ? { coupon: lastCart.codes.join(',') } : {});
  }, true);
  const promotion = (id, name) => (e) => {
    const d = e.detail;
    const picked = d.cart?.lines.filter((l) => d.items.some((i) => i.variant_id === l.variant_id)) ?? [];
    if (on() && picked.length) ga4('select_promotion', d.cart.currency, picked.map((l) => item(l, l.quantity)), { promotion_id: id(d), promotion_name: name });
  };
  document.addEventListener('cc-bundle-add', promotion(() => 'bought-together', 'Bought together'));
  document.addEventListener('cc-offer-accept', promotion((d) => `offer-${d.experiment}-${d.variant}`, 'Post-checkout offer'));
}

const pending = [];
let sdk;
let loading;

function failure(code, message) {
  const e = new Error(message);
  e.code = code;
  return e;
}

/** The SDK for the configured backend, loaded once (a failed load is retried on the next call). */
function load() {
  if (!browser) return Promise.reject(failure('not_in_browser', 'crosscart runs in a browser; on the server, render the elements as HTML and let the browser upgrade them'));
  loading ??= Promise.resolve().then(async () => {
    // A tick first, so configure() called right after import still picks the backend.
    const api = [...pending].reverse().find((o) => o && o.api)?.api ?? fromTag?.api ?? meta('api') ?? 'crosscart';
    const build = BUILDS[api];
    if (!build) throw failure('invalid_request', `crosscart has no backend called ${JSON.stringify(api)}`);
    const glue = await import(new URL(build[0], here).href);
    await glue.default({ module_or_path: new URL(build[1], here) });
    glue.configure({ gazetteerUrl: new URL('gazetteer.tsv', here).href });
    if (fromTag) glue.configure(fromTag);
    for (const options of pending) glue.configure(options);
    glue.ready();
    sdk = glue;
    return glue;
  }).catch((e) => {
    loading = undefined;
    throw e;
  });
  return loading;
}

if (browser) define(SPECS, load);

/** Resolves when the SDK is loaded (it loads when an element or a call needs it). */
export const ready = () => load().then(() => undefined);

/** Sets {apiBase, locale, currency, api, apiUrl, publishableKey, regionId, storesUrl, analytics ('ga4' or 'datalayer')}. Calls made right after import apply before anything loads. */
export function configure(options) {
  pending.push(options);
  if (sdk) sdk.configure(options);
  return Promise.resolve();
}

/** The elements are defined on import; kept for pages that call it. */
export const defineElements = () => Promise.resolve();

const call = (name) => (...args) => load().then((w) => w.invoke(name, args));
export const getCart = call('getCart');
export const addToCart = call('addToCart');
export const setQuantity = call('setQuantity');
export const applyCode = call('applyCode');
export const removeCode = call('removeCode');
export const setNote = call('setNote');
export const checkout = (...args) => call('checkout')(...args).then((order) => { purchase(order); return order; });
export const getOrder = call('getOrder');
export const getProduct = call('getProduct');
export const listProducts = call('listProducts');
export const loadModel = call('loadModel');
export const loadStores = call('loadStores');
export const storeFinder = call('storeFinder');
export const signUp = call('signUp');
export const signIn = call('signIn');
export const signOut = call('signOut');
export const currentCustomer = call('currentCustomer');
export const createHandoff = call('createHandoff');
export const claimHandoff = call('claimHandoff');
export const getOffer = call('getOffer');
export const acceptOffer = call('acceptOffer');
export const offerEvent = call('offerEvent');
export const formatMoney = async (money) => (await load()).formatMoney(money);
export const forgetCart = async () => (await load()).forgetCart();
export const recordView = async (productId) => {
  rememberView(productId);
  (await load()).recordView(productId);
};
