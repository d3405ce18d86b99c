//! `crosscart-server`: the Crosscart reference commerce API.
//!
//! axum + tokio over an embedded SQLite file ([`db::Db`]). It speaks the
//! reference protocol whose wire types live in
//! `crosscart_core::protocol::reference` and whose OpenAPI description is
//! `openapi.yaml` beside this crate's manifest, and it also serves the demo
//! shop pages and the built browser SDK.

pub mod abandon;
pub mod accounts;
pub mod api;
pub mod handoff;
pub mod limits;
pub mod db;
pub mod error;
pub mod media;
pub mod offers;
pub mod recommend;
pub mod seed;
pub mod sync;

use axum::http::{header, HeaderValue, Method};
use axum::routing::get;
use axum::Router;
use crosscart_core::money::Currency;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

pub use db::Db;

/// The protocol description, served at `/v1/openapi.yaml`.
pub const OPENAPI_YAML: &str = include_str!("../openapi.yaml");

/// Largest request body accepted; carts and checkouts are far smaller.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The Content-Security-Policy of the demo pages: the SDK must work under it.
pub const DEMO_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// The shop's currency; carts are created in it.
    pub currency: Currency,
    /// Bought-together, mined from this shop's orders in the background.
    pub recommender: std::sync::Arc<recommend::Recommender>,
    /// Followers of each cart's changes (Server-Sent Events).
    pub hub: std::sync::Arc<sync::Hub>,
    /// Wrong handoff codes per client, against guessing.
    pub handoff_limiter: std::sync::Arc<handoff::Limiter>,
    /// Wrong passwords per e-mail, against guessing.
    pub sign_in_limiter: std::sync::Arc<accounts::SignInLimiter>,
    /// New carts per client address.
    pub cart_limiter: std::sync::Arc<limits::PerClient>,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// Directory holding `demo/` (pages) and `dist/` (the built SDK); None serves only the API.
    pub www: Option<PathBuf>,
    pub currency: Currency,
    /// New carts one client address may make per minute (`--carts-per-minute`).
    pub carts_per_minute: u32,
}

impl Config {
    /// New carts per client address and minute unless configured: far above
    /// what shoppers behind one address make, far below a flood.
    pub const CARTS_PER_MINUTE: u32 = 60;

    /// Serves only the API, in `currency`, with the default limits.
    pub fn api(currency: Currency) -> Config {
        Config { www: None, currency, carts_per_minute: Config::CARTS_PER_MINUTE }
    }
}

/// The whole application: API, media, demo pages and SDK files. Must be
/// called inside a tokio runtime: it starts the background order miner.
pub fn router(db: Db, config: &Config) -> Router {
    let recommender = std::sync::Arc::new(recommend::Recommender::start(db.clone()));
    abandon::start(db.clone());
    let hub = std::sync::Arc::new(sync::Hub::new(db.clone()));
    let state = AppState { db, currency: config.currency, recommender, hub, handoff_limiter: Default::default(), sign_in_limiter: Default::default(), cart_limiter: std::sync::Arc::new(limits::PerClient::new(config.carts_per_minute)) };
    let api = Router::new()
        .route("/", get(api::info))
        .route("/openapi.yaml", get(api::openapi))
        .route("/products", get(api::list_products))
        .route("/products/{id}", get(api::get_product))
        .route("/variants/{id}/stock", get(api::variant_stock))
        .route("/stores", get(api::list_stores))
        .route("/stores/{id}", get(api::get_store))
        .route("/carts", axum::routing::post(api::create_cart))
        .merge(cart_routes(&state))
        .route("/customers", axum::routing::post(accounts::sign_up))
        .route("/customers/me", get(accounts::me))
        .route("/sessions", axum::routing::post(accounts::sign_in).delete(accounts::sign_out))
        .route("/handoff/{code}/claim", axum::routing::post(handoff::claim))
        .route("/handoff/{code}/qr.svg", get(handoff::qr))
        .route("/orders", axum::routing::post(api::checkout))
        .route("/orders/{id}", get(api::get_order))
        .route("/orders/{id}/offer", get(offers::order_offer))
        .route("/orders/{id}/offer/events", axum::routing::post(offers::offer_event))
        .route("/orders/{id}/offer/accept", axum::routing::post(offers::accept))
        .route("/customers/me/offer", get(offers::my_offer))
        .route("/customers/me/viewed", axum::routing::post(offers::record_viewed))
        .route("/recommendations", get(recommend::recommendations))
        .route("/recommendations/model", get(recommend::model_file))
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
                .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION, header::IF_MATCH, header::IF_NONE_MATCH, header::ACCEPT, "x-order-key".parse().expect("static header name"), "last-event-id".parse().expect("static header name")])
                .expose_headers([header::ETAG]),
        )
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .with_state(state.clone());

    let mut app = Router::new()
        .route("/health", get(api::health))
        .route("/media/{file}", get(media::image))
        .with_state(state)
        .nest("/v1", api);

    if let Some(www) = &config.www {
        app = app
            .nest_service("/sdk", sdk_dir(&www.join("dist")))
            .fallback_service(static_dir(&www.join("demo")));
    }
    app
}

/// Whether a file name carries a content hash (`name.0123456789.ext`, as
/// `cargo xtask build` names everything the loader fetches).
pub fn is_content_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.split('.').rev().nth(1).is_some_and(|h| h.len() == 10 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The built SDK, served as a CDN would: the `.br`/`.gz` files beside each
/// file when the browser accepts them (with `Vary: Accept-Encoding`),
/// content-hashed files cached for a year as immutable, the loader and other
/// stable names revalidated, and CORS so a shop on another origin can load it.
fn sdk_dir(dir: &Path) -> Router {
    async fn caching(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
        let hashed = is_content_hashed(req.uri().path());
        let mut res = next.run(req).await;
        let value = if hashed && res.status().is_success() { "public, max-age=31536000, immutable" } else { "no-cache" };
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
        res
    }
    Router::new()
        .fallback_service(ServeDir::new(dir).precompressed_br().precompressed_gzip())
        .layer(axum::middleware::from_fn(caching))
        .layer(SetResponseHeaderLayer::overriding(header::VARY, HeaderValue::from_static("accept-encoding")))
        .layer(SetResponseHeaderLayer::overriding(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")))
        .layer(SetResponseHeaderLayer::overriding(header::HeaderName::from_static("cross-origin-resource-policy"), HeaderValue::from_static("cross-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
}

/// Everything under `/carts/{id}`: a customer's cart exists only for that customer.
fn cart_routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/carts/{id}", get(api::get_cart))
        .route("/carts/{id}/lines", axum::routing::post(api::add_line))
        .route("/carts/{id}/lines/{line_id}", axum::routing::patch(api::update_line).delete(api::remove_line))
        .route("/carts/{id}/codes", axum::routing::post(api::apply_code))
        .route("/carts/{id}/codes/{code}", axum::routing::delete(api::remove_code))
        .route("/carts/{id}/note", axum::routing::put(api::set_note))
        .route("/carts/{id}/ops", get(sync::get_ops).post(sync::post_ops))
        .route("/carts/{id}/events", get(sync::events))
        .route("/carts/{id}/handoff", axum::routing::post(handoff::create))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), accounts::cart_access))
}

fn static_dir(dir: &Path) -> Router {
    Router::new()
        .fallback_service(ServeDir::new(dir).append_index_html_on_directories(true))
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(DEMO_CSP)))
        // Order keys travel in the thank-you page's URL: never in a Referer.
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
}

/// Connections served at once; beyond, new ones wait in the kernel's
/// backlog until one closes (so file descriptors never run out).
pub const MAX_CONNECTIONS: usize = 4096;
/// A client must send a request's headers within this, and an idle
/// keep-alive connection is closed after it: a half-sent request cannot
/// hold a connection.
pub const HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Binds `addr` and serves until ctrl-c. Prints the bound address first, so a
/// caller that asked for port 0 can learn the real one.
pub async fn serve(addr: SocketAddr, db: Db, config: Config) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    println!("crosscart listening on http://{local}");
    serve_on(listener, router(db, &config), async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}

/// Serves `app` on `listener` until `shutdown` resolves: at most
/// [`MAX_CONNECTIONS`] at once, headers within [`HEADER_READ_TIMEOUT`], the
/// client's address as `ConnectInfo<SocketAddr>`. (The tests serve through
/// this too.)
pub async fn serve_on(listener: tokio::net::TcpListener, app: Router, shutdown: impl std::future::Future<Output = ()>) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use tower::ServiceExt;
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(HEADER_READ_TIMEOUT);
    let builder = std::sync::Arc::new(builder);
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.map_err(std::io::Error::other)?,
            _ = &mut shutdown => return Ok(()),
        };
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors or similar: wait instead of spinning.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => return Ok(()),
        };
        let _ = stream.set_nodelay(true);
        // The client's address reaches the handlers (per-client limits).
        let service = app.clone().layer(axum::Extension(axum::extract::ConnectInfo(remote)));
        let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| service.clone().oneshot(req.map(axum::body::Body::new)));
        let builder = builder.clone();
        tokio::spawn(async move {
            let _ = builder.serve_connection_with_upgrades(TokioIo::new(stream), service).await;
            drop(slot);
        });
    }
}
