// Crosscart loader: the one file a page loads.
//   <script type="module" src="/sdk/crosscart.js"></script>
// It instantiates the WebAssembly module, reads <meta name="crosscart:*">
// configuration and defines the cc-* elements. npm users import the same
// functions (configure, defineElements, addToCart, ...) from here.
import init, * as wasm from './crosscart_web.js';

const ready = init({ module_or_path: new URL('./crosscart_web_bg.wasm', import.meta.url) }).then(() => {
  if (!globalThis.__crosscartManualDefine) wasm.defineElements();
  return wasm;
});

export { ready };
export const configure = async (options) => (await ready).configure(options);
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
