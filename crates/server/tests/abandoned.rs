//! Abandoned carts: with a short limit and a webhook receiver on loopback, an
//! idle cart is reported once per idle period, and delivery is retried until
//! the webhook accepts it.

mod common;

use axum::http::StatusCode as AxumStatus;
use common::*;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A webhook receiver that refuses its first call (503) and records the rest.
async fn receiver() -> (String, Arc<Mutex<Vec<(String, Value)>>>, Arc<Mutex<u32>>) {
    let got: Arc<Mutex<Vec<(String, Value)>>> = Arc::default();
    let calls: Arc<Mutex<u32>> = Arc::default();
    let (g, c) = (got.clone(), calls.clone());
    let app = axum::Router::new().route(
        "/hooks/cart",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let (g, c) = (g.clone(), c.clone());
            async move {
                let n = {
                    let mut c = c.lock().unwrap();
                    *c += 1;
                    *c
                };
                if n == 1 {
                    return AxumStatus::SERVICE_UNAVAILABLE;
                }
                let kind = headers.get("x-crosscart-event").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                g.lock().unwrap().push((kind, serde_json::from_str(&body).unwrap()));
                AxumStatus::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/cart", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, got, calls)
}

async fn wait_until(what: &str, timeout: Duration, f: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + timeout;
    while !f() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn an_idle_cart_is_reported_once_and_delivery_is_retried() {
    let (url, got, calls) = receiver().await;
    let (_d, path) = temp_db();
    let hook = url.clone();
    let s = Server::start_with(&path, move |c| {
        crosscart_server::db::set_abandoned_after_ms(c, 400)?;
        crosscart_server::db::set_abandoned_webhook(c, &hook)
    })
    .await;
    let busy = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    let idle = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    let empty = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    for id in [&busy, &idle] {
        post(&s.url(&format!("/v1/carts/{id}/lines")), json!({"variant_id": "v-nova-12-1", "quantity": 1})).await;
    }
    // Keep one cart busy (a change every 150 ms) while the other goes quiet; the
    // first delivery is refused (503) and retried a second later.
    let reported = |id: &str| got.lock().unwrap().iter().filter(|(_, b)| b["cart_id"] == id).count();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while reported(&idle) == 0 {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for the webhook to accept the event");
        tokio::time::sleep(Duration::from_millis(150)).await;
        post(&s.url(&format!("/v1/carts/{busy}/lines")), json!({"variant_id": "v-boot-laces-1", "quantity": 1})).await;
    }
    // Checked out, the busy cart can never be abandoned.
    post(&s.url("/v1/orders"), json!({"cart_id": busy, "email": "a@example.com"})).await;
    assert!(*calls.lock().unwrap() >= 2, "retried after the 503");
    let events = got.lock().unwrap().clone();
    assert_eq!(events.len(), 1, "only the idle cart: {events:?}");
    let (kind, body) = &events[0];
    assert_eq!(kind, "cart.abandoned");
    assert_eq!(body["cart_id"], idle.as_str());
    assert_eq!(body["items"], 1);
    assert_eq!(body["cart"]["lines"][0]["variant_id"], "v-nova-12-1");
    // Once per idle period: three more idle periods (the watcher looks every 100 ms)
    // report nothing new — an absence, so it can only be waited out; a change re-arms it.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(reported(&idle), 1);
    post(&s.url(&format!("/v1/carts/{idle}/lines")), json!({"variant_id": "v-nova-12-1", "quantity": 1})).await;
    wait_until("a second report after the next idle period", Duration::from_secs(10), || reported(&idle) == 2).await;
    // The shop's own record: two idle periods, both delivered.
    // (The server notes a delivery just after the webhook answers: wait for that note.)
    let conn = rusqlite::Connection::open(&path).unwrap();
    let recorded = || crosscart_server::db::cart_events(&conn, &idle).unwrap().into_iter().map(|(kind, _, delivered)| (kind, delivered)).collect::<Vec<_>>();
    wait_until("both deliveries noted", Duration::from_secs(5), || recorded().iter().all(|(_, d)| *d)).await;
    assert_eq!(recorded(), [("cart.abandoned".to_string(), true), ("cart.abandoned".to_string(), true)]);
    assert!(crosscart_server::db::cart_events(&conn, &empty).unwrap().is_empty());
    assert_eq!(reported(&empty), 0, "an empty cart is not abandoned");
    assert_eq!(reported(&busy), 0, "a checked-out cart is not abandoned");
}
