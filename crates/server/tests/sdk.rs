//! `/sdk/`: the built SDK served as a CDN would, over HTTP on loopback —
//! precompressed files by Accept-Encoding, content-hashed names cached as
//! immutable, the loader revalidated, CORS and CORP so another origin can load it.

use crosscart_core::Currency;
use crosscart_server::{Config, Db};
use reqwest::header::{HeaderMap, ACCEPT_ENCODING};
use std::path::Path;

const WASM: &[u8] = b"\0asm\x01\0\0\0 the raw module";
const WASM_BR: &[u8] = b"brotli bytes";
const WASM_GZ: &[u8] = b"gzip bytes";

fn write(dir: &Path, name: &str, data: &[u8]) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, data).unwrap();
}

async fn fetch(base: &str, path: &str, accept: Option<&str>) -> (u16, HeaderMap, Vec<u8>) {
    let mut req = reqwest::Client::new().get(format!("{base}{path}"));
    if let Some(a) = accept {
        req = req.header(ACCEPT_ENCODING, a);
    }
    let res = req.send().await.unwrap();
    let (status, headers) = (res.status().as_u16(), res.headers().clone());
    (status, headers, res.bytes().await.unwrap().to_vec())
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name).map_or("", |v| v.to_str().unwrap())
}

#[tokio::test]
async fn the_sdk_is_served_compressed_cached_and_shareable() {
    let www = tempfile::tempdir().unwrap();
    let dist = www.path().join("dist");
    let hashed = "crosscart/split_cart.0123abcdef.wasm";
    write(&dist, hashed, WASM);
    write(&dist, &format!("{hashed}.br"), WASM_BR);
    write(&dist, &format!("{hashed}.gz"), WASM_GZ);
    write(&dist, "crosscart.js", b"export const loader = 1;");
    write(&dist, "crosscart.js.br", b"brotli loader");
    std::fs::create_dir_all(www.path().join("demo")).unwrap();
    let db_dir = tempfile::tempdir().unwrap();
    let db = Db::open(&db_dir.path().join("shop.db")).unwrap();
    let app = crosscart_server::router(db, &Config { www: Some(www.path().to_owned()), ..Config::api(Currency::EUR) });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { crosscart_server::serve_on(listener, app, std::future::pending()).await.unwrap() });
    let path = format!("/sdk/{hashed}");

    // Brotli when the browser takes it, gzip when only that, the plain file otherwise.
    let (status, h, body) = fetch(&base, &path, Some("gzip, deflate, br, zstd")).await;
    assert_eq!((status, body.as_slice()), (200, WASM_BR));
    assert_eq!(header(&h, "content-encoding"), "br");
    assert_eq!(header(&h, "content-type"), "application/wasm", "streaming compilation needs the real type");
    let (_, h, body) = fetch(&base, &path, Some("gzip")).await;
    assert_eq!((header(&h, "content-encoding"), body.as_slice()), ("gzip", WASM_GZ));
    let (_, h, body) = fetch(&base, &path, None).await;
    assert_eq!((header(&h, "content-encoding"), body.as_slice()), ("", WASM));
    assert_eq!(header(&h, "content-type"), "application/wasm");

    // Content-hashed: a year, immutable; shared caches keep one copy per encoding; any origin may load it.
    assert_eq!(header(&h, "cache-control"), "public, max-age=31536000, immutable");
    assert!(header(&h, "vary").to_ascii_lowercase().contains("accept-encoding"));
    assert_eq!(header(&h, "access-control-allow-origin"), "*");
    assert_eq!(header(&h, "cross-origin-resource-policy"), "cross-origin");
    assert_eq!(header(&h, "x-content-type-options"), "nosniff");

    // The loader keeps its name, so it is revalidated; served brotli too.
    let (status, h, body) = fetch(&base, "/sdk/crosscart.js", Some("br")).await;
    assert_eq!((status, body.as_slice()), (200, b"brotli loader".as_slice()));
    assert_eq!(header(&h, "cache-control"), "no-cache");
    assert!(header(&h, "content-type").contains("javascript"));

    // A missing file is a 404 that no cache keeps for a year; no way out of dist/.
    let (status, h, _) = fetch(&base, "/sdk/crosscart/split_cart.fedcba9876.wasm", Some("br")).await;
    assert_eq!(status, 404);
    assert_eq!(header(&h, "cache-control"), "no-cache");
    let (status, _, _) = fetch(&base, "/sdk/../demo/index.html", None).await;
    assert_ne!(status, 200);
    let (status, _, _) = fetch(&base, "/sdk/%2e%2e/%2e%2e/Cargo.toml", None).await;
    assert_eq!(status, 404);
    server.abort();
}
