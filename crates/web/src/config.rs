//! Page-level configuration (API, locale, currency, backend) and the adapter
//! for the configured backend.
//!
//! Read from `<meta name="crosscart:api-base|locale|currency|…" content="…">`
//! and the loader's script-tag attributes, overridable with
//! `configure({...})`. The locale falls back to `<html lang>`, then English.
//!
//! Each build talks to one backend (see [`Adapter`]); the loader picks the
//! build the page's `data-api` (or `crosscart:api`) names.

use crosscart_core::i18n::Locale;
use crosscart_core::money::Money;
use std::cell::RefCell;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// Base URL of the commerce API; empty means the page's own origin.
    pub api_base: String,
    /// BCP 47 tag handed to `Intl` (e.g. `uk-UA`).
    pub locale_tag: String,
    pub locale: Locale,
    /// Preferred currency for new carts; None lets the backend choose.
    pub currency: Option<crosscart_core::Currency>,
    /// Where the gazetteer (postal code / city → place) is; the loader sets
    /// it beside itself.
    pub gazetteer_url: String,
    /// Which backend: `crosscart` (the reference protocol, default), `medusa`,
    /// `shopify`, `woocommerce` or `vendure`.
    pub api: String,
    /// Medusa's publishable API key, Shopify's Storefront access token or
    /// Vendure's channel token; Medusa's region whose prices to show.
    pub publishable_key: String,
    pub region_id: String,
    /// A backend without a store directory: the shop's stores file (`{"stores": [...]}`).
    pub stores_url: String,
}

thread_local! {
    static CONFIG: RefCell<Config> = RefCell::new(Config::default());
}

pub fn get() -> Config {
    CONFIG.with(|c| c.borrow().clone())
}

pub fn set(config: Config) {
    CONFIG.with(|c| *c.borrow_mut() = config);
}

fn meta(doc: &web_sys::Document, name: &str) -> Option<String> {
    let el = doc.query_selector(&format!("meta[name=\"crosscart:{name}\"]")).ok()??;
    el.get_attribute("content").map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// Reads the page's meta tags and `<html lang>`.
pub fn from_document() -> Config {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return Config::default() };
    let tag = meta(&doc, "locale")
        .or_else(|| doc.document_element().and_then(|e| e.get_attribute("lang")).filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "en".into());
    Config {
        api_base: meta(&doc, "api-base").unwrap_or_default(),
        locale: Locale::negotiate(&tag),
        locale_tag: tag,
        currency: meta(&doc, "currency").and_then(|c| crosscart_core::Currency::new(&c).ok()),
        gazetteer_url: meta(&doc, "gazetteer").unwrap_or_default(),
        api: meta(&doc, "api").unwrap_or_default(),
        publishable_key: meta(&doc, "publishable-key").unwrap_or_default(),
        region_id: meta(&doc, "region").unwrap_or_default(),
        stores_url: meta(&doc, "stores").unwrap_or_default(),
    }
}

/// The backend this build talks to: one build per backend (feature
/// `backend-medusa`, …; none is the reference protocol), so a page talking to
/// Medusa never downloads another backend's code, and only the adapter
/// methods a module calls are in it (static dispatch, no vtable).
#[cfg(not(any(feature = "backend-medusa", feature = "backend-shopify", feature = "backend-woocommerce", feature = "backend-vendure")))]
pub type Adapter = crosscart_core::protocol::reference::ReferenceAdapter;
#[cfg(feature = "backend-medusa")]
pub type Adapter = crosscart_core::protocol::medusa::MedusaAdapter;
#[cfg(feature = "backend-shopify")]
pub type Adapter = crosscart_core::protocol::shopify::ShopifyAdapter;
#[cfg(feature = "backend-woocommerce")]
pub type Adapter = crosscart_core::protocol::woocommerce::WooCommerceAdapter;
#[cfg(feature = "backend-vendure")]
pub type Adapter = crosscart_core::protocol::vendure::VendureAdapter;

/// The backend this build was made for (`crosscart`, `medusa`, …).
pub const BACKEND: &str = if cfg!(feature = "backend-medusa") {
    "medusa"
} else if cfg!(feature = "backend-shopify") {
    "shopify"
} else if cfg!(feature = "backend-woocommerce") {
    "woocommerce"
} else if cfg!(feature = "backend-vendure") {
    "vendure"
} else {
    "crosscart"
};

/// Calls an adapter method on the configured backend, acting for the
/// signed-in customer: `with_adapter!(get_cart(&id))`.
#[macro_export]
macro_rules! with_adapter {
    ($($call:tt)*) => {{
        #[allow(unused_imports)]
        use ::crosscart_core::protocol::CommerceAdapter as _;
        $crate::config::adapter().$($call)*
    }};
}

/// The adapter for the configured API, acting for the signed-in customer if any.
pub fn adapter() -> Adapter {
    adapter_for(session_token())
}

/// The adapter for the configured API, acting with `token` (None: as a guest).
pub fn adapter_for(token: Option<String>) -> Adapter {
    let c = get();
    #[cfg(not(any(feature = "backend-medusa", feature = "backend-shopify", feature = "backend-woocommerce", feature = "backend-vendure")))]
    let a = Adapter::new(&c.api_base).with_token(token);
    #[cfg(feature = "backend-medusa")]
    let a = Adapter::new(&c.api_base, &c.publishable_key, &c.region_id).with_stores_url(Some(c.stores_url.clone())).with_token(token);
    #[cfg(feature = "backend-shopify")]
    let a = Adapter::new(&c.api_base, &c.publishable_key).with_stores_url(Some(c.stores_url.clone())).with_token(token);
    // WooCommerce's customers sign in with WordPress cookies, not tokens.
    #[cfg(feature = "backend-woocommerce")]
    let a = {
        let _ = token;
        Adapter::new(&c.api_base)
    };
    #[cfg(feature = "backend-vendure")]
    let a = Adapter::new(&c.api_base, Some(c.publishable_key.clone())).with_token(token);
    a
}

/// This origin's `localStorage`, if the browser allows it.
pub fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// localStorage key of the signed-in customer's session token, per API.
fn session_key() -> String {
    format!("crosscart:session:{}", get().api_base)
}

pub fn session_token() -> Option<String> {
    local_storage()?.get_item(&session_key()).ok()?.filter(|t| !t.is_empty())
}

pub fn set_session_token(token: Option<&str>) {
    if let Some(s) = local_storage() {
        let _ = match token {
            Some(t) => s.set_item(&session_key(), t),
            None => s.remove_item(&session_key()),
        };
    }
}

pub fn format_money(m: &Money) -> String {
    crate::js::format_money_js(&m.to_decimal_string(), m.currency.as_str(), &get().locale_tag)
}

/// Resolves an origin-relative URL from the API (an image) against the API
/// base, so pictures load when the API lives on another origin.
pub fn resolve_api_url(url: &str) -> String {
    let base = get().api_base;
    let scheme = if base.starts_with("https://") { 8 } else if base.starts_with("http://") { 7 } else { 0 };
    if url.starts_with('/') && !url.starts_with("//") && scheme > 0 {
        // The origin: up to the first '/' after the scheme (bytes: no pattern search, no slicing panic).
        let end = base.bytes().skip(scheme).position(|b| b == b'/').map_or(base.len(), |j| scheme + j);
        format!("{}{}", base.get(..end).unwrap_or(&base), url)
    } else {
        url.to_owned()
    }
}

/// localStorage key under which this page remembers its cart id, per API.
pub fn cart_key() -> String {
    format!("crosscart:cart:{}", get().api_base)
}
