//! The headless JavaScript API (re-exported by `www/src/crosscart.js`).
//! Results are plain objects in the reference protocol's shapes; failures
//! reject with an `Error` carrying a stable `code`.

use crate::{config, elements, js, store, transport::execute};
use crosscart_core::protocol::ProtocolError;
use crosscart_core::Fulfillment;
use wasm_bindgen::prelude::*;

fn reject(e: ProtocolError) -> JsValue {
    js::js_error(e.code(), &e.to_string())
}

fn get_str(obj: &JsValue, key: &str) -> Option<String> {
    js_sys::Reflect::get(obj, &key.into()).ok()?.as_string()
}

/// Sets the page configuration: `{apiBase, locale, currency}`; missing keys
/// keep what the page's meta tags said.
#[wasm_bindgen]
pub fn configure(options: JsValue) -> Result<(), JsValue> {
    let mut c = config::from_document();
    let previous = config::get();
    if !previous.locale_tag.is_empty() {
        c = previous;
    }
    if options.is_object() {
        if let Some(base) = get_str(&options, "apiBase") {
            c.api_base = base;
        }
        if let Some(tag) = get_str(&options, "locale") {
            c.locale = crosscart_core::i18n::Locale::negotiate(&tag);
            c.locale_tag = tag;
        }
        if let Some(url) = get_str(&options, "gazetteerUrl") {
            c.gazetteer_url = url;
        }
        if let Some(api) = get_str(&options, "api") {
            c.api = api;
        }
        if let Some(base) = get_str(&options, "apiUrl") {
            c.api_base = base;
        }
        if let Some(key) = get_str(&options, "publishableKey") {
            c.publishable_key = key;
        }
        if let Some(region) = get_str(&options, "regionId") {
            c.region_id = region;
        }
        if let Some(url) = get_str(&options, "storesUrl") {
            c.stores_url = url;
        }
        if let Some(cur) = get_str(&options, "currency") {
            c.currency = Some(crosscart_core::Currency::new(&cur).map_err(|e| js::js_error("invalid_currency", &e.to_string()))?);
        }
    }
    config::set(c);
    Ok(())
}

/// Defines `<cc-add-to-cart>`, `<cc-cart-count>` and `<cc-cart>`. Idempotent.
#[wasm_bindgen(js_name = defineElements)]
pub fn define_elements() {
    if config::get().locale_tag.is_empty() {
        config::set(config::from_document());
    }
    elements::define_all();
}

/// A handoff code for the current cart: `{code, expires_at, now, url, qr}`.
#[wasm_bindgen(js_name = createHandoff)]
pub async fn create_handoff() -> Result<JsValue, JsValue> {
    store::create_handoff().await.map(|h| js::to_js(&h)).map_err(reject)
}

/// Opens the cart behind a handoff code here; resolves with the cart.
#[wasm_bindgen(js_name = claimHandoff)]
pub async fn claim_handoff(code: String) -> Result<JsValue, JsValue> {
    store::claim_handoff(&code).await.map(|c| js::to_js(&c)).map_err(reject)
}

/// Signs a customer in: `{customer, cart_id}`. The guest cart merges into
/// theirs, and every element follows the customer's cart from then on.
#[wasm_bindgen(js_name = signIn)]
pub async fn sign_in(email: String, password: String) -> Result<JsValue, JsValue> {
    store::sign_in(&email, &password, None).await.map(|s| session_js(&s)).map_err(reject)
}

/// Creates a demo account and signs in; the guest cart becomes theirs.
#[wasm_bindgen(js_name = signUp)]
pub async fn sign_up(email: String, password: String, name: Option<String>) -> Result<JsValue, JsValue> {
    store::sign_in(&email, &password, Some(name.as_deref().unwrap_or(""))).await.map(|s| session_js(&s)).map_err(reject)
}

fn session_js(s: &crosscart_core::protocol::CustomerSession) -> JsValue {
    // The token stays inside the SDK (localStorage), not in the page's hands.
    js::to_js(&crosscart_core::protocol::CustomerMe { customer: s.customer.clone(), cart_id: s.cart_id.clone() })
}

/// Signs out on this device.
#[wasm_bindgen(js_name = signOut)]
pub async fn sign_out() -> Result<(), JsValue> {
    store::sign_out().await.map_err(reject)
}

/// The signed-in customer `{customer, cart_id}`, or null.
#[wasm_bindgen(js_name = currentCustomer)]
pub async fn current_customer() -> Result<JsValue, JsValue> {
    if config::session_token().is_none() {
        return Ok(JsValue::NULL);
    }
    match execute(config::adapter().me().map_err(reject)?).await {
        Ok(me) => Ok(js::to_js(&me)),
        Err(ProtocolError::Api { status: 401, .. }) => {
            config::set_session_token(None);
            Ok(JsValue::NULL)
        }
        Err(e) => Err(reject(e)),
    }
}

/// The current cart, or null if the customer has none yet.
#[wasm_bindgen(js_name = getCart)]
pub async fn get_cart() -> Result<JsValue, JsValue> {
    store::fetch_current().await.map(|c| js::to_js(&c)).map_err(reject)
}

/// Adds a variant to the cart (creating the cart if needed) and returns it.
#[wasm_bindgen(js_name = addToCart)]
pub async fn add_to_cart(variant_id: String, quantity: Option<u32>) -> Result<JsValue, JsValue> {
    let q = crosscart_core::cart::validate_quantity(i64::from(quantity.unwrap_or(1))).map_err(|e| js::js_error("invalid_quantity", &e.to_string()))?;
    store::add(&variant_id, q, Fulfillment::Delivery, None).await.map(|c| js::to_js(&c)).map_err(reject)
}

/// Sets a line's quantity (0 removes it) and returns the cart.
#[wasm_bindgen(js_name = setQuantity)]
pub async fn set_quantity(line_id: String, quantity: u32) -> Result<JsValue, JsValue> {
    store::set_quantity(&line_id, quantity).await.map(|c| js::to_js(&c)).map_err(reject)
}

/// Demo checkout: turns the cart into an order `{id, key, number, ...}` and starts afresh.
#[wasm_bindgen]
pub async fn checkout(email: String, name: Option<String>) -> Result<JsValue, JsValue> {
    store::checkout(&email, name.as_deref().unwrap_or("")).await.map(|o| js::to_js(&o)).map_err(reject)
}

/// Looks an order up by id and its secret key.
#[wasm_bindgen(js_name = getOrder)]
pub async fn get_order(order_id: String, key: String) -> Result<JsValue, JsValue> {
    let call = config::adapter().get_order(&order_id, &key).map_err(reject)?;
    execute(call).await.map(|o| js::to_js(&o)).map_err(reject)
}

/// A product by id or handle.
#[wasm_bindgen(js_name = getProduct)]
pub async fn get_product(id: String) -> Result<JsValue, JsValue> {
    let call = config::adapter().get_product(&id).map_err(reject)?;
    execute(call).await.map(|p| js::to_js(&p)).map_err(reject)
}

/// Products, optionally of one category.
#[wasm_bindgen(js_name = listProducts)]
pub async fn list_products(category: Option<String>) -> Result<JsValue, JsValue> {
    let q = crosscart_core::protocol::ProductQuery { category, ..Default::default() };
    let call = config::adapter().list_products(&q).map_err(reject)?;
    execute(call).await.map(|p| js::to_js(&p)).map_err(reject)
}

/// Money `{amount, currency}` formatted for the page's locale.
#[wasm_bindgen(js_name = formatMoney)]
pub fn format_money(money: JsValue) -> Result<String, JsValue> {
    let m: crosscart_core::Money = serde_json::from_str(&js::json_stringify(&money)).map_err(|e| js::js_error("invalid_money", &e.to_string()))?;
    Ok(config::format_money(&m))
}

/// Forgets this browser's cart (the server keeps it).
#[wasm_bindgen(js_name = forgetCart)]
pub fn forget_cart() {
    store::forget();
}

/// Number of connected Crosscart elements (diagnostics, leak tests).
#[wasm_bindgen(js_name = connectedElements)]
pub fn connected_elements() -> usize {
    elements::mounted_count()
}

/// A bought-together model file loaded into the page (see `loadModel`).
#[wasm_bindgen]
pub struct BoughtTogetherModel {
    inner: &'static crosscart_core::fbt::Model<'static>,
}

#[derive(serde::Serialize)]
struct Scored<'a> {
    item: &'a str,
    score: f32,
    count: u32,
}

#[wasm_bindgen]
impl BoughtTogetherModel {
    /// Complements of `items` (a product, or a whole cart) leaving out `exclude`,
    /// best first: `[{item, score, count}]`. Synchronous: no network.
    pub fn recommend(&self, items: Vec<String>, exclude: Vec<String>, limit: usize) -> JsValue {
        let seeds: Vec<&str> = items.iter().map(String::as_str).collect();
        let ex: Vec<&str> = exclude.iter().map(String::as_str).collect();
        let out: Vec<Scored<'_>> = self.inner.recommend(&seeds, &ex, limit).into_iter().map(|c| Scored { item: c.item, score: c.score, count: c.count }).collect();
        js::to_js(&out)
    }
    /// Number of items the model knows.
    #[wasm_bindgen(getter)]
    pub fn items(&self) -> usize {
        self.inner.items()
    }
    /// Number of orders it was mined from.
    #[wasm_bindgen(getter)]
    pub fn baskets(&self) -> u32 {
        self.inner.baskets()
    }
}

/// Fetches and checks a model file made by `crosscart mine` (once per URL per page).
#[wasm_bindgen(js_name = loadModel)]
pub async fn load_model(url: String) -> Result<BoughtTogetherModel, JsValue> {
    let inner = crate::elements::bought_together::model(&url).await.map_err(reject)?;
    Ok(BoughtTogetherModel { inner })
}

/// Nearest-store search over a store list (see `storeFinder` / `loadStores`):
/// the same k-d tree `<cc-store-stock>` uses, for headless storefronts.
#[wasm_bindgen]
pub struct StoreFinder {
    stores: Vec<crosscart_core::Store>,
    index: crosscart_core::store::GeoIndex,
}

#[derive(serde::Serialize)]
struct NearStore<'a> {
    id: &'a str,
    name: &'a str,
    distance_m: f64,
}

impl StoreFinder {
    fn from_stores(stores: Vec<crosscart_core::Store>) -> StoreFinder {
        let index = crosscart_core::store::GeoIndex::new(&stores.iter().map(|s| s.location).collect::<Vec<_>>());
        StoreFinder { stores, index }
    }
}

#[wasm_bindgen]
impl StoreFinder {
    /// From an array of stores in the reference protocol's shape.
    #[wasm_bindgen(constructor)]
    pub fn new(stores: JsValue) -> Result<StoreFinder, JsValue> {
        let stores: Vec<crosscart_core::Store> = serde_json::from_str(&js::json_stringify(&stores)).map_err(|e| js::js_error("invalid_stores", &e.to_string()))?;
        Ok(StoreFinder::from_stores(stores))
    }
    /// The `k` stores nearest to `(lat, lon)`: `[{id, name, distance_m}]`,
    /// nearest first. Rejects coordinates off the globe.
    pub fn nearest(&self, lat: f64, lon: f64, k: usize) -> Result<JsValue, JsValue> {
        let at = crosscart_core::store::GeoPoint::new(lat, lon).map_err(|e| js::js_error("invalid_location", &e.to_string()))?;
        let out: Vec<NearStore<'_>> = self.index.nearest(&at, k, |_| true).into_iter().map(|(i, d)| NearStore { id: &self.stores[i].id, name: &self.stores[i].name, distance_m: d }).collect();
        Ok(js::to_js(&out))
    }
    /// Number of stores with valid coordinates.
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> usize {
        self.index.len()
    }
}

/// The configured API's stores, ready for nearest-store search.
#[wasm_bindgen(js_name = loadStores)]
pub async fn load_stores() -> Result<StoreFinder, JsValue> {
    let dir = crate::stores::directory().await.map_err(reject)?;
    Ok(StoreFinder::from_stores(dir.stores.clone()))
}

/// An order's post-checkout offer (see `<cc-post-checkout>`): `{status,
/// variant, percent_off, expires_at, server_time, items, loyalty, ...}`.
/// `key` may be omitted for the order's signed-in customer.
#[wasm_bindgen(js_name = getOffer)]
pub async fn get_offer(order_id: String, key: Option<String>) -> Result<JsValue, JsValue> {
    let call = config::adapter().order_offer(&order_id, key.as_deref(), &elements::post_checkout::viewed_products()).map_err(reject)?;
    execute(call).await.map(|o| js::to_js(&o)).map_err(reject)
}

/// Accepts an offer: the chosen variants (all when omitted) go into a new
/// cart at the offer price, which becomes this device's cart; resolves with it.
#[wasm_bindgen(js_name = acceptOffer)]
pub async fn accept_offer(order_id: String, key: Option<String>, variant_ids: Option<Vec<String>>) -> Result<JsValue, JsValue> {
    let call = config::adapter().accept_offer(&order_id, key.as_deref(), &variant_ids.unwrap_or_default()).map_err(reject)?;
    let cart = execute(call).await.map_err(reject)?;
    store::switch_to(&cart.id).await.map(|c| js::to_js(&c)).map_err(reject)
}

/// Records `impression` (shown; also for the holdout group) or `dismiss`.
#[wasm_bindgen(js_name = offerEvent)]
pub async fn offer_event(order_id: String, key: Option<String>, kind: String) -> Result<(), JsValue> {
    let event = match kind.as_str() {
        "impression" => crosscart_core::offer::OfferEvent::Impression,
        "dismiss" => crosscart_core::offer::OfferEvent::Dismiss,
        other => return Err(js::js_error("invalid_request", &format!("unknown offer event {other:?}; use impression or dismiss"))),
    };
    let call = config::adapter().offer_event(&order_id, key.as_deref(), event).map_err(reject)?;
    execute(call).await.map_err(reject)
}

/// Remembers a product view for later offers (what `<cc-viewed>` does).
#[wasm_bindgen(js_name = recordView)]
pub fn record_view(product_id: String) {
    elements::post_checkout::record_view(&product_id);
}
