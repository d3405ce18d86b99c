//! Demo customer accounts: sign up, sign in (Argon2id), sign out, and which
//! carts a request may touch. A customer's open cart follows them to every
//! device that signs in; a guest cart merges into it on sign-in. A cart that
//! belongs to a customer answers only requests carrying that customer's
//! session token — to anyone else it does not exist (404, as an unknown id).
//! SQL is in `db.rs`.

use crate::api::{check_email, check_id, check_name, now_ms, random_hex, ApiJson};
use crate::db;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A session lasts 30 days.
pub const SESSION_MS: i64 = 30 * 24 * 60 * 60 * 1000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub id: String,
    pub email: String,
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub struct SignUp {
    pub email: String,
    pub password: String,
    #[serde(default)]
    pub name: String,
    /// The guest cart to keep as the customer's cart.
    #[serde(default)]
    pub cart_id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct SignIn {
    pub email: String,
    pub password: String,
    /// The guest cart to merge into the customer's cart.
    #[serde(default)]
    pub cart_id: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Session {
    pub customer: Customer,
    /// Bearer token for `Authorization: Bearer …` (shown only here).
    pub token: String,
    /// The customer's open cart after sign-in (with the guest cart merged), if any.
    pub cart_id: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Me {
    pub customer: Customer,
    pub cart_id: Option<String>,
}

fn check_password(password: &str) -> Result<(), ApiError> {
    if password.chars().count() < 8 || password.len() > 256 {
        return Err(ApiError::unprocessable("weak_password", "use a password of 8 to 256 characters"));
    }
    Ok(())
}

/// The session token a request carries (`Authorization: Bearer …`, or
/// `?token=` for `EventSource`, which cannot set headers).
pub fn bearer(headers: &HeaderMap, query: &HashMap<String, String>) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned())
        .or_else(|| query.get("token").cloned())
        .filter(|t| !t.is_empty() && t.len() <= 128)
}

fn session_answer(status: StatusCode, session: Session) -> Response {
    let mut resp = (status, Json(session)).into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// `POST /v1/customers`: a new account, signed in; a guest cart becomes theirs.
pub async fn sign_up(State(st): State<AppState>, ApiJson(body): ApiJson<SignUp>) -> Result<Response, ApiError> {
    let email = body.email.trim().to_owned();
    check_email(&email)?;
    check_password(&body.password)?;
    check_name(&body.name)?;
    let hash = passwords::hash(body.password.clone()).await?;
    let (id, token) = (random_hex(12), random_hex(32));
    let session = st
        .db
        .run(move |c| {
            let customer = db::create_customer(c, &id, &email, &body.name, &hash, now_ms())?;
            let cart_id = db::start_session(c, &customer.id, &token, body.cart_id.as_deref(), now_ms(), SESSION_MS)?;
            Ok(Session { customer, token, cart_id })
        })
        .await?;
    Ok(session_answer(StatusCode::CREATED, session))
}

/// `POST /v1/sessions`: sign in; the guest cart merges into the customer's cart.
/// The password is checked outside the database lock (`passwords`), and an
/// e-mail with too many wrong passwords is refused for a while.
pub async fn sign_in(State(st): State<AppState>, ApiJson(body): ApiJson<SignIn>) -> Result<Response, ApiError> {
    let wrong = || ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", "the e-mail or the password is wrong");
    if body.email.len() > 254 || body.password.len() > 256 {
        return Err(wrong());
    }
    let email = body.email.trim().to_lowercase();
    st.sign_in_limiter.check(&email, now_ms())?;
    let lookup = body.email.trim().to_owned();
    let found = st.db.run(move |c| db::customer_credentials(c, &lookup)).await?;
    // An unknown e-mail costs the same hash as a known one, so timing tells nothing.
    let (customer, hash) = match found {
        Some((customer, hash)) => (Some(customer), hash),
        None => (None, passwords::DUMMY.to_owned()),
    };
    let matches = passwords::verify(body.password.clone(), hash).await?;
    let Some(customer) = customer.filter(|_| matches) else {
        st.sign_in_limiter.failed(&email, now_ms());
        return Err(wrong());
    };
    let token = random_hex(32);
    let merged_from = body.cart_id.clone();
    let session = st
        .db
        .run(move |c| {
            let cart_id = db::start_session(c, &customer.id, &token, body.cart_id.as_deref(), now_ms(), SESSION_MS)?;
            Ok(Session { customer, token, cart_id })
        })
        .await?;
    // Followers of the guest cart learn it was merged (it is closed now); the customer's cart changed.
    for id in merged_from.iter().chain(session.cart_id.iter()) {
        st.hub.notify(id);
    }
    Ok(session_answer(StatusCode::OK, session))
}

/// Argon2id off the async workers and outside any shared lock, on a few
/// threads of its own (half the cores, at least one): each hash takes about
/// 19 MiB, and the allocator keeps that per thread, so a fixed pool keeps
/// memory fixed and leaves the other cores to the shop. At most [`passwords::QUEUE`]
/// are queued; a request that finds the queue full for a second is refused
/// (503 `busy`).
pub mod passwords {
    use crate::error::ApiError;
    use axum::http::StatusCode;
    use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
    use std::sync::{Mutex, OnceLock};

    pub const QUEUE: usize = 16;

    type Job = Box<dyn FnOnce() + Send>;

    /// A valid hash of nothing anyone knows, verified for unknown e-mails.
    pub const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$5UczYQ4jZ1B8cYBbXXqxBk3d5kLLWaTfRcMCv0i1I5M";

    fn pool() -> &'static SyncSender<Job> {
        static POOL: OnceLock<SyncSender<Job>> = OnceLock::new();
        POOL.get_or_init(|| {
            let (tx, rx) = sync_channel::<Job>(QUEUE);
            let rx = std::sync::Arc::new(Mutex::new(rx));
            let threads = std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1));
            for i in 0..threads {
                let rx = rx.clone();
                std::thread::Builder::new()
                    .name(format!("password-hashing-{i}"))
                    .spawn(move || loop {
                        let job = rx.lock().unwrap_or_else(std::sync::PoisonError::into_inner).recv();
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    })
                    .expect("start a password hashing thread");
            }
            tx
        })
    }

    async fn bounded<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(work());
        });
        // A full queue is waited on for up to a second (a waiting request
        // costs no thread and no hashing memory) before the answer is `busy`:
        // a client that floods gets its answers slowly, not at once.
        let mut job = job;
        for attempt in 0.. {
            match pool().try_send(job) {
                Ok(()) => break,
                Err(TrySendError::Full(back)) if attempt < 20 => {
                    job = back;
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                Err(TrySendError::Full(_)) => return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", "too many sign-ins at once; try again in a moment")),
                Err(TrySendError::Disconnected(_)) => return Err(ApiError::internal("password hashing stopped")),
            }
        }
        rx.await.map_err(|_| ApiError::internal("password hashing failed"))
    }

    /// An Argon2id hash (PHC string) of `password` with a fresh random salt.
    pub async fn hash(password: String) -> Result<String, ApiError> {
        bounded(move || {
            use argon2::password_hash::{PasswordHasher, SaltString};
            let mut salt = [0u8; 16];
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut salt);
            let salt = SaltString::encode_b64(&salt).map_err(ApiError::internal)?;
            Ok(argon2::Argon2::default().hash_password(password.as_bytes(), &salt).map_err(ApiError::internal)?.to_string())
        })
        .await?
    }

    /// Whether `password` matches the stored `hash`.
    pub async fn verify(password: String, hash: String) -> Result<bool, ApiError> {
        bounded(move || {
            use argon2::password_hash::{PasswordHash, PasswordVerifier};
            PasswordHash::new(&hash).is_ok_and(|h| argon2::Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
        })
        .await
    }
}

/// Wrong passwords per e-mail: after [`SignInLimiter::MAX_FAILURES`] in a
/// window, sign-in for that e-mail is refused (429) until the window ends.
#[derive(Default)]
pub struct SignInLimiter {
    failures: std::sync::Mutex<HashMap<String, (u32, i64)>>,
}

impl SignInLimiter {
    pub const MAX_FAILURES: u32 = 10;
    pub const WINDOW_MS: i64 = 15 * 60 * 1000;
    /// E-mails tracked at most (the oldest windows are dropped first).
    const MAX_TRACKED: usize = 100_000;

    pub fn check(&self, email: &str, now: i64) -> Result<(), ApiError> {
        let map = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match map.get(email) {
            Some(&(n, since)) if n >= Self::MAX_FAILURES && now - since < Self::WINDOW_MS => {
                Err(ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", "too many wrong passwords for this e-mail; wait 15 minutes and try again"))
            }
            _ => Ok(()),
        }
    }

    pub fn failed(&self, email: &str, now: i64) {
        let mut map = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= Self::MAX_TRACKED {
            map.retain(|_, (_, since)| now - *since < Self::WINDOW_MS);
        }
        if map.len() < Self::MAX_TRACKED || map.contains_key(email) {
            let entry = map.entry(email.to_owned()).or_insert((0, now));
            if now - entry.1 >= Self::WINDOW_MS {
                *entry = (0, now);
            }
            entry.0 += 1;
        }
    }
}

/// `DELETE /v1/sessions`: sign out (this token only).
pub async fn sign_out(State(st): State<AppState>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Result<StatusCode, ApiError> {
    if let Some(token) = bearer(&headers, &q) {
        st.db.run(move |c| db::end_session(c, &token)).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/customers/me`: who is signed in, and their open cart.
pub async fn me(State(st): State<AppState>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Result<Json<Me>, ApiError> {
    let token = bearer(&headers, &q).ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "signed_out", "sign in first"))?;
    let me = st
        .db
        .run(move |c| {
            let customer = db::session_customer(c, &token, now_ms())?.ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "signed_out", "your session ended; sign in again"))?;
            let cart_id = db::customer_open_cart(c, &customer.id)?;
            Ok(Me { customer, cart_id })
        })
        .await?;
    Ok(Json(me))
}

/// What a request presents for a cart: a customer's session token and/or a
/// handoff grant (`Authorization: Handoff …` or `?grant=`).
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    pub token: Option<String>,
    pub grant: Option<String>,
}

impl Credentials {
    pub fn from(headers: &HeaderMap, query: &HashMap<String, String>) -> Credentials {
        let grant = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Handoff "))
            .map(|t| t.trim().to_owned())
            .or_else(|| query.get("grant").cloned())
            .filter(|t| !t.is_empty() && t.len() <= 128);
        Credentials { token: bearer(headers, query), grant }
    }
}

/// Route layer for `/carts/{id}…`: a cart that belongs to a customer exists
/// only for requests with that customer's session (or a handoff grant for it).
pub async fn cart_access(State(st): State<AppState>, Path(params): Path<HashMap<String, String>>, Query(q): Query<HashMap<String, String>>, request: Request, next: Next) -> Result<Response, ApiError> {
    if let Some(id) = params.get("id") {
        let id = check_id("cart", id)?.to_owned();
        let creds = Credentials::from(request.headers(), &q);
        st.db.run(move |c| authorize_cart(c, &id, &creds)).await?;
    }
    Ok(next.run(request).await)
}

/// Whether a request with `creds` may use cart `cart_id` (unknown carts pass:
/// the handler answers 404 itself).
pub fn authorize_cart(conn: &rusqlite::Connection, cart_id: &str, creds: &Credentials) -> Result<(), ApiError> {
    let Some(owner) = db::cart_owner(conn, cart_id)? else { return Ok(()) };
    let customer = match &creds.token {
        Some(t) => db::session_customer(conn, t, now_ms())?,
        None => None,
    };
    let granted = match &creds.grant {
        Some(g) => db::grant_allows(conn, cart_id, g, now_ms())?,
        None => false,
    };
    if granted || customer.is_some_and(|c| c.id == owner) {
        Ok(())
    } else {
        Err(ApiError::not_found("cart"))
    }
}
