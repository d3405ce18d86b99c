//! Which adapter a page is configured for: one function from the page's
//! settings to a boxed [`CommerceAdapter`], so the edges hold a single value
//! whatever the backend (and no delegation list can fall out of step with the
//! trait).

use super::medusa::MedusaAdapter;
use super::reference::ReferenceAdapter;
use super::shopify::ShopifyAdapter;
use super::vendure::VendureAdapter;
use super::woocommerce::WooCommerceAdapter;
use super::CommerceAdapter;

/// A page's backend settings (script tag, meta tags or `configure`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Backend<'a> {
    /// `crosscart` (default), `medusa`, `shopify`, `woocommerce` or `vendure`.
    pub api: &'a str,
    /// The API's base URL; empty for the page's own origin.
    pub base_url: &'a str,
    /// Medusa's publishable key, Shopify's Storefront access token or Vendure's channel token.
    pub publishable_key: &'a str,
    /// Medusa's region.
    pub region_id: &'a str,
    /// The shop's stores file, for a backend without a store directory.
    pub stores_url: &'a str,
}

/// The adapter for `backend`, acting for the signed-in customer `token`.
/// An unknown `api` is the reference protocol.
pub fn adapter(backend: &Backend<'_>, token: Option<String>) -> Box<dyn CommerceAdapter> {
    match backend.api {
        "medusa" => medusa(backend, token),
        "shopify" => shopify(backend, token),
        "woocommerce" => woocommerce(backend, token),
        "vendure" => vendure(backend, token),
        _ => reference(backend, token),
    }
}

/// Each backend's constructor on its own, so a browser build can load just
/// the configured one.
pub fn reference(backend: &Backend<'_>, token: Option<String>) -> Box<dyn CommerceAdapter> {
    Box::new(ReferenceAdapter::new(backend.base_url).with_token(token))
}

pub fn medusa(backend: &Backend<'_>, token: Option<String>) -> Box<dyn CommerceAdapter> {
    Box::new(MedusaAdapter::new(backend.base_url, backend.publishable_key, backend.region_id).with_stores_url(Some(backend.stores_url.to_owned())).with_token(token))
}

pub fn shopify(backend: &Backend<'_>, token: Option<String>) -> Box<dyn CommerceAdapter> {
    Box::new(ShopifyAdapter::new(backend.base_url, backend.publishable_key).with_stores_url(Some(backend.stores_url.to_owned())).with_token(token))
}

/// WooCommerce's customers sign in with WordPress cookies, not tokens.
pub fn woocommerce(backend: &Backend<'_>, _token: Option<String>) -> Box<dyn CommerceAdapter> {
    Box::new(WooCommerceAdapter::new(backend.base_url))
}

pub fn vendure(backend: &Backend<'_>, token: Option<String>) -> Box<dyn CommerceAdapter> {
    Box::new(VendureAdapter::new(backend.base_url, Some(backend.publishable_key.to_owned())).with_token(token))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Capability, ProtocolError};

    /// Each configured backend answers as itself, with the customer's token.
    #[test]
    fn builds_the_configured_backend() {
        let build = |api| adapter(&Backend { api, base_url: "http://b", publishable_key: "pk", region_id: "reg", stores_url: "" }, Some("jwt".into()));
        let names: Vec<&str> = ["", "crosscart", "medusa", "shopify", "woocommerce", "vendure", "unknown"].into_iter().map(|a| build(a).name()).collect();
        assert_eq!(names, ["crosscart", "crosscart", "medusa", "shopify", "woocommerce", "vendure", "crosscart"]);
        assert!(build("crosscart").capabilities().live_sync && !build("medusa").capabilities().live_sync);
        // An empty stores file is none: no per-store stock.
        assert!(!build("medusa").capabilities().per_store_stock);
        let (req, _) = build("medusa").me().unwrap().into_parts();
        assert!(req.headers.contains(&("authorization".into(), "Bearer jwt".into())));
        let (req, _) = build("medusa").get_cart("c").unwrap().into_parts();
        assert!(req.headers.contains(&("x-publishable-api-key".into(), "pk".into())) && req.url.starts_with("http://b/store/carts/c"));
        // What a backend lacks stays unsupported.
        assert_eq!(build("woocommerce").list_stores().unwrap_err(), ProtocolError::Unsupported(Capability::PerStoreStock));
    }
}
