//! The Crosscart reference protocol (`/v1/...`), served by `crosscart-server`
//! and documented in `crates/server/openapi.yaml`.
//!
//! The wire types here are shared by the server (which produces them) and the
//! adapter (which reads them), so the two cannot drift apart silently.

use super::*;
use crate::catalog::Product;
use crate::json::{FromJson, ObjectWriter, ToJson};

pub const PROTOCOL_VERSION: &str = "crosscart/1";

/// Every error the reference server returns: `{"error": {"code", "message"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Stable, machine-readable: `not_found`, `invalid_quantity`, `version_conflict`, ...
    pub code: String,
    /// For people; may be shown in the UI.
    pub message: String,
    /// With `insufficient_stock`: how many units can be had.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available: Option<u32>,
}

crate::json_object!(ErrorBody { req error });
crate::json_object!(ErrorDetail { req code, req message, opt available });

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductList {
    pub products: Vec<Product>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoreList {
    pub stores: Vec<Store>,
}

crate::json_object!(ProductList { req products });
crate::json_object!(StoreList { req stores });

/// `GET /v1/variants/{id}/stock`.
pub type StockList = VariantStock;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecommendationList {
    pub recommendations: Vec<Recommendation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<crate::cart::BundleDiscount>,
}

crate::json_object!(RecommendationList { req recommendations, opt discount });

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceInfo {
    pub protocol: String,
    pub capabilities: Capabilities,
}

/// `POST /v1/carts`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateCartBody {
    #[serde(default)]
    pub currency: Option<Currency>,
}

/// `POST /v1/carts/{id}/lines`. The quantity is signed on the wire so that a
/// bad value is answered with a precise error instead of a parse failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddLineBody {
    pub variant_id: String,
    pub quantity: i64,
    #[serde(default)]
    pub fulfillment: Fulfillment,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_transfer: bool,
}

crate::json_object!(CreateCartBody { nul currency });
crate::json_object!(AddLineBody { req variant_id, req quantity, def fulfillment, opt bundle, skip allow_transfer });

/// `PATCH /v1/carts/{id}/lines/{line_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateLineBody {
    pub quantity: i64,
}

crate::json_object!(UpdateLineBody { req quantity });

/// `POST /v1/carts/{id}/codes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeBody {
    pub code: String,
}

crate::json_object!(CodeBody { req code });

/// `PUT /v1/carts/{id}/note`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteBody {
    pub note: String,
}

crate::json_object!(NoteBody { req note });

/// Adapter for the reference protocol at `base_url` (empty for same origin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceAdapter {
    base_url: String,
    /// A signed-in customer's session token, sent as `Authorization: Bearer`.
    token: Option<String>,
}

impl ReferenceAdapter {
    pub fn new(base_url: &str) -> Self {
        ReferenceAdapter { base_url: base_url.trim_end_matches('/').to_owned(), token: None }
    }

    /// The same adapter acting for a signed-in customer.
    pub fn with_token(mut self, token: Option<String>) -> Self {
        self.token = token.filter(|t| !t.is_empty());
        self
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v1{}", self.base_url, path)
    }

    fn get<T: FromJson + 'static>(&self, path: &str, what: &'static str) -> Call<T> {
        self.call(Method::Get, path, None, Vec::new(), what)
    }

    fn call<T: FromJson + 'static>(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        mut headers: Vec<(String, String)>,
        what: &'static str,
    ) -> Call<T> {
        headers.push(("accept".into(), "application/json".into()));
        if let Some(t) = &self.token {
            headers.push(("authorization".into(), format!("Bearer {t}")));
        }
        if body.is_some() {
            headers.push(("content-type".into(), "application/json".into()));
        }
        let request = HttpRequest { method, url: self.url(path), headers, body };
        Call::new(request, move |resp| parse_json(resp, what))
    }
}

fn json_body<T: ToJson + ?Sized>(value: &T) -> Option<Vec<u8>> {
    Some(crate::json::to_vec(value))
}

/// A request body of one object built member by member.
fn object_body(write: impl FnOnce(&mut ObjectWriter<'_>)) -> Option<Vec<u8>> {
    Some(crate::json::object(write))
}

fn if_match(version: Option<u64>) -> Vec<(String, String)> {
    version.map(|v| vec![("if-match".to_owned(), format!("\"{v}\""))]).unwrap_or_default()
}

/// Reads a success body as `T`, or an error status as [`ProtocolError`].
pub fn parse_json<T: FromJson>(resp: &HttpResponse, what: &'static str) -> Result<T, ProtocolError> {
    if !(200..300).contains(&resp.status) {
        return Err(parse_error(resp));
    }
    crate::json::from_slice(&resp.body).map_err(|e| ProtocolError::Malformed { what, detail: e.to_string() })
}

/// Reads an error answer; a body that is not the documented error shape still
/// gives a clear error carrying the status.
pub fn parse_error(resp: &HttpResponse) -> ProtocolError {
    match crate::json::from_slice::<ErrorBody>(&resp.body) {
        Ok(ErrorBody { error: ErrorDetail { code, message, available: Some(available) } }) if code == "insufficient_stock" => ProtocolError::InsufficientStock { available: Some(available), message },
        Ok(body) => ProtocolError::Api { status: resp.status, code: body.error.code, message: body.error.message },
        Err(_) => ProtocolError::Http { status: resp.status },
    }
}

fn order_key(key: Option<&str>) -> Vec<(String, String)> {
    key.filter(|k| !k.is_empty()).map(|k| vec![("x-order-key".to_owned(), k.to_owned())]).unwrap_or_default()
}

/// A call whose success has no body worth reading (204).
fn no_content(call: Call<crate::json::Value>) -> Call<()> {
    let (request, _) = call.into_parts();
    Call::new(request, |r| if (200..300).contains(&r.status) { Ok(()) } else { Err(parse_error(r)) })
}

/// `POST /v1/orders/{id}/offer/accept`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptedOffer {
    pub cart: Cart,
}
crate::json_object!(AcceptedOffer { req cart });

impl CommerceAdapter for ReferenceAdapter {
    fn name(&self) -> &'static str {
        "crosscart"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { per_store_stock: true, pickup: true, recommendations: true, customer_carts: true, order_lookup: true, live_sync: true, handoff: true, post_checkout: true, checkout: true, discount_codes: true, cart_note: true }
    }

    fn list_products(&self, query: &ProductQuery) -> Result<Call<Vec<Product>>, ProtocolError> {
        let mut params = Vec::new();
        if let Some(c) = &query.category {
            params.push(format!("category={}", encode_component(c)));
        }
        if let Some(s) = &query.search {
            params.push(format!("q={}", encode_component(s)));
        }
        if !query.ids.is_empty() {
            let ids: Vec<String> = query.ids.iter().map(|i| encode_component(i)).collect();
            params.push(format!("ids={}", ids.join(",")));
        }
        let path = if params.is_empty() { "/products".to_owned() } else { format!("/products?{}", params.join("&")) };
        let (request, parse) = self.get::<ProductList>(&path, "product list").into_parts();
        Ok(Call::new(request, move |r| parse(r).map(|l| l.products)))
    }

    fn get_product(&self, id: &str) -> Result<Call<Product>, ProtocolError> {
        non_empty("product id", id)?;
        Ok(self.get(&format!("/products/{}", encode_component(id)), "product"))
    }

    fn create_cart(&self, currency: Option<Currency>) -> Result<Call<Cart>, ProtocolError> {
        Ok(self.call(Method::Post, "/carts", json_body(&CreateCartBody { currency }), Vec::new(), "cart"))
    }

    fn get_cart(&self, cart_id: &str) -> Result<Call<Cart>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        Ok(self.get(&format!("/carts/{}", encode_component(cart_id)), "cart"))
    }

    fn add_line(&self, cart_id: &str, line: &NewLine) -> Result<Call<Cart>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        non_empty("variant id", &line.variant_id)?;
        let body = AddLineBody { variant_id: line.variant_id.clone(), quantity: i64::from(line.quantity), fulfillment: line.fulfillment.clone(), bundle: line.bundle.clone(), allow_transfer: line.allow_transfer };
        Ok(self.call(Method::Post, &format!("/carts/{}/lines", encode_component(cart_id)), json_body(&body), Vec::new(), "cart"))
    }

    fn update_line(&self, cart_id: &str, line_id: &str, quantity: u32, expected_version: Option<u64>) -> Result<Call<Cart>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        non_empty("line id", line_id)?;
        let path = format!("/carts/{}/lines/{}", encode_component(cart_id), encode_component(line_id));
        let body = json_body(&UpdateLineBody { quantity: i64::from(quantity) });
        Ok(self.call(Method::Patch, &path, body, if_match(expected_version), "cart"))
    }

    fn remove_line(&self, cart_id: &str, line_id: &str, expected_version: Option<u64>) -> Result<Call<Cart>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        non_empty("line id", line_id)?;
        let path = format!("/carts/{}/lines/{}", encode_component(cart_id), encode_component(line_id));
        Ok(self.call(Method::Delete, &path, None, if_match(expected_version), "cart"))
    }

    fn apply_code(&self, cart_id: &str, code: &str, _held: &[String]) -> Result<Call<Cart>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        let code = crate::promo::normalize(code).ok_or_else(|| ProtocolError::Api { status: 422, code: "code_unknown".into(), message: "not a discount code".into() })?;
        let path = format!("/carts/{}/codes", encode_component(cart_id));
        Ok(self.call(Method::Post, &path, json_body(&CodeBody { code }), Vec::new(), "cart"))
    }

    fn remove_code(&self, cart_id: &str, code: &str, _held: &[String]) -> Result<Call<Cart>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        non_empty("code", code)?;
        let path = format!("/carts/{}/codes/{}", encode_component(cart_id), encode_component(code));
        Ok(self.call(Method::Delete, &path, None, Vec::new(), "cart"))
    }

    fn set_note(&self, cart_id: &str, note: &str) -> Result<Call<Cart>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        // The server checks the note (`cart::validate_note`) and says why it refuses one.
        let path = format!("/carts/{}/note", encode_component(cart_id));
        Ok(self.call(Method::Put, &path, json_body(&NoteBody { note: note.to_owned() }), Vec::new(), "cart"))
    }

    fn checkout(&self, request: &CheckoutRequest) -> Result<Call<Order>, ProtocolError> {
        non_empty("cart id", &request.cart_id)?;
        Ok(self.call(Method::Post, "/orders", json_body(request), Vec::new(), "order"))
    }

    fn get_order(&self, order_id: &str, key: &str) -> Result<Call<Order>, ProtocolError> {
        non_empty("order id", order_id)?;
        non_empty("order key", key)?;
        let headers = vec![("x-order-key".to_owned(), key.to_owned())];
        Ok(self.call(Method::Get, &format!("/orders/{}", encode_component(order_id)), None, headers, "order"))
    }

    fn list_stores(&self) -> Result<Call<Vec<Store>>, ProtocolError> {
        let (request, parse) = self.get::<StoreList>("/stores", "store list").into_parts();
        Ok(Call::new(request, move |r| parse(r).map(|l| l.stores)))
    }

    fn variant_stock(&self, variant_id: &str) -> Result<Call<VariantStock>, ProtocolError> {
        non_empty("variant id", variant_id)?;
        Ok(self.get(&format!("/variants/{}/stock", encode_component(variant_id)), "stock list"))
    }

    fn recommendations(&self, products: &[String], exclude: &[String], limit: u32) -> Result<Call<Recommendations>, ProtocolError> {
        if products.is_empty() {
            return Err(ProtocolError::InvalidRequest("recommendations need at least one product".into()));
        }
        let list = |ids: &[String]| ids.iter().map(|i| encode_component(i)).collect::<Vec<_>>().join(",");
        let mut path = format!("/recommendations?products={}&limit={limit}", list(products));
        if !exclude.is_empty() {
            path.push_str(&format!("&exclude={}", list(exclude)));
        }
        let (request, parse) = self.get::<RecommendationList>(&path, "recommendations").into_parts();
        Ok(Call::new(request, move |r| parse(r).map(|l| Recommendations { items: l.recommendations, discount: l.discount })))
    }

    fn sign_up(&self, email: &str, password: &str, name: &str, guest_cart: Option<&str>) -> Result<Call<CustomerSession>, ProtocolError> {
        non_empty("e-mail", email)?;
        let body = object_body(|o| {
            o.field("email", email).field("password", password).field("name", name).field("cart_id", &guest_cart);
        });
        Ok(self.call(Method::Post, "/customers", body, Vec::new(), "session"))
    }

    fn sign_in(&self, email: &str, password: &str, guest_cart: Option<&str>) -> Result<Call<CustomerSession>, ProtocolError> {
        non_empty("e-mail", email)?;
        let body = object_body(|o| {
            o.field("email", email).field("password", password).field("cart_id", &guest_cart);
        });
        Ok(self.call(Method::Post, "/sessions", body, Vec::new(), "session"))
    }

    fn sign_out(&self) -> Result<Option<Call<()>>, ProtocolError> {
        Ok(Some(no_content(self.call::<crate::json::Value>(Method::Delete, "/sessions", None, Vec::new(), "sign-out"))))
    }

    fn me(&self) -> Result<Call<CustomerMe>, ProtocolError> {
        Ok(self.get("/customers/me", "customer"))
    }

    fn create_handoff(&self, cart_id: &str) -> Result<Call<HandoffCode>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        Ok(self.call(Method::Post, &format!("/carts/{}/handoff", encode_component(cart_id)), None, Vec::new(), "handoff code"))
    }

    fn claim_handoff(&self, code: &str, channel: &str) -> Result<Call<ClaimedCart>, ProtocolError> {
        let code: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        if code.len() != 6 {
            return Err(ProtocolError::InvalidRequest("a handoff code has 6 letters and digits".into()));
        }
        let body = object_body(|o| {
            o.field("channel", channel);
        });
        Ok(self.call(Method::Post, &format!("/handoff/{code}/claim"), body, Vec::new(), "claimed cart"))
    }

    fn push_ops(&self, cart_id: &str, ops: &[crate::sync::Op]) -> Result<Call<crate::sync::SyncAnswer>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        if ops.is_empty() {
            return Err(ProtocolError::InvalidRequest("no operations to send".into()));
        }
        let body = object_body(|o| {
            o.field("ops", ops);
        });
        Ok(self.call(Method::Post, &format!("/carts/{}/ops", encode_component(cart_id)), body, Vec::new(), "cart operations answer"))
    }

    fn ops_since(&self, cart_id: &str, cursor: u64) -> Result<Call<crate::sync::OpsPage>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        Ok(self.get(&format!("/carts/{}/ops?since={cursor}", encode_component(cart_id)), "cart operations"))
    }

    fn events_url(&self, cart_id: &str, cursor: u64) -> Option<String> {
        let token = self.token.as_deref().map(|t| format!("&token={}", encode_component(t))).unwrap_or_default();
        (!cart_id.is_empty()).then(|| self.url(&format!("/carts/{}/events?since={cursor}{token}", encode_component(cart_id))))
    }

    fn order_offer(&self, order_id: &str, key: Option<&str>, viewed: &[String]) -> Result<Call<crate::offer::Offer>, ProtocolError> {
        non_empty("order id", order_id)?;
        let mut path = format!("/orders/{}/offer", encode_component(order_id));
        if !viewed.is_empty() {
            path.push_str("?viewed=");
            path.push_str(&viewed.iter().take(20).map(|v| encode_component(v)).collect::<Vec<_>>().join(","));
        }
        Ok(self.call(Method::Get, &path, None, order_key(key), "offer"))
    }

    fn my_offer(&self) -> Result<Call<Option<crate::offer::Offer>>, ProtocolError> {
        let (request, parse) = self.get::<crate::offer::Offer>("/customers/me/offer", "offer").into_parts();
        Ok(Call::new(request, move |r| if r.status == 204 { Ok(None) } else { parse(r).map(Some) }))
    }

    fn offer_event(&self, order_id: &str, key: Option<&str>, event: crate::offer::OfferEvent) -> Result<Call<()>, ProtocolError> {
        non_empty("order id", order_id)?;
        let body = object_body(|o| {
            o.field("kind", &event);
        });
        let path = format!("/orders/{}/offer/events", encode_component(order_id));
        Ok(no_content(self.call::<crate::json::Value>(Method::Post, &path, body, order_key(key), "offer event")))
    }

    fn accept_offer(&self, order_id: &str, key: Option<&str>, variant_ids: &[String]) -> Result<Call<Cart>, ProtocolError> {
        non_empty("order id", order_id)?;
        let body = object_body(|o| {
            o.field("variant_ids", variant_ids);
        });
        let path = format!("/orders/{}/offer/accept", encode_component(order_id));
        let (request, parse) = self.call::<AcceptedOffer>(Method::Post, &path, body, order_key(key), "accepted offer").into_parts();
        Ok(Call::new(request, move |r| parse(r).map(|a| a.cart)))
    }

    fn record_viewed(&self, product_id: &str) -> Result<Call<()>, ProtocolError> {
        non_empty("product id", product_id)?;
        let body = object_body(|o| {
            o.field("product_id", product_id);
        });
        Ok(no_content(self.call::<crate::json::Value>(Method::Post, "/customers/me/viewed", body, Vec::new(), "viewed product")))
    }

    fn recommendation_model(&self) -> Result<Call<Vec<u8>>, ProtocolError> {
        let request = HttpRequest { method: Method::Get, url: self.url("/recommendations/model"), headers: Vec::new(), body: None };
        Ok(Call::new(request, |r| if (200..300).contains(&r.status) { Ok(r.body.clone()) } else { Err(parse_error(r)) }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, body: &str) -> HttpResponse {
        HttpResponse::new(status, body.as_bytes())
    }

    fn adapter() -> ReferenceAdapter {
        ReferenceAdapter::new("http://127.0.0.1:8080/")
    }

    fn check_request(call: Call<impl Sized>, method: Method, url: &str, body: Option<&str>) {
        assert_eq!(call.request.method, method);
        assert_eq!(call.request.url, url);
        assert_eq!(call.request.body.as_deref().map(|b| std::str::from_utf8(b).unwrap()), body);
    }

    #[test]
    fn requests() {
        let a = adapter();
        check_request(a.get_cart("abc").unwrap(), Method::Get, "http://127.0.0.1:8080/v1/carts/abc", None);
        check_request(a.get_cart("a/../b").unwrap(), Method::Get, "http://127.0.0.1:8080/v1/carts/a%2F..%2Fb", None);
        check_request(a.create_cart(Some(Currency::EUR)).unwrap(), Method::Post, "http://127.0.0.1:8080/v1/carts", Some(r#"{"currency":"EUR"}"#));
        check_request(
            a.add_line("c1", &NewLine { variant_id: "v1".into(), quantity: 2, fulfillment: Fulfillment::Delivery, bundle: None, allow_transfer: false }).unwrap(),
            Method::Post,
            "http://127.0.0.1:8080/v1/carts/c1/lines",
            Some(r#"{"variant_id":"v1","quantity":2,"fulfillment":{"type":"delivery"}}"#),
        );
        check_request(a.update_line("c1", "l1", 3, None).unwrap(), Method::Patch, "http://127.0.0.1:8080/v1/carts/c1/lines/l1", Some(r#"{"quantity":3}"#));
        check_request(a.remove_line("c1", "l1", Some(4)).unwrap(), Method::Delete, "http://127.0.0.1:8080/v1/carts/c1/lines/l1", None);
        check_request(
            a.list_products(&ProductQuery { category: Some("a&b".into()), search: None, ids: vec!["x".into(), "y z".into()] }).unwrap(),
            Method::Get,
            "http://127.0.0.1:8080/v1/products?category=a%26b&ids=x,y%20z",
            None,
        );
        check_request(ReferenceAdapter::new("").list_stores().unwrap(), Method::Get, "/v1/stores", None);
    }

    #[test]
    fn conditional_writes_carry_if_match() {
        let call = adapter().remove_line("c", "l", Some(7)).unwrap();
        assert!(call.request.headers.contains(&("if-match".into(), "\"7\"".into())));
        let call = adapter().update_line("c", "l", 1, None).unwrap();
        assert!(!call.request.headers.iter().any(|(k, _)| k == "if-match"));
    }

    #[test]
    fn empty_ids_are_refused_before_sending() {
        assert!(matches!(adapter().get_cart(""), Err(ProtocolError::InvalidRequest(_))));
        assert!(matches!(adapter().get_order("o", ""), Err(ProtocolError::InvalidRequest(_))));
    }

    fn check_parse_error(status: u16, body: &str, expected: ProtocolError) {
        let got = adapter().get_cart("c").unwrap().parse(&resp(status, body)).unwrap_err();
        assert_eq!(got, expected, "{status} {body}");
    }

    #[test]
    fn bad_answers_give_clear_errors() {
        check_parse_error(404, r#"{"error":{"code":"not_found","message":"no such cart"}}"#,
            ProtocolError::Api { status: 404, code: "not_found".into(), message: "no such cart".into() });
        check_parse_error(502, "<html>Bad gateway</html>", ProtocolError::Http { status: 502 });
        check_parse_error(500, "", ProtocolError::Http { status: 500 });
        let malformed = |body: &str| adapter().get_cart("c").unwrap().parse(&resp(200, body)).unwrap_err();
        assert!(matches!(malformed("{"), ProtocolError::Malformed { what: "cart", .. }));
        assert!(matches!(malformed("[]"), ProtocolError::Malformed { .. }));
        assert!(matches!(malformed(r#"{"id":"c","version":1,"currency":"EUR","lines":[],"subtotal":{"amount":1.5,"currency":"EUR"},"total":{"amount":0,"currency":"EUR"}}"#), ProtocolError::Malformed { .. }));
    }

    #[test]
    fn parses_a_cart() {
        let body = r#"{"id":"c","version":3,"currency":"EUR","lines":[{"id":"l1","variant_id":"v","product_id":"p","title":"<b>Bag</b>","quantity":2,"unit_price":{"amount":1000,"currency":"EUR"},"line_total":{"amount":2000,"currency":"EUR"},"fulfillment":{"type":"pickup","store_id":"s1"}}],"subtotal":{"amount":2000,"currency":"EUR"},"total":{"amount":2000,"currency":"EUR"}}"#;
        let cart = adapter().get_cart("c").unwrap().parse(&resp(200, body)).unwrap();
        assert_eq!(cart.version, 3);
        assert_eq!(cart.item_count(), 2);
        assert_eq!(cart.lines[0].title, "<b>Bag</b>");
        assert_eq!(cart.lines[0].fulfillment, Fulfillment::Pickup { store_id: "s1".into() });
    }

    #[test]
    fn lists_are_unwrapped() {
        let stores = adapter().list_stores().unwrap().parse(&resp(200, r#"{"stores":[]}"#)).unwrap();
        assert!(stores.is_empty());
        let stock = adapter().variant_stock("v").unwrap().parse(&resp(200, r#"{"variant_id":"v","stock":[{"store_id":"s","variant_id":"v","quantity":4}]}"#)).unwrap();
        assert_eq!((stock.stock[0].quantity, stock.warehouse, stock.low_stock_threshold), (4, 0, 3), "older servers: no warehouse, default threshold");
    }

    #[test]
    fn insufficient_stock_carries_what_is_left() {
        let body = r#"{"error":{"code":"insufficient_stock","message":"not enough stock at Kyiv: 2 left","available":2}}"#;
        let err = adapter().add_line("c", &NewLine { variant_id: "v".into(), quantity: 3, fulfillment: Fulfillment::Pickup { store_id: "kyiv".into() }, bundle: None, allow_transfer: false }).unwrap().parse(&resp(409, body)).unwrap_err();
        assert_eq!(err, ProtocolError::InsufficientStock { available: Some(2), message: "not enough stock at Kyiv: 2 left".into() });
        assert_eq!(err.code(), "insufficient_stock");
        assert!(!err.is_transient());
    }
}
