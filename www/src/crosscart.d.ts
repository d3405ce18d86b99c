// Types of the Crosscart headless API and of the cc-* event details.

export interface Money { amount: number; currency: string }
export interface Image { url: string; alt: string }
export type Fulfillment = { type: 'delivery' } | { type: 'pickup'; store_id: string };
export interface Variant { id: string; product_id: string; title: string; sku: string; options: { name: string; value: string }[]; price: Money; image: Image | null }
export interface Product { id: string; handle: string; title: string; description: string; category: string; images: Image[]; variants: Variant[] }
export interface CartLine { id: string; variant_id: string; product_id: string; title: string; variant_title: string; image: Image | null; quantity: number; unit_price: Money; line_total: Money; fulfillment: Fulfillment; bundle?: string; discount?: Money; /** Pickup: the store holds the stock until then (ms); past = lapsed */ reserved_until?: number; /** Pickup by warehouse transfer */ transfer?: true; /** Percent off from an accepted post-checkout offer */ offer_percent?: number }
export interface Discount { kind: 'bundle' | 'offer' | 'code' | 'promotion'; /** The code or the promotion's name; empty for bundle and offer */ label: string; amount: Money }
/** One money model for every backend: subtotal − discount + shipping + fees (+ tax unless tax_included) = total, exactly. */
export interface Cart { id: string; version: number; currency: string; lines: CartLine[]; subtotal: Money; discount?: Money; discounts?: Discount[]; shipping?: Money; fees?: Money; tax?: Money; /** Prices and figures include tax; `tax` is the part of the total that is tax */ tax_included?: true; total: Money; /** Discount codes entered, upper case; one without a `discounts` row takes nothing off now */ codes?: string[]; /** The shop's delivery rate, free from `free_over` of merchandise (subtotal less discounts), when its API exposes one */ shipping_rule?: { rate: Money; free_over: Money }; /** The customer's note to the shop */ note?: string; updated_at: number }
export interface OrderLine { variant_id: string; product_id: string; title: string; variant_title: string; quantity: number; unit_price: Money; line_total: Money; fulfillment: Fulfillment; discount?: Money }
export interface Order { id: string; number: number; channel: 'web' | 'app' | 'store'; currency: string; lines: OrderLine[]; subtotal: Money; discount?: Money; total: Money; created_at: number; key?: string }
/** Rejections carry a stable code: not_found, network, invalid_quantity, version_conflict, ... */
export interface CrosscartError extends Error { code: string }

export interface Config {
  apiBase?: string; locale?: string; currency?: string;
  /** Where the postal-code/city gazetteer is; the loader points it beside itself. */ gazetteerUrl?: string;
  /** The backend (default `crosscart`); also `data-api` on the script tag. */ api?: 'crosscart' | 'medusa' | 'shopify' | 'woocommerce' | 'vendure';
  /** The backend's base URL (same as apiBase; `data-api-url`). */ apiUrl?: string;
  /** Medusa's publishable key, Shopify's Storefront access token or Vendure's channel token (`data-publishable-key`). */ publishableKey?: string;
  /** Medusa's region (`data-region-id`). */ regionId?: string;
  /** The shop's store directory for a backend without one: `{"stores": [...]}` (`data-stores-url`). */ storesUrl?: string;
  /** `ga4` (or `datalayer`): GA4's ecommerce events on `window.dataLayer` (`data-analytics`, `<meta name="crosscart:analytics">`); see docs/analytics.md. */ analytics?: 'ga4' | 'datalayer';
}
/** Loads the SDK for the configured backend now (it otherwise loads when an element or a call needs it). */
export function ready(): Promise<void>;
export function configure(options: Config): Promise<void>;
export function defineElements(): Promise<void>;
export function getCart(): Promise<Cart | null>;
export function addToCart(variantId: string, quantity?: number): Promise<Cart>;
export function setQuantity(lineId: string, quantity: number): Promise<Cart>;
/** Apply a discount code; a refusal rejects with `code` `code_unknown`, `code_expired`, `code_minimum`, `code_used_up`, `code_used_by_you`, `code_not_combinable`, `code_too_many`, `code_not_started` or `code_not_applicable`. */
export function applyCode(code: string): Promise<Cart>;
/** Take a discount code out of the cart. */
export function removeCode(code: string): Promise<Cart>;
/** Set the customer's note to the shop (empty clears it); a note that is not plain text or longer than 500 characters rejects with `code` `invalid_note`. */
export function setNote(note: string): Promise<Cart>;
export function checkout(email: string, name?: string): Promise<Order>;
export function getOrder(orderId: string, key: string): Promise<Order>;
export function getProduct(idOrHandle: string): Promise<Product>;
export function listProducts(category?: string): Promise<Product[]>;
export function formatMoney(money: Money): Promise<string>;
export function forgetCart(): Promise<void>;
/** A model file made by `crosscart mine`, scored in the page with no network. */
export interface BoughtTogetherModel {
  readonly items: number;
  readonly baskets: number;
  recommend(items: string[], exclude: string[], limit: number): { item: string; score: number; count: number }[];
}
export function loadModel(url: string): Promise<BoughtTogetherModel>;
export interface Interval { open: number; close: number }
export interface Store { id: string; name: string; address: string; city: string; postal_code: string; country: string; location: { lat: number; lon: number }; hours: { timezone: string; weekly: Interval[][]; exceptions: { date: string; intervals: Interval[] }[] }; phone: string; pickup_lead_hours: number; transfer_hours?: number }
/** Nearest-store search in the page (k-d tree); `nearest` rejects coordinates off the globe with code invalid_location. */
export interface StoreFinder {
  readonly size: number;
  nearest(lat: number, lon: number, k: number): { id: string; name: string; distance_m: number }[];
}
export function loadStores(): Promise<StoreFinder>;
/** A short single-use code (10 minutes) and QR code that open the cart on another device or at a store counter. */
export interface HandoffCode { code: string; expires_at: number; now: number; url: string; qr: string }
export function createHandoff(): Promise<HandoffCode>;
/** Errors: not_found, handoff_used, handoff_expired, sign_in_required (a customer's cart: sign in instead). */
export function claimHandoff(code: string): Promise<Cart>;
export interface Customer { id: string; email: string; name: string }
/** Demo accounts (reference API): the guest cart merges into the customer's cart, which follows them to every device. Errors: invalid_credentials, email_taken, weak_password, invalid_email. */
export function signUp(email: string, password: string, name?: string): Promise<{ customer: Customer; cart_id: string | null }>;
export function signIn(email: string, password: string): Promise<{ customer: Customer; cart_id: string | null }>;
export function signOut(): Promise<void>;
export function currentCustomer(): Promise<{ customer: Customer; cart_id: string | null } | null>;
export function storeFinder(stores: Store[]): Promise<StoreFinder>;

export interface OfferItem { product_id: string; variant_id: string; title: string; variant_title: string; image: Image | null; price: Money; /** The price while the offer lasts */ offer_price: Money; available: boolean; reason: 'both' | 'complement' | 'viewed' }
export interface Offer {
  order_id: string; order_number: number;
  /** `holdout`: the control group, shown nothing. `none`: capped, too late or nothing to offer (see `reason`). */
  status: 'open' | 'accepted' | 'dismissed' | 'expired' | 'holdout' | 'none';
  reason?: 'capped' | 'too_late' | 'nothing_to_offer';
  experiment: string; /** The experiment arm, or `holdout` */ variant: string; percent_off: number;
  /** Ends at this server time (ms); count down from `server_time`, not from the device clock. */ expires_at: number; server_time: number;
  items: OfferItem[]; loyalty: { earned: number; balance: number | null }; cart_id?: string;
}
/** The order's offer, decided on the first request from any channel. Omit `key` for the order's signed-in customer. */
export function getOffer(orderId: string, key?: string): Promise<Offer>;
/** The chosen variants (all when omitted) go into a new cart at the offer price, which becomes this device's cart. Errors: offer_expired, insufficient_stock, offer_dismissed, offer_used, not_offered, no_offer. */
export function acceptOffer(orderId: string, key?: string, variantIds?: string[]): Promise<Cart>;
/** Record that the offer was shown (the holdout group too: it is the experiment's control) or dismissed. */
export function offerEvent(orderId: string, key: string | undefined, kind: 'impression' | 'dismiss'): Promise<void>;
/** Remember a product view for later offers (what `<cc-viewed>` does). */
export function recordView(productId: string): Promise<void>;

/** `before`: for update and remove, the line as the shopper saw it before (its quantity then). */
export interface CartChangeDetail { action: 'add' | 'update' | 'remove'; variant_id: string; line_id: string | null; quantity: number; before: CartLine | null; cart: Cart }
/** `<cc-cart drawer>` is about to open (cancelable): something was added, or an opener was clicked. */
export interface CartOpenDetail { trigger: 'add' | 'click' }
export interface CodeChangeDetail { action: 'apply' | 'remove'; code: string; cart: Cart }
export interface NoteChangeDetail { note: string; cart: Cart }
export interface AddToCartRequestDetail { variant_id: string; quantity: number; fulfillment: Fulfillment }
export interface ErrorDetail { action: string; code: string; message: string }
/** On `document`: a change that arrived from another tab (`tab`) or from the server / another device (`server`). */
export interface CartSyncDetail { source: 'tab' | 'server'; cart: Cart | null }
export interface BundleAddDetail { anchor: string | null; items: { product_id: string; variant_id: string }[]; cart: Cart }
/** `shown` is false for the holdout group (counted, never shown); `cart` only on accept. */
export interface OfferEventDetail { order: string; experiment: string; variant: string; shown: boolean; items: { product_id: string; variant_id: string }[]; cart?: Cart }

declare global {
  interface HTMLElementEventMap {
    'cc-cart-change': CustomEvent<CartChangeDetail>;
    'cc-add-to-cart-request': CustomEvent<AddToCartRequestDetail>;
    'cc-cart-open': CustomEvent<CartOpenDetail>;
    'cc-code-change': CustomEvent<CodeChangeDetail>;
    'cc-note-change': CustomEvent<NoteChangeDetail>;
    'cc-error': CustomEvent<ErrorDetail>;
    'cc-bundle-add': CustomEvent<BundleAddDetail>;
    'cc-offer-impression': CustomEvent<OfferEventDetail>;
    'cc-offer-accept': CustomEvent<OfferEventDetail>;
    'cc-offer-dismiss': CustomEvent<OfferEventDetail>;
  }
  interface DocumentEventMap {
    'cc-cart-sync': CustomEvent<CartSyncDetail>;
  }
}
