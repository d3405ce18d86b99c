// Crosscart loader: the one file a page loads.
//   <script type="module" src="/sdk/crosscart.js"></script>
// It instantiates the WebAssembly module, applies the configuration (the
// page's <meta name="crosscart:*"> tags, then any configure() calls made
// before the module was ready) and defines the cc-* elements. npm users
// import the same functions from here.
import init, * as wasm from './crosscart_web.js';

const pending = [];
// <script type="module" src=".../crosscart.js" data-api="medusa" data-api-url="…"
//   data-publishable-key="…" data-region-id="…" data-stores-url="…">: the backend.
const tag = typeof document === 'undefined' ? null : document.querySelector('script[type=module][data-api]');
const fromTag = tag ? Object.fromEntries(Object.entries({
  api: tag.dataset.api, apiUrl: tag.dataset.apiUrl, publishableKey: tag.dataset.publishableKey,
  regionId: tag.dataset.regionId, storesUrl: tag.dataset.storesUrl,
}).filter(([, v]) => v !== undefined)) : null;
export const ready = init({ module_or_path: new URL('./crosscart_web_bg.wasm', import.meta.url) }).then(() => {
  wasm.configure({ gazetteerUrl: new URL('./gazetteer.tsv', import.meta.url).href });
  if (fromTag) wasm.configure(fromTag);
  for (const options of pending.splice(0)) wasm.configure(options);
  wasm.defineElements();
  return wasm;
});

/** Sets {apiBase, locale, currency}. Calls made right after import apply before any element loads. */
export function configure(options) {
  pending.push(options);
  return ready.then((w) => w.configure(options));
}
export const defineElements = async () => (await ready).defineElements();
export const getCart = async () => (await ready).getCart();
export const addToCart = async (variantId, quantity = 1) => (await ready).addToCart(variantId, quantity);
export const setQuantity = async (lineId, quantity) => (await ready).setQuantity(lineId, quantity);
export const checkout = async (email, name) => (await ready).checkout(email, name);
export const getOrder = async (orderId, key) => (await ready).getOrder(orderId, key);
export const getProduct = async (id) => (await ready).getProduct(id);
export const listProducts = async (category) => (await ready).listProducts(category);
export const formatMoney = async (money) => (await ready).formatMoney(money);
export const forgetCart = async () => (await ready).forgetCart();
export const loadModel = async (url) => (await ready).loadModel(url);
export const loadStores = async () => (await ready).loadStores();
export const storeFinder = async (stores) => new (await ready).StoreFinder(stores);
export const signUp = async (email, password, name) => (await ready).signUp(email, password, name);
export const signIn = async (email, password) => (await ready).signIn(email, password);
export const signOut = async () => (await ready).signOut();
export const currentCustomer = async () => (await ready).currentCustomer();
export const createHandoff = async () => (await ready).createHandoff();
export const claimHandoff = async (code) => (await ready).claimHandoff(code);
export const getOffer = async (orderId, key) => (await ready).getOffer(orderId, key);
export const acceptOffer = async (orderId, key, variantIds) => (await ready).acceptOffer(orderId, key, variantIds);
export const offerEvent = async (orderId, key, kind) => (await ready).offerEvent(orderId, key, kind);
export const recordView = async (productId) => (await ready).recordView(productId);
