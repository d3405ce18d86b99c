//! Shared by the HTTP test files: a real server on loopback over a real
//! SQLite file, requests, and the check of every answer against openapi.yaml.
#![allow(dead_code)]

use crosscart_core::Currency;
use crosscart_server::{seed, Config, Db};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// Test servers let one address make many carts (the suites make hundreds a
/// minute from loopback); `abuse.rs` checks the real default.
pub const TEST_CARTS_PER_MINUTE: u32 = 100_000;

pub struct Server {
    pub base: String,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    pub async fn start(db_path: &Path) -> Server {
        Self::start_with(db_path, |_| Ok(())).await
    }

    /// Seeds the demo shop, then lets `setup` change it before serving.
    pub async fn start_with(db_path: &Path, setup: impl FnOnce(&mut rusqlite::Connection) -> Result<(), crosscart_server::error::ApiError> + Send + 'static) -> Server {
        Self::start_configured(db_path, setup, Config { carts_per_minute: TEST_CARTS_PER_MINUTE, ..Config::api(Currency::EUR) }).await
    }

    /// The demo shop changed by `setup`, served with `config`.
    pub async fn start_configured(db_path: &Path, setup: impl FnOnce(&mut rusqlite::Connection) -> Result<(), crosscart_server::error::ApiError> + Send + 'static, config: Config) -> Server {
        let db = Db::open(db_path).expect("open db");
        db.run(|c| seed::seed_demo(c, 1_790_000_000_000, 1)).await.expect("seed");
        db.run(setup).await.expect("setup");
        let hostile = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/hostile-catalog.json")).unwrap();
        db.run(move |c| seed::import_products(c, &hostile)).await.expect("import");
        let app = crosscart_server::router(db, &config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            crosscart_server::serve_on(listener, app, std::future::pending()).await.unwrap();
        });
        Server { base, task }
    }
    /// The demo shop, with these stores holding these units of these variants.
    pub async fn with_store_stock(db_path: &Path, stock: &'static [(&'static str, &'static str, u32)]) -> Server {
        Self::start_with(db_path, move |c| {
            let tx = crosscart_server::db::write_tx(c)?;
            for (store, variant, units) in stock {
                crosscart_server::db::set_stock(&tx, store, variant, *units)?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub fn temp_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.db");
    (dir, path)
}

/// Validates `value` against `#/components/schemas/{schema}` of openapi.yaml.
pub fn assert_schema(schema: &str, value: &Value) {
    let spec: Value = serde_yaml::from_str(crosscart_server::OPENAPI_YAML).expect("openapi.yaml parses");
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/components/schemas/{schema}"),
        "components": spec["components"],
    });
    let validator = jsonschema::validator_for(&root).expect("schema compiles");
    let errors: Vec<String> = validator.iter_errors(value).map(|e| format!("{} at {}", e, e.instance_path)).collect();
    assert!(errors.is_empty(), "{schema} does not match openapi.yaml: {errors:#?}\n{value:#}");
}

pub async fn send(method: reqwest::Method, url: &str, body: Option<Value>, headers: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new().request(method, url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status();
    let text = resp.text().await.unwrap();
    // 204 No Content has no body; anything else must be JSON.
    let value = if status == StatusCode::NO_CONTENT && text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or_else(|e| panic!("{url}: not JSON ({e}): {text}")) };
    if status.is_client_error() || status.is_server_error() {
        assert_schema("Error", &value);
    }
    (status, value)
}

pub async fn get(url: &str) -> (StatusCode, Value) {
    send(reqwest::Method::GET, url, None, &[]).await
}

pub async fn post(url: &str, body: Value) -> (StatusCode, Value) {
    send(reqwest::Method::POST, url, Some(body), &[]).await
}

pub async fn new_cart(s: &Server) -> Value {
    let (status, cart) = post(&s.url("/v1/carts"), json!({})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_schema("Cart", &cart);
    cart
}

pub fn error_code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

/// `send` as a signed-in customer (`Authorization: Bearer`), or anonymously.
pub async fn auth(method: reqwest::Method, url: &str, token: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
    let header = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = header.as_deref().map(|h| vec![("authorization", h)]).unwrap_or_default();
    send(method, url, body, &headers).await
}

/// Units of `variant` in a cart answer, over all its lines.
pub fn quantity(cart: &Value, variant: &str) -> u64 {
    cart["lines"].as_array().unwrap().iter().filter(|l| l["variant_id"] == variant).map(|l| l["quantity"].as_u64().unwrap()).sum()
}

/// Carries out a core `Call` with a native HTTP client (headers included), as
/// the browser's `fetch` edge does.
pub async fn execute<T>(call: crosscart_core::protocol::Call<T>) -> Result<T, crosscart_core::protocol::ProtocolError> {
    use crosscart_core::protocol::{HttpResponse, Method, ProtocolError};
    let (req, parse) = call.into_parts();
    let method = match req.method {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Patch => reqwest::Method::PATCH,
        Method::Put => reqwest::Method::PUT,
        Method::Delete => reqwest::Method::DELETE,
    };
    let mut builder = reqwest::Client::new().request(method, &req.url);
    for (k, v) in &req.headers {
        builder = builder.header(k, v);
    }
    if let Some(body) = req.body {
        builder = builder.body(body);
    }
    let resp = builder.send().await.map_err(|e| ProtocolError::Network(e.to_string()))?;
    let status = resp.status().as_u16();
    let headers = resp.headers().iter().map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned())).collect();
    let body = resp.bytes().await.map_err(|e| ProtocolError::Network(e.to_string()))?.to_vec();
    parse(&HttpResponse { status, body, headers })
}
