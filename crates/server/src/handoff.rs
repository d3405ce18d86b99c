//! Handoff to another channel: a short code (and a QR code rendered here, by
//! the shop's own server) that opens a cart on a phone or at a store counter.
//!
//! Choices: a code is 6 characters from a 31-symbol alphabet without look-alikes
//! (~887 million codes), lives 10 minutes and can be claimed once — a code read
//! aloud or photographed over a shoulder is useless afterwards. The claimer gets
//! the cart and a grant for that one cart, valid 30 minutes (enough to finish at
//! a counter). A customer's cart can be claimed only at a store counter (the
//! clerk completes the order); on the web, the customer signs in instead. Wrong
//! codes (claims and QR lookups) are limited per client address, 20 a minute,
//! against guessing — per client, so a guesser locks out only itself.

use crate::api::{check_id, now_ms, random_hex, ApiJson};
use crate::db;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use crosscart_core::Cart;
use serde::{Deserialize, Serialize};

pub const CODE_TTL_MS: i64 = 10 * 60 * 1000;
pub const GRANT_TTL_MS: i64 = 30 * 60 * 1000;
/// No 0/O, 1/I/L, or U: easy to read aloud and to type.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";
const MAX_FAILED_PER_MINUTE: u32 = 20;

pub use crate::limits::Client;

/// Wrong codes per client address and minute.
pub struct Limiter(crate::limits::PerClient);

impl Default for Limiter {
    fn default() -> Limiter {
        Limiter(crate::limits::PerClient::new(MAX_FAILED_PER_MINUTE))
    }
}

impl Limiter {
    fn check(&self, client: &Client, now: i64) -> Result<(), ApiError> {
        if self.0.exhausted(client, now) {
            return Err(ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", "too many wrong codes; wait a minute and try again"));
        }
        Ok(())
    }
    fn failed(&self, client: &Client, now: i64) {
        self.0.count(client, now)
    }
}

/// A fresh code: 6 symbols from [`ALPHABET`], drawn from the OS generator.
fn new_code() -> String {
    use rand::Rng;
    let mut rng = rand::rngs::OsRng;
    (0..6).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

/// Normalises what a person typed: case, spaces and dashes do not matter.
pub fn normalize_code(typed: &str) -> Option<String> {
    let code: String = typed.chars().filter(|c| !matches!(c, ' ' | '-')).map(|c| c.to_ascii_uppercase()).collect();
    (code.len() == 6 && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

#[derive(Debug, Serialize)]
pub struct Handoff {
    /// Shown as `ABC-DEF`.
    pub code: String,
    pub expires_at: i64,
    /// The server's clock when answering, so a countdown survives clock skew.
    pub now: i64,
    /// Opens the cart on another device (what the QR code encodes).
    pub url: String,
    /// The QR code as SVG, rendered by this server.
    pub qr: String,
}

fn origin(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).filter(|h| h.bytes().all(|b| b.is_ascii_alphanumeric() || b".:-[]".contains(&b))).unwrap_or("127.0.0.1");
    format!("http://{host}")
}

fn display(code: &str) -> String {
    format!("{}-{}", &code[..3], &code[3..])
}

/// `POST /v1/carts/{id}/handoff`: a code for this cart.
pub async fn create(State(st): State<AppState>, Path(id): Path<String>, headers: HeaderMap) -> Result<Response, ApiError> {
    check_id("cart", &id)?;
    let code = new_code();
    let now = now_ms();
    let expires_at = now + CODE_TTL_MS;
    let c = code.clone();
    st.db.run(move |conn| db::create_handoff(conn, &id, &c, now, expires_at)).await?;
    let handoff = Handoff {
        url: format!("{}/handoff.html?code={}", origin(&headers), display(&code)),
        qr: format!("/v1/handoff/{code}/qr.svg"),
        code: display(&code),
        expires_at,
        now,
    };
    let mut resp = (StatusCode::CREATED, Json(handoff)).into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// `GET /v1/handoff/{code}/qr.svg`: the code's link as a QR code (while it is valid).
pub async fn qr(State(st): State<AppState>, client: Client, Path(code): Path<String>, headers: HeaderMap) -> Result<Response, ApiError> {
    // A miss here tells a guesser as much as a wrong claim: the same limit.
    let now = now_ms();
    st.handoff_limiter.check(&client, now)?;
    let Some(code) = normalize_code(code.trim_end_matches(".svg")) else {
        st.handoff_limiter.failed(&client, now);
        return Err(ApiError::not_found("handoff code"));
    };
    let c = code.clone();
    let valid = st.db.run(move |conn| db::handoff_open(conn, &c, now)).await?;
    if !valid {
        st.handoff_limiter.failed(&client, now);
        return Err(ApiError::not_found("handoff code"));
    }
    let url = format!("{}/handoff.html?code={}", origin(&headers), display(&code));
    let svg = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(ApiError::internal)?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    let mut resp = svg.into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml"));
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp.headers_mut().insert("cross-origin-resource-policy", HeaderValue::from_static("cross-origin"));
    Ok(resp)
}

#[derive(Debug, Deserialize)]
pub struct ClaimBody {
    /// `web` (another device) or `store` (a counter).
    #[serde(default = "web")]
    pub channel: String,
}

fn web() -> String {
    "web".into()
}

#[derive(Debug, Serialize)]
pub struct Claimed {
    pub cart_id: String,
    pub cart: Cart,
    /// Send as `Authorization: Handoff <grant>` to use this cart for 30 minutes.
    pub grant: String,
    pub grant_until: i64,
}

/// `POST /v1/handoff/{code}/claim`: once, before it expires.
pub async fn claim(State(st): State<AppState>, client: Client, Path(code): Path<String>, ApiJson(body): ApiJson<ClaimBody>) -> Result<Response, ApiError> {
    let now = now_ms();
    st.handoff_limiter.check(&client, now)?;
    if !matches!(body.channel.as_str(), "web" | "store") {
        return Err(ApiError::unprocessable("invalid_channel", "channel is web or store"));
    }
    let Some(code) = normalize_code(&code) else {
        st.handoff_limiter.failed(&client, now);
        return Err(ApiError::not_found("handoff code"));
    };
    let grant = random_hex(32);
    let g = grant.clone();
    let result = st.db.run(move |conn| db::claim_handoff(conn, &code, &body.channel, &g, now, GRANT_TTL_MS)).await;
    match result {
        Ok((cart, grant_until)) => {
            let mut resp = Json(Claimed { cart_id: cart.id.clone(), cart, grant, grant_until }).into_response();
            resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(resp)
        }
        Err(e) => {
            if e.status == StatusCode::NOT_FOUND {
                st.handoff_limiter.failed(&client, now);
            }
            Err(e)
        }
    }
}
