//! The commerce protocol as a sans-IO boundary.
//!
//! A [`CommerceAdapter`] never touches the network. Each method returns a
//! [`Call`]: the [`HttpRequest`] to send and the parser for the answer. The
//! browser build sends it with `fetch`, the native build with its own client,
//! tests with whatever they like; then [`Call::parse`] turns the
//! [`HttpResponse`] into core types or a [`ProtocolError`].
//!
//! Backends differ in what they can do; an adapter declares that in
//! [`Capabilities`] and answers [`ProtocolError::Unsupported`] for the rest, so
//! the elements can fall back or hide a feature instead of failing.

pub mod any;
mod graphql;
pub mod medusa;
pub mod reference;
pub mod shopify;
pub mod vendure;
pub mod woocommerce;

/// Refuses an empty id before anything is sent.
fn non_empty(what: &str, value: &str) -> Result<(), ProtocolError> {
    if value.is_empty() { Err(ProtocolError::InvalidRequest(format!("{what} is empty"))) } else { Ok(()) }
}

/// A quantity within the core's limits (1–999), or the request is not sent:
/// backends differ in what they take (Medusa takes any), the SDK's limits do not.
fn within_limits(q: u32) -> Result<u32, ProtocolError> {
    crate::cart::validate_quantity(i64::from(q)).map_err(|e| ProtocolError::InvalidRequest(e.to_string()))
}

/// The store directory of a backend that has none: the shop's stores file
/// (`{"stores": [...]}`, ids = the backend's location ids).
fn stores_file(url: Option<&String>) -> Result<Call<Vec<Store>>, ProtocolError> {
    let url = url.cloned().ok_or(ProtocolError::Unsupported(Capability::PerStoreStock))?;
    let request = HttpRequest { method: Method::Get, url, headers: vec![("accept".into(), "application/json".into())], body: None };
    Ok(Call::new(request, |r| reference::parse_json::<reference::StoreList>(r, "store list").map(|l| l.stores)))
}

#[cfg(test)]
mod contract_tests;

use crate::cart::{Cart, Fulfillment};
use crate::catalog::Product;
use crate::money::Currency;
use crate::order::{Channel, Order};
use crate::store::{VariantStock, Store};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Method {
    Get,
    Post,
    Patch,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(&self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// A request description: what to send, not how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: Method,
    /// Absolute (`https://api.shop/v1/carts`) or origin-relative (`/v1/carts`).
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

/// What came back, as raw as the transport can give it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpResponse {
    pub status: u16,
    pub body: Vec<u8>,
    /// Response headers, names lower-case (a backend may answer a session
    /// or cart token in one: WooCommerce's `Cart-Token`, Vendure's
    /// `vendure-auth-token`). In a browser, only those the API exposes to CORS.
    pub headers: Vec<(String, String)>,
}

impl HttpResponse {
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> HttpResponse {
        HttpResponse { status, body: body.into(), headers: Vec::new() }
    }

    /// The first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Features a backend may or may not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Capabilities {
    /// Stock per physical store and variant.
    pub per_store_stock: bool,
    /// Pickup-at-store lines in the cart.
    pub pickup: bool,
    /// "Frequently bought together" answered by the backend.
    pub recommendations: bool,
    /// Carts bound to signed-in customers.
    pub customer_carts: bool,
    /// Looking an order up by id and secret key.
    pub order_lookup: bool,
    /// Replicated cart operations and a push channel (`crate::sync`).
    #[serde(default)]
    pub live_sync: bool,
    /// Handoff codes that open a cart on another device or at a store counter.
    #[serde(default)]
    pub handoff: bool,
    /// Post-checkout offers (`crate::offer`): per-order offers, events, loyalty.
    #[serde(default)]
    pub post_checkout: bool,
    /// Checking a cart out through the API (otherwise the shop's own checkout page).
    #[serde(default)]
    pub checkout: bool,
    /// Discount codes the customer enters in the cart (`apply_code`/`remove_code`).
    #[serde(default)]
    pub discount_codes: bool,
    /// A note from the customer on the cart (`set_note`), kept with the order.
    #[serde(default)]
    pub cart_note: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    PerStoreStock,
    Pickup,
    Recommendations,
    CustomerCarts,
    OrderLookup,
    LiveSync,
    Handoff,
    PostCheckout,
    Checkout,
    DiscountCodes,
    CartNote,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// The API answered with an error it explained.
    #[error("{message} ({code}, HTTP {status})")]
    Api { status: u16, code: String, message: String },
    /// The API answered with an error status and no usable explanation.
    #[error("the commerce API answered HTTP {status}")]
    Http { status: u16 },
    /// A success status whose body is not what the protocol promises.
    #[error("malformed {what} from the commerce API: {detail}")]
    Malformed { what: &'static str, detail: String },
    /// The backend does not offer this.
    #[error("the commerce API does not support {0:?}")]
    Unsupported(Capability),
    /// The request could not be built (bad argument).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// Not enough stock for the request; `available` units can be had
    /// (None: the backend does not say how many).
    #[error("{message}")]
    InsufficientStock { available: Option<u32>, message: String },
    /// The transport failed (offline, connection reset, CORS). Set by the edges.
    #[error("network error: {0}")]
    Network(String),
}

impl ProtocolError {
    /// The stable machine-readable code of an API error, if any.
    pub fn code(&self) -> &str {
        match self {
            ProtocolError::Api { code, .. } => code,
            ProtocolError::Http { .. } => "http",
            ProtocolError::Malformed { .. } => "malformed_response",
            ProtocolError::InsufficientStock { .. } => "insufficient_stock",
            ProtocolError::Unsupported(_) => "unsupported",
            ProtocolError::InvalidRequest(_) => "invalid_request",
            ProtocolError::Network(_) => "network",
        }
    }
    /// What the shopper is told (in their language): one of our messages,
    /// chosen by the stable code and status, never the backend's text.
    /// Account errors (wrong password, e-mail taken) reach the page's own
    /// code through the headless API's `code` instead.
    pub fn shopper_message(&self) -> crate::i18n::ErrorMsg {
        use crate::i18n::ErrorMsg as M;
        let by_status = |status: u16| match status {
            401 | 403 => M::SignInAgain,
            404 | 410 => M::Gone,
            409 => M::Changed,
            413 | 429 => M::TooMany,
            503 => M::Busy,
            _ => M::Failed,
        };
        match self {
            ProtocolError::Network(_) => M::Offline,
            ProtocolError::InsufficientStock { .. } => M::OutOfStock,
            ProtocolError::Unsupported(_) => M::Unsupported,
            ProtocolError::Malformed { .. } => M::Unreadable,
            ProtocolError::InvalidRequest(_) => M::Failed,
            ProtocolError::Http { status } => by_status(*status),
            // Adapters turn their backend's codes into these (the reference
            // protocol's); the rest are told by their status.
            ProtocolError::Api { status, code, .. } => match code.as_str() {
                "invalid_quantity" => M::BadQuantity,
                "too_many_lines" | "cart_full" => M::CartFull,
                "unknown_variant" | "not_offered" | "unsupported_currency" => M::NotSold,
                "too_many_attempts" | "too_many_carts" => M::TooMany,
                "sign_in_required" | "signed_out" => M::SignInAgain,
                _ => by_status(*status),
            },
        }
    }

    /// Worth retrying later without changing anything.
    pub fn is_transient(&self) -> bool {
        match self {
            ProtocolError::Network(_) => true,
            ProtocolError::Http { status } | ProtocolError::Api { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

type Parser<T> = Box<dyn FnOnce(&HttpResponse) -> Result<T, ProtocolError> + Send>;

/// One exchange with the backend: a request and how to read its answer.
pub struct Call<T> {
    pub request: HttpRequest,
    parser: Parser<T>,
}

impl<T> Call<T> {
    pub fn new(request: HttpRequest, parser: impl FnOnce(&HttpResponse) -> Result<T, ProtocolError> + Send + 'static) -> Self {
        Call { request, parser: Box::new(parser) }
    }
    pub fn parse(self, response: &HttpResponse) -> Result<T, ProtocolError> {
        (self.parser)(response)
    }
    /// Splits the call so the request can be moved into a transport.
    pub fn into_parts(self) -> (HttpRequest, Parser<T>) {
        (self.request, self.parser)
    }
}

impl<T> std::fmt::Debug for Call<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call").field("request", &self.request).finish_non_exhaustive()
    }
}

/// Filters for listing products.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductQuery {
    pub category: Option<String>,
    pub search: Option<String>,
    pub ids: Vec<String>,
}

/// A line to put into a cart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewLine {
    pub variant_id: String,
    pub quantity: u32,
    #[serde(default)]
    pub fulfillment: Fulfillment,
    /// Tag shared by lines added together from a bundle (earns the shop's bundle discount).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle: Option<String>,
    /// For pickup: if the store lacks the quantity, accept a transfer from
    /// the warehouse (a later pickup) instead of an error.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_transfer: bool,
}

/// The demo checkout: turns a cart into an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutRequest {
    pub cart_id: String,
    pub email: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub channel: Channel,
}

/// A handoff code for a cart (see the reference server's `handoff` module).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffCode {
    /// As shown to people, e.g. `K7Q-4MX`.
    pub code: String,
    pub expires_at: i64,
    /// The server's clock when it answered (a countdown uses the difference).
    pub now: i64,
    /// Opens the cart on another device; what the QR code encodes.
    pub url: String,
    /// URL of the QR code image (SVG).
    pub qr: String,
}

/// A claimed handoff: the cart, and a grant to use it for a while.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimedCart {
    pub cart_id: String,
    pub cart: Cart,
    pub grant: String,
    pub grant_until: i64,
}

/// A signed-in customer as the backend describes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerInfo {
    pub id: String,
    pub email: String,
    #[serde(default)]
    pub name: String,
}

/// A new session: who, the token to send, and the customer's cart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerSession {
    pub customer: CustomerInfo,
    pub token: String,
    pub cart_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerMe {
    pub customer: CustomerInfo,
    pub cart_id: Option<String>,
}

crate::json_object!(NewLine { req variant_id, req quantity, def fulfillment, opt bundle, skip allow_transfer });
crate::json_object!(CheckoutRequest { req cart_id, req email, def name, def channel });
crate::json_object!(HandoffCode { req code, req expires_at, req now, req url, req qr });
crate::json_object!(ClaimedCart { req cart_id, req cart, req grant, req grant_until });
crate::json_object!(CustomerInfo { req id, req email, def name });
crate::json_object!(CustomerSession { req customer, req token, nul cart_id });
crate::json_object!(CustomerMe { req customer, nul cart_id });

/// The one boundary between Crosscart and a commerce backend.
pub trait CommerceAdapter {
    /// A short name for logs, e.g. `crosscart` or `medusa`.
    fn name(&self) -> &'static str;
    fn capabilities(&self) -> Capabilities;

    fn list_products(&self, query: &ProductQuery) -> Result<Call<Vec<Product>>, ProtocolError>;
    /// By id or handle.
    fn get_product(&self, id: &str) -> Result<Call<Product>, ProtocolError>;

    fn create_cart(&self, currency: Option<Currency>) -> Result<Call<Cart>, ProtocolError>;
    fn get_cart(&self, cart_id: &str) -> Result<Call<Cart>, ProtocolError>;
    fn add_line(&self, cart_id: &str, line: &NewLine) -> Result<Call<Cart>, ProtocolError>;
    /// Sets a line's quantity; `expected_version` makes the write conditional.
    fn update_line(&self, cart_id: &str, line_id: &str, quantity: u32, expected_version: Option<u64>) -> Result<Call<Cart>, ProtocolError>;
    fn remove_line(&self, cart_id: &str, line_id: &str, expected_version: Option<u64>) -> Result<Call<Cart>, ProtocolError>;

    /// Applies a discount code to a cart holding the codes `held` (a
    /// backend that sets the whole list needs them); a refusal is `Api` with
    /// one of [`crate::promo::Refusal`]'s codes (`code_unknown`,
    /// `code_expired`, …), whatever the backend's own words.
    fn apply_code(&self, cart_id: &str, code: &str, held: &[String]) -> Result<Call<Cart>, ProtocolError> {
        let _ = (cart_id, code, held);
        Err(ProtocolError::Unsupported(Capability::DiscountCodes))
    }

    /// Takes a discount code out of a cart holding the codes `held`.
    fn remove_code(&self, cart_id: &str, code: &str, held: &[String]) -> Result<Call<Cart>, ProtocolError> {
        let _ = (cart_id, code, held);
        Err(ProtocolError::Unsupported(Capability::DiscountCodes))
    }

    /// Sets the customer's note on a cart (empty clears it); a backend
    /// refuses what [`crate::cart::validate_note`] refuses (`invalid_note`).
    fn set_note(&self, cart_id: &str, note: &str) -> Result<Call<Cart>, ProtocolError> {
        let _ = (cart_id, note);
        Err(ProtocolError::Unsupported(Capability::CartNote))
    }

    /// Checks a cart out through the API (otherwise: the shop's own checkout page).
    fn checkout(&self, request: &CheckoutRequest) -> Result<Call<Order>, ProtocolError> {
        let _ = request;
        Err(ProtocolError::Unsupported(Capability::Checkout))
    }
    fn get_order(&self, order_id: &str, key: &str) -> Result<Call<Order>, ProtocolError> {
        let _ = (order_id, key);
        Err(ProtocolError::Unsupported(Capability::OrderLookup))
    }

    fn list_stores(&self) -> Result<Call<Vec<Store>>, ProtocolError> {
        Err(ProtocolError::Unsupported(Capability::PerStoreStock))
    }
    /// Stock of one variant at every store.
    fn variant_stock(&self, variant_id: &str) -> Result<Call<VariantStock>, ProtocolError> {
        let _ = variant_id;
        Err(ProtocolError::Unsupported(Capability::PerStoreStock))
    }

    /// Products bought together with `products` (one product, or a whole
    /// cart), leaving out `exclude`, best first.
    fn recommendations(&self, products: &[String], exclude: &[String], limit: u32) -> Result<Call<Recommendations>, ProtocolError> {
        let _ = (products, exclude, limit);
        Err(ProtocolError::Unsupported(Capability::Recommendations))
    }
    /// The bought-together model file (`crosscart_core::fbt::model`), for scoring in the browser.
    /// Signs a customer up (and in); `guest_cart` becomes their cart.
    fn sign_up(&self, email: &str, password: &str, name: &str, guest_cart: Option<&str>) -> Result<Call<CustomerSession>, ProtocolError> {
        let _ = (email, password, name, guest_cart);
        Err(ProtocolError::Unsupported(Capability::CustomerCarts))
    }
    /// Signs a customer in; `guest_cart` merges into their cart.
    fn sign_in(&self, email: &str, password: &str, guest_cart: Option<&str>) -> Result<Call<CustomerSession>, ProtocolError> {
        let _ = (email, password, guest_cart);
        Err(ProtocolError::Unsupported(Capability::CustomerCarts))
    }
    /// Ends the adapter's session on the backend's side; `None` when the
    /// backend's tokens are stateless and forgetting the token is the whole
    /// sign-out (the caller always forgets it).
    fn sign_out(&self) -> Result<Option<Call<()>>, ProtocolError> {
        Err(ProtocolError::Unsupported(Capability::CustomerCarts))
    }
    /// Who the adapter's session belongs to, and their open cart.
    fn me(&self) -> Result<Call<CustomerMe>, ProtocolError> {
        Err(ProtocolError::Unsupported(Capability::CustomerCarts))
    }
    /// A short code (and QR code) that opens `cart_id` on another device or at a counter.
    fn create_handoff(&self, cart_id: &str) -> Result<Call<HandoffCode>, ProtocolError> {
        let _ = cart_id;
        Err(ProtocolError::Unsupported(Capability::Handoff))
    }
    /// Claims a handoff code (`web` or `store`), once.
    fn claim_handoff(&self, code: &str, channel: &str) -> Result<Call<ClaimedCart>, ProtocolError> {
        let _ = (code, channel);
        Err(ProtocolError::Unsupported(Capability::Handoff))
    }
    /// Sends replicated-cart operations (see `crate::sync`).
    fn push_ops(&self, cart_id: &str, ops: &[crate::sync::Op]) -> Result<Call<crate::sync::SyncAnswer>, ProtocolError> {
        let _ = (cart_id, ops);
        Err(ProtocolError::Unsupported(Capability::LiveSync))
    }
    /// The cart's operations after `cursor`.
    fn ops_since(&self, cart_id: &str, cursor: u64) -> Result<Call<crate::sync::OpsPage>, ProtocolError> {
        let _ = (cart_id, cursor);
        Err(ProtocolError::Unsupported(Capability::LiveSync))
    }
    /// The Server-Sent Events URL that pushes the cart's operations after `cursor`.
    fn events_url(&self, cart_id: &str, cursor: u64) -> Option<String> {
        let _ = (cart_id, cursor);
        None
    }
    fn recommendation_model(&self) -> Result<Call<Vec<u8>>, ProtocolError> {
        Err(ProtocolError::Unsupported(Capability::Recommendations))
    }

    /// An order's post-checkout offer (decided on first request); `key` is the
    /// order key, or None to ask as the order's signed-in customer. `viewed`:
    /// products this device viewed, most recent first.
    fn order_offer(&self, order_id: &str, key: Option<&str>, viewed: &[String]) -> Result<Call<crate::offer::Offer>, ProtocolError> {
        let _ = (order_id, key, viewed);
        Err(ProtocolError::Unsupported(Capability::PostCheckout))
    }

    /// The signed-in customer's open, not yet shown offer from any channel, if any.
    fn my_offer(&self) -> Result<Call<Option<crate::offer::Offer>>, ProtocolError> {
        Err(ProtocolError::Unsupported(Capability::PostCheckout))
    }

    fn offer_event(&self, order_id: &str, key: Option<&str>, event: crate::offer::OfferEvent) -> Result<Call<()>, ProtocolError> {
        let _ = (order_id, key, event);
        Err(ProtocolError::Unsupported(Capability::PostCheckout))
    }

    /// Puts offered variants (all when empty) into a new cart at the offer price.
    fn accept_offer(&self, order_id: &str, key: Option<&str>, variant_ids: &[String]) -> Result<Call<Cart>, ProtocolError> {
        let _ = (order_id, key, variant_ids);
        Err(ProtocolError::Unsupported(Capability::PostCheckout))
    }

    /// After sign-in on a backend that does not merge carts itself
    /// (`CustomerSession::cart_id` is None): makes the guest cart the customer's.
    fn attach_cart(&self, cart_id: &str) -> Result<Call<Cart>, ProtocolError> {
        let _ = cart_id;
        Err(ProtocolError::Unsupported(Capability::CustomerCarts))
    }

    /// After sign-up on a backend whose sign-up only makes a login (the
    /// session's customer id is empty): the customer record, with the session's token.
    fn create_customer(&self, email: &str, name: &str) -> Result<Call<CustomerInfo>, ProtocolError> {
        let _ = (email, name);
        Err(ProtocolError::Unsupported(Capability::CustomerCarts))
    }

    /// Remembers, for the signed-in customer, a product they viewed.
    fn record_viewed(&self, product_id: &str) -> Result<Call<()>, ProtocolError> {
        let _ = product_id;
        Err(ProtocolError::Unsupported(Capability::PostCheckout))
    }
}

/// Complements and the shop's bundle terms.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Recommendations {
    pub items: Vec<Recommendation>,
    /// Off every line of a bundle added together, if the shop offers it.
    pub discount: Option<crate::cart::BundleDiscount>,
}

/// One recommended complement, with the product so it can be shown and priced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    pub product: Product,
    /// The model's score (see `fbt::model::score`); above 1 means real evidence.
    pub score: f32,
    /// Orders holding both.
    pub count: u32,
}

crate::json_object!(Recommendation { req product, req score, req count });

/// Percent-encodes one URL path segment or query value (RFC 3986 unreserved
/// characters pass through), so an id can never change the URL's shape.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0').to_ascii_uppercase());
            out.push(char::from_digit(u32::from(b & 15), 16).unwrap_or('0').to_ascii_uppercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_message(e: ProtocolError, expected: crate::i18n::ErrorMsg) {
        assert_eq!(e.shopper_message(), expected, "{e:?}");
        for locale in [crate::i18n::Locale::En, crate::i18n::Locale::Ru, crate::i18n::Locale::Uk] {
            let text = crate::i18n::t(locale, e.shopper_message());
            assert!(!text.is_empty() && !text.contains("<b>"), "{locale:?}: {text}");
        }
    }

    /// A backend's text never reaches the shopper: codes and statuses choose
    /// one of our messages, whatever the message says.
    #[test]
    fn shoppers_read_our_messages_chosen_by_code_and_status() {
        use crate::i18n::ErrorMsg as M;
        let api = |status: u16, code: &str| ProtocolError::Api { status, code: code.into(), message: "<b>SQLSTATE 23505</b> at /srv/app.js:12".into() };
        check_message(api(422, "invalid_quantity"), M::BadQuantity);
        check_message(api(422, "too_many_lines"), M::CartFull);
        check_message(api(404, "unknown_variant"), M::NotSold);
        check_message(api(429, "too_many_carts"), M::TooMany);
        check_message(api(401, "signed_out"), M::SignInAgain);
        check_message(api(410, "cart_closed"), M::Gone);
        check_message(api(404, "not_found"), M::Gone);
        check_message(api(409, "version_conflict"), M::Changed);
        check_message(api(503, "busy"), M::Busy);
        check_message(api(422, "SOME_NEW_VENDURE_ERROR"), M::Failed);
        check_message(api(500, "unknown_error"), M::Failed);
        check_message(ProtocolError::Http { status: 403 }, M::SignInAgain);
        check_message(ProtocolError::Http { status: 502 }, M::Failed);
        check_message(ProtocolError::Network("connection reset".into()), M::Offline);
        check_message(ProtocolError::InsufficientStock { available: Some(2), message: "<b>only 2</b>".into() }, M::OutOfStock);
        check_message(ProtocolError::Malformed { what: "cart", detail: "<b>x</b>".into() }, M::Unreadable);
    }

    fn check_encode(input: &str, expected: &str) {
        assert_eq!(encode_component(input), expected);
    }

    #[test]
    fn encoding() {
        check_encode("abc-123_x.y~z", "abc-123_x.y~z");
        check_encode("../etc", "..%2Fetc");
        check_encode("a b&c=d?e#f", "a%20b%26c%3Dd%3Fe%23f");
        check_encode("кошик", "%D0%BA%D0%BE%D1%88%D0%B8%D0%BA");
    }

    #[test]
    fn transient_errors() {
        assert!(ProtocolError::Network("x".into()).is_transient());
        assert!(ProtocolError::Http { status: 503 }.is_transient());
        assert!(!ProtocolError::Http { status: 404 }.is_transient());
        assert!(!ProtocolError::Malformed { what: "cart", detail: String::new() }.is_transient());
    }
}
