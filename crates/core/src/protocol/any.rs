//! One adapter type for whichever backend a page is configured for, so the
//! edges hold a single value and call the same methods.

use super::medusa::MedusaAdapter;
use super::reference::ReferenceAdapter;
use super::shopify::ShopifyAdapter;
use super::vendure::VendureAdapter;
use super::woocommerce::WooCommerceAdapter;
use super::*;

/// The configured backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnyAdapter {
    Reference(ReferenceAdapter),
    Medusa(MedusaAdapter),
    Shopify(ShopifyAdapter),
    WooCommerce(WooCommerceAdapter),
    Vendure(VendureAdapter),
}

impl AnyAdapter {
    /// The same backend, acting for a signed-in customer (or for nobody).
    pub fn with_token(self, token: Option<String>) -> AnyAdapter {
        match self {
            AnyAdapter::Reference(a) => AnyAdapter::Reference(a.with_token(token)),
            AnyAdapter::Medusa(a) => AnyAdapter::Medusa(a.with_token(token)),
            AnyAdapter::Shopify(a) => AnyAdapter::Shopify(a.with_token(token)),
            // WooCommerce's customers sign in with WordPress cookies, not tokens.
            AnyAdapter::WooCommerce(a) => AnyAdapter::WooCommerce(a),
            AnyAdapter::Vendure(a) => AnyAdapter::Vendure(a.with_token(token)),
        }
    }
}

macro_rules! delegate {
    ($( fn $name:ident(&self $(, $arg:ident : $ty:ty)*) -> $ret:ty; )*) => {
        impl CommerceAdapter for AnyAdapter {
            $( fn $name(&self $(, $arg: $ty)*) -> $ret {
                match self {
                    AnyAdapter::Reference(a) => a.$name($($arg),*),
                    AnyAdapter::Medusa(a) => a.$name($($arg),*),
                    AnyAdapter::Shopify(a) => a.$name($($arg),*),
                    AnyAdapter::WooCommerce(a) => a.$name($($arg),*),
                    AnyAdapter::Vendure(a) => a.$name($($arg),*),
                }
            } )*
        }
    };
}

delegate! {
    fn name(&self) -> &'static str;
    fn capabilities(&self) -> Capabilities;
    fn list_products(&self, query: &ProductQuery) -> Result<Call<Vec<Product>>, ProtocolError>;
    fn get_product(&self, id: &str) -> Result<Call<Product>, ProtocolError>;
    fn create_cart(&self, currency: Option<Currency>) -> Result<Call<Cart>, ProtocolError>;
    fn get_cart(&self, cart_id: &str) -> Result<Call<Cart>, ProtocolError>;
    fn add_line(&self, cart_id: &str, line: &NewLine) -> Result<Call<Cart>, ProtocolError>;
    fn update_line(&self, cart_id: &str, line_id: &str, quantity: u32, expected_version: Option<u64>) -> Result<Call<Cart>, ProtocolError>;
    fn remove_line(&self, cart_id: &str, line_id: &str, expected_version: Option<u64>) -> Result<Call<Cart>, ProtocolError>;
    fn checkout(&self, request: &CheckoutRequest) -> Result<Call<Order>, ProtocolError>;
    fn get_order(&self, order_id: &str, key: &str) -> Result<Call<Order>, ProtocolError>;
    fn list_stores(&self) -> Result<Call<Vec<Store>>, ProtocolError>;
    fn variant_stock(&self, variant_id: &str) -> Result<Call<VariantStock>, ProtocolError>;
    fn recommendations(&self, products: &[String], exclude: &[String], limit: u32) -> Result<Call<Recommendations>, ProtocolError>;
    fn sign_up(&self, email: &str, password: &str, name: &str, guest_cart: Option<&str>) -> Result<Call<CustomerSession>, ProtocolError>;
    fn sign_in(&self, email: &str, password: &str, guest_cart: Option<&str>) -> Result<Call<CustomerSession>, ProtocolError>;
    fn sign_out(&self) -> Result<Call<()>, ProtocolError>;
    fn me(&self) -> Result<Call<CustomerMe>, ProtocolError>;
    fn create_handoff(&self, cart_id: &str) -> Result<Call<HandoffCode>, ProtocolError>;
    fn claim_handoff(&self, code: &str, channel: &str) -> Result<Call<ClaimedCart>, ProtocolError>;
    fn push_ops(&self, cart_id: &str, ops: &[crate::sync::Op]) -> Result<Call<crate::sync::SyncAnswer>, ProtocolError>;
    fn ops_since(&self, cart_id: &str, cursor: u64) -> Result<Call<crate::sync::OpsPage>, ProtocolError>;
    fn events_url(&self, cart_id: &str, cursor: u64) -> Option<String>;
    fn recommendation_model(&self) -> Result<Call<Vec<u8>>, ProtocolError>;
    fn order_offer(&self, order_id: &str, key: Option<&str>, viewed: &[String]) -> Result<Call<crate::offer::Offer>, ProtocolError>;
    fn my_offer(&self) -> Result<Call<Option<crate::offer::Offer>>, ProtocolError>;
    fn offer_event(&self, order_id: &str, key: Option<&str>, event: crate::offer::OfferEvent) -> Result<Call<()>, ProtocolError>;
    fn accept_offer(&self, order_id: &str, key: Option<&str>, variant_ids: &[String]) -> Result<Call<Cart>, ProtocolError>;
    fn attach_cart(&self, cart_id: &str) -> Result<Call<Cart>, ProtocolError>;
    fn create_customer(&self, email: &str, name: &str) -> Result<Call<CustomerInfo>, ProtocolError>;
    fn record_viewed(&self, product_id: &str) -> Result<Call<()>, ProtocolError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each configured backend answers as itself: names and capabilities
    /// pass through the delegation untouched.
    #[test]
    fn delegates_to_the_configured_backend() {
        let all = [
            AnyAdapter::Reference(ReferenceAdapter::new("")),
            AnyAdapter::Medusa(MedusaAdapter::new("http://m", "pk", "reg")),
            AnyAdapter::Shopify(ShopifyAdapter::new("http://s/api/graphql.json", "tok")),
            AnyAdapter::WooCommerce(WooCommerceAdapter::new("http://w/wp-json/wc/store/v1")),
            AnyAdapter::Vendure(VendureAdapter::new("http://v/shop-api", None)),
        ];
        let names: Vec<&str> = all.iter().map(CommerceAdapter::name).collect();
        assert_eq!(names, ["crosscart", "medusa", "shopify", "woocommerce", "vendure"]);
        assert!(all[0].capabilities().live_sync && !all[1].capabilities().live_sync);
        let (req, _) = all[1].clone().with_token(Some("jwt".into())).me().unwrap().into_parts();
        assert!(req.headers.contains(&("authorization".into(), "Bearer jwt".into())));
        // What a backend lacks stays unsupported through the wrapper.
        assert_eq!(all[3].list_stores().unwrap_err(), ProtocolError::Unsupported(Capability::PerStoreStock));
    }
}
