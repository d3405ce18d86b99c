//! HTTP handlers of the reference protocol (`/v1/...`).

use crate::db::{self, AddLine};
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use crosscart_core::cart::{self, Cart, Fulfillment};
use crosscart_core::protocol::reference::{AddLineBody, CodeBody, CreateCartBody, NoteBody, ProductList, ServiceInfo, StockList, StoreList, UpdateLineBody, PROTOCOL_VERSION};
use crosscart_core::protocol::{CheckoutRequest, CommerceAdapter};
use serde::de::DeserializeOwned;
use std::collections::HashMap;

/// Longest id accepted in a path; anything longer cannot exist.
const MAX_ID_LEN: usize = 128;

/// `Json<T>` whose rejections are answered in the protocol's error shape.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rej) => {
                let status = rej.status();
                let code = match status {
                    StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
                    StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
                    StatusCode::UNPROCESSABLE_ENTITY => "invalid_body",
                    _ => "malformed_json",
                };
                Err(ApiError::new(status, code, rej.body_text()))
            }
        }
    }
}

/// A JSON body that may be left out: empty means `T::default()`.
/// A JSON body that may be left out (then `T::default()`); a body over the
/// limit or unreadable is refused in the API's error shape, like [`ApiJson`].
pub struct OptionalJson<T>(pub T);

impl<S: Send + Sync, T: Default + DeserializeOwned> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let body = axum::body::Bytes::from_request(req, state).await.map_err(|rej| {
            let code = if rej.status() == StatusCode::PAYLOAD_TOO_LARGE { "body_too_large" } else { "unreadable_body" };
            ApiError::new(rej.status(), code, rej.body_text())
        })?;
        optional_json(&body).map(OptionalJson)
    }
}

pub fn optional_json<T: Default + DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        Ok(T::default())
    } else {
        serde_json::from_slice(body).map_err(|e| ApiError::bad_request("malformed_json", format!("request body: {e}")))
    }
}

pub fn check_id<'a>(what: &str, id: &'a str) -> Result<&'a str, ApiError> {
    if id.is_empty() || id.len() > MAX_ID_LEN {
        return Err(ApiError::not_found(what));
    }
    Ok(id)
}

/// An e-mail address a shop can write to: `name@domain.tld`, no spaces, at most 254 bytes.
pub fn check_email(email: &str) -> Result<(), ApiError> {
    let email = email.trim();
    let ok = email.len() <= 254
        && !email.contains(|c: char| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.'));
    if ok { Ok(()) } else { Err(ApiError::unprocessable("invalid_email", "enter an e-mail address like name@example.com")) }
}

/// A person's name as given at checkout or sign-up: at most 200 bytes.
pub fn check_name(name: &str) -> Result<(), ApiError> {
    if name.len() > 200 { Err(ApiError::unprocessable("invalid_name", "the name is limited to 200 bytes")) } else { Ok(()) }
}

/// Milliseconds since the Unix epoch (the native build's clock; core takes time as an argument).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// `bytes` random bytes from the OS-seeded generator, as lower-case hex.
pub fn random_hex(bytes: usize) -> String {
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn cart_response(status: StatusCode, cart: Cart) -> Response {
    let mut resp = (status, Json(&cart)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", cart.version)) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// Reads `If-Match: "7"` (or `W/"7"`); absent means an unconditional write.
fn expected_version(headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    let Some(v) = headers.get(header::IF_MATCH) else { return Ok(None) };
    let s = v.to_str().unwrap_or("").trim();
    if s == "*" {
        return Ok(None);
    }
    s.trim_start_matches("W/")
        .trim_matches('"')
        .parse::<u64>()
        .map(Some)
        .map_err(|_| ApiError::bad_request("bad_if_match", "If-Match must be a cart version in quotes, e.g. \"3\""))
}

pub async fn health(State(st): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    st.db.run(|c| Ok(c.query_row("SELECT 1", [], |_| Ok(()))?)).await?;
    Ok(Json(serde_json::json!({ "status": "ok", "database": "ok" })))
}

pub async fn info() -> Json<ServiceInfo> {
    let caps = crosscart_core::protocol::reference::ReferenceAdapter::new("").capabilities();
    Json(ServiceInfo { protocol: PROTOCOL_VERSION.into(), capabilities: caps })
}

pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/yaml; charset=utf-8")], crate::OPENAPI_YAML)
}

pub async fn list_products(State(st): State<AppState>, Query(q): Query<HashMap<String, String>>) -> Result<Json<ProductList>, ApiError> {
    let category = q.get("category").cloned();
    let search = q.get("q").cloned();
    if search.as_ref().is_some_and(|s| s.len() > 200) || category.as_ref().is_some_and(|s| s.len() > 200) {
        return Err(ApiError::bad_request("query_too_long", "search text is limited to 200 bytes"));
    }
    let ids = product_ids_param(q.get("ids"))?;
    let products = st.db.run(move |c| db::list_products(c, category.as_deref(), search.as_deref(), &ids)).await?;
    Ok(Json(ProductList { products }))
}

/// A comma-separated list of at most 100 ids from a query parameter.
pub fn product_ids_param(raw: Option<&String>) -> Result<Vec<String>, ApiError> {
    let ids: Vec<String> = raw.map(|s| s.split(',').filter(|i| !i.is_empty()).map(str::to_owned).collect()).unwrap_or_default();
    if ids.len() > 100 || ids.iter().any(|i| i.len() > MAX_ID_LEN) {
        return Err(ApiError::bad_request("too_many_ids", "at most 100 ids of at most 128 bytes per request"));
    }
    Ok(ids)
}

pub async fn get_product(State(st): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    check_id("product", &id)?;
    let p = st.db.run(move |c| db::get_product(c, &id)).await?.ok_or_else(|| ApiError::not_found("product"))?;
    Ok(Json(p).into_response())
}

pub async fn variant_stock(State(st): State<AppState>, Path(id): Path<String>) -> Result<Json<StockList>, ApiError> {
    check_id("variant", &id)?;
    let stock = st
        .db
        .run(move |c| {
            if !db::variant_exists(c, &id)? {
                return Err(ApiError::not_found("variant"));
            }
            db::variant_stock(c, &id, now_ms())
        })
        .await?;
    Ok(Json(stock))
}

pub async fn list_stores(State(st): State<AppState>) -> Result<Json<StoreList>, ApiError> {
    Ok(Json(StoreList { stores: st.db.run(|c| db::list_stores(c)).await? }))
}

pub async fn get_store(State(st): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let stores = st.db.run(|c| db::list_stores(c)).await?;
    let store = stores.into_iter().find(|s| s.id == id).ok_or_else(|| ApiError::not_found("store"))?;
    Ok(Json(store).into_response())
}

pub async fn create_cart(State(st): State<AppState>, client: crate::limits::Client, headers: HeaderMap, Query(q): Query<HashMap<String, String>>, OptionalJson(body): OptionalJson<CreateCartBody>) -> Result<Response, ApiError> {
    if st.cart_limiter.exhausted(&client, now_ms()) {
        return Err(ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_carts", "too many new carts from this address; wait a minute and try again"));
    }
    // The body is optional: an empty POST creates a cart in the shop's currency.
    let currency = body.currency.unwrap_or(st.currency);
    if currency != st.currency {
        return Err(ApiError::unprocessable("unsupported_currency", format!("this shop sells in {}", st.currency)));
    }
    let id = random_hex(16);
    // A signed-in customer's new cart is theirs (and follows them to their other devices).
    let token = crate::accounts::bearer(&headers, &q);
    let cart = st
        .db
        .run(move |c| {
            let owner = match token {
                Some(t) => db::session_customer(c, &t, now_ms())?,
                None => None,
            };
            let cart = db::create_cart(c, &id, currency, now_ms())?;
            if let Some(o) = owner {
                db::set_cart_owner(c, &cart.id, &o.id)?;
            }
            Ok(cart)
        })
        .await?;
    st.cart_limiter.count(&client, now_ms());
    Ok(cart_response(StatusCode::CREATED, cart))
}

pub async fn get_cart(State(st): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    check_id("cart", &id)?;
    let cart = st.db.run(move |c| db::load_cart(c, &id)).await?;
    Ok(cart_response(StatusCode::OK, cart))
}

pub async fn add_line(State(st): State<AppState>, Path(id): Path<String>, ApiJson(body): ApiJson<AddLineBody>) -> Result<Response, ApiError> {
    check_id("cart", &id)?;
    let quantity = cart::validate_quantity(body.quantity)?;
    if body.variant_id.is_empty() || body.variant_id.len() > MAX_ID_LEN {
        return Err(ApiError::unprocessable("unknown_variant", "no such product variant"));
    }
    if body.bundle.as_deref().is_some_and(|b| !cart::valid_bundle_tag(b)) {
        return Err(ApiError::unprocessable("invalid_bundle", "a bundle tag is 1 to 64 letters, digits, '-' or '_'"));
    }
    // The bundle discount is for what this shop's orders pair: a line joins
    // a bundle only if its product was mined together with one already in
    // it; otherwise it is added at full price, untagged.
    let mut body = body;
    if let Some(tag) = body.bundle.clone() {
        let (cart_id, variant) = (id.clone(), body.variant_id.clone());
        let (product, mates) = st.db.run(move |c| db::bundle_mates(c, &cart_id, &variant, &tag)).await?;
        if !mates.is_empty() && !product.as_deref().is_some_and(|p| mates.iter().any(|m| st.recommender.bought_together(p, m))) {
            body.bundle = None;
        }
    }
    let cart = st
        .db
        .run(move |c| {
            let pickup = match &body.fulfillment {
                Fulfillment::Pickup { store_id } => Some(store_id.as_str()),
                Fulfillment::Delivery => None,
            };
            let add = AddLine { variant_id: &body.variant_id, quantity, pickup_store_id: pickup, bundle: body.bundle.as_deref(), new_line_id: random_hex(8), allow_transfer: body.allow_transfer };
            db::add_line(c, &id, add, now_ms())
        })
        .await?;
    st.hub.notify(&cart.id);
    Ok(cart_response(StatusCode::OK, cart))
}

pub async fn update_line(
    State(st): State<AppState>,
    Path((id, line_id)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<UpdateLineBody>,
) -> Result<Response, ApiError> {
    check_id("cart", &id)?;
    check_id("cart line", &line_id)?;
    let expected = expected_version(&headers)?;
    // 0 removes the line, as in the other major cart APIs; anything else must be a valid quantity.
    let quantity = if body.quantity == 0 { 0 } else { cart::validate_quantity(body.quantity)? };
    let cart = st.db.run(move |c| db::set_line_quantity(c, &id, &line_id, quantity, expected, now_ms())).await?;
    st.hub.notify(&cart.id);
    Ok(cart_response(StatusCode::OK, cart))
}

pub async fn remove_line(State(st): State<AppState>, Path((id, line_id)): Path<(String, String)>, headers: HeaderMap) -> Result<Response, ApiError> {
    check_id("cart", &id)?;
    check_id("cart line", &line_id)?;
    let expected = expected_version(&headers)?;
    let cart = st.db.run(move |c| db::set_line_quantity(c, &id, &line_id, 0, expected, now_ms())).await?;
    st.hub.notify(&cart.id);
    Ok(cart_response(StatusCode::OK, cart))
}

/// `POST /v1/carts/{id}/codes`: applies a discount code, or says why not (422 `code_…`).
pub async fn apply_code(State(st): State<AppState>, Path(id): Path<String>, ApiJson(body): ApiJson<CodeBody>) -> Result<Response, ApiError> {
    check_id("cart", &id)?;
    let cart = st.db.run(move |c| db::apply_code(c, &id, &body.code, now_ms())).await?;
    st.hub.notify(&cart.id);
    Ok(cart_response(StatusCode::OK, cart))
}

/// `DELETE /v1/carts/{id}/codes/{code}`.
pub async fn remove_code(State(st): State<AppState>, Path((id, code)): Path<(String, String)>) -> Result<Response, ApiError> {
    check_id("cart", &id)?;
    check_id("code in this cart", &code)?;
    let cart = st.db.run(move |c| db::remove_code(c, &id, &code, now_ms())).await?;
    st.hub.notify(&cart.id);
    Ok(cart_response(StatusCode::OK, cart))
}

/// `PUT /v1/carts/{id}/note`: the customer's note (empty clears it).
pub async fn set_note(State(st): State<AppState>, Path(id): Path<String>, ApiJson(body): ApiJson<NoteBody>) -> Result<Response, ApiError> {
    check_id("cart", &id)?;
    let note = cart::validate_note(&body.note)?;
    let cart = st.db.run(move |c| db::set_note(c, &id, &note, now_ms())).await?;
    st.hub.notify(&cart.id);
    Ok(cart_response(StatusCode::OK, cart))
}

pub async fn checkout(State(st): State<AppState>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>, ApiJson(req): ApiJson<CheckoutRequest>) -> Result<Response, ApiError> {
    check_id("cart", &req.cart_id)?;
    check_email(&req.email)?;
    check_name(&req.name)?;
    let (order_id, key) = (random_hex(12), random_hex(16));
    let cart_id = req.cart_id.clone();
    let creds = crate::accounts::Credentials::from(&headers, &q);
    let order = st
        .db
        .run(move |c| {
            crate::accounts::authorize_cart(c, &req.cart_id, &creds)?;
            db::checkout(c, &req, &order_id, &key, now_ms())
        })
        .await?;
    st.hub.notify(&cart_id);
    st.recommender.orders_changed();
    let mut resp = (StatusCode::CREATED, Json(order)).into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

pub async fn get_order(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    check_id("order", &id)?;
    let key = headers
        .get("x-order-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| q.get("key").cloned())
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "order_key_required", "send the order key in the X-Order-Key header"))?;
    let order = st.db.run(move |c| db::get_order(c, &id, &key)).await?;
    let mut resp = Json(order).into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

pub async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "no_route", "no such endpoint")
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this endpoint does not accept that method")
}
