//! The reference server over HTTP on loopback, against a real SQLite file.
//! Every JSON answer is checked against `openapi.yaml`.

mod common;

use common::*;
use crosscart_core::protocol::reference::ReferenceAdapter;
use crosscart_core::protocol::{CommerceAdapter, NewLine, ProtocolError};
use crosscart_core::{Cart, Fulfillment};
use crosscart_server::seed;
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn health_info_and_openapi() {
    let (_d, path) = temp_db();
    let s = Server::start(&path).await;
    let (status, body) = get(&s.url("/health")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["database"], "ok");
    let (status, info) = get(&s.url("/v1")).await;
    assert_eq!(status, StatusCode::OK);
    assert_schema("ServiceInfo", &info);
    let yaml = reqwest::get(s.url("/v1/openapi.yaml")).await.unwrap().text().await.unwrap();
    assert!(yaml.starts_with("openapi: 3.1"));
}

#[tokio::test]
async fn catalog_stores_and_stock_match_the_spec() {
    let (_d, path) = temp_db();
    let s = Server::start(&path).await;
    let (status, list) = get(&s.url("/v1/products")).await;
    assert_eq!(status, StatusCode::OK);
    assert_schema("ProductList", &list);
    assert!(list["products"].as_array().unwrap().len() >= 40);

    let (_, cams) = get(&s.url("/v1/products?category=cameras")).await;
    assert!(cams["products"].as_array().unwrap().iter().all(|p| p["category"] == "cameras"));
    let (_, found) = get(&s.url("/v1/products?q=TRIPOD")).await;
    assert!(found["products"].as_array().unwrap().iter().all(|p| p["title"].as_str().unwrap().to_lowercase().contains("tripod")
        || p["description"].as_str().unwrap().to_lowercase().contains("tripod")));
    let (_, by_ids) = get(&s.url("/v1/products?ids=p-nova-12,trail-boots,nope")).await;
    assert_eq!(by_ids["products"].as_array().unwrap().len(), 2);

    let (status, by_handle) = get(&s.url("/v1/products/aperture-x100")).await;
    assert_eq!(status, StatusCode::OK);
    assert_schema("Product", &by_handle);
    let (_, by_id) = get(&s.url("/v1/products/p-aperture-x100")).await;
    assert_eq!(by_id, by_handle);
    let (status, err) = get(&s.url("/v1/products/does-not-exist")).await;
    assert_eq!((status, error_code(&err)), (StatusCode::NOT_FOUND, "not_found"));

    let (status, stores) = get(&s.url("/v1/stores")).await;
    assert_eq!(status, StatusCode::OK);
    assert_schema("StoreList", &stores);
    assert!(stores["stores"].as_array().unwrap().len() >= 8);
    let (status, store) = get(&s.url("/v1/stores/kyiv")).await;
    assert_eq!(status, StatusCode::OK);
    assert_schema("Store", &store);

    let (status, stock) = get(&s.url("/v1/variants/v-nova-12-1/stock")).await;
    assert_eq!(status, StatusCode::OK);
    assert_schema("StockList", &stock);
    assert_eq!(stock["stock"].as_array().unwrap().len(), stores["stores"].as_array().unwrap().len());
    let (status, _) = get(&s.url("/v1/variants/nope/stock")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn cart_lifecycle_with_versions() {
    let (_d, path) = temp_db();
    let s = Server::start(&path).await;
    let cart = new_cart(&s).await;
    let id = cart["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 32, "128-bit token as hex");
    assert_eq!(cart["currency"], "EUR");
    let lines = s.url(&format!("/v1/carts/{id}/lines"));

    let (status, c) = post(&lines, json!({"variant_id": "v-aperture-x100-1", "quantity": 1})).await;
    assert_eq!(status, StatusCode::OK);
    assert_schema("Cart", &c);
    assert_eq!(c["lines"][0]["unit_price"], json!({"amount": 89900, "currency": "EUR"}));
    // Same variant, same fulfillment: merged into one line.
    let (_, c) = post(&lines, json!({"variant_id": "v-aperture-x100-1", "quantity": 2})).await;
    assert_eq!(c["lines"].as_array().unwrap().len(), 1);
    assert_eq!(c["lines"][0]["quantity"], 3);
    // Same variant for pickup: a separate line.
    let (_, c) = post(&lines, json!({"variant_id": "v-aperture-x100-1", "quantity": 1, "fulfillment": {"type": "pickup", "store_id": "vienna"}})).await;
    assert_eq!(c["lines"].as_array().unwrap().len(), 2);
    assert_eq!(c["lines"][1]["fulfillment"], json!({"type": "pickup", "store_id": "vienna"}));
    let (_, c) = post(&lines, json!({"variant_id": "v-sd-card-pro-2", "quantity": 2})).await;
    assert_eq!(c["subtotal"]["amount"], 4 * 89900 + 2 * 4900);
    assert_eq!(c["total"], c["subtotal"]);
    let version = c["version"].as_u64().unwrap();
    let line = c["lines"][2]["id"].as_str().unwrap().to_owned();
    let line_url = s.url(&format!("/v1/carts/{id}/lines/{line}"));

    // A write based on an old version is refused and changes nothing.
    let stale = format!("\"{}\"", version - 1);
    let (status, err) = send(reqwest::Method::PATCH, &line_url, Some(json!({"quantity": 5})), &[("if-match", &stale)]).await;
    assert_eq!((status, error_code(&err)), (StatusCode::PRECONDITION_FAILED, "version_conflict"));
    let current = format!("\"{version}\"");
    let (status, c) = send(reqwest::Method::PATCH, &line_url, Some(json!({"quantity": 5})), &[("if-match", &current)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(c["version"].as_u64().unwrap(), version + 1);
    assert_eq!(c["lines"][2]["line_total"]["amount"], 5 * 4900);

    let (status, c) = send(reqwest::Method::DELETE, &line_url, None, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(c["lines"].as_array().unwrap().len(), 2);
    let (status, err) = send(reqwest::Method::DELETE, &line_url, None, &[]).await;
    assert_eq!((status, error_code(&err)), (StatusCode::NOT_FOUND, "not_found"));

    // Quantity 0 removes too.
    let first = c["lines"][0]["id"].as_str().unwrap();
    let (_, c) = send(reqwest::Method::PATCH, &s.url(&format!("/v1/carts/{id}/lines/{first}")), Some(json!({"quantity": 0})), &[]).await;
    assert_eq!(c["lines"].as_array().unwrap().len(), 1);
    let resp = reqwest::get(s.url(&format!("/v1/carts/{id}"))).await.unwrap();
    assert_eq!(resp.headers()["etag"].to_str().unwrap(), format!("\"{}\"", c["version"]));
}

/// Every bad request gets a clear 4xx JSON error and leaves the cart exactly as it was.
#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let (_d, path) = temp_db();
    let s = Server::start(&path).await;
    let id = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    let lines = s.url(&format!("/v1/carts/{id}/lines"));
    let (_, before) = post(&lines, json!({"variant_id": "v-nova-12-1", "quantity": 998})).await;
    let line = before["lines"][0]["id"].as_str().unwrap().to_owned();
    let client = reqwest::Client::new();

    let raw = |body: &'static str, ctype: &'static str| {
        let client = client.clone();
        let lines = lines.clone();
        async move {
            let r = client.post(&lines).header("content-type", ctype).body(body).send().await.unwrap();
            let status = r.status();
            let v: Value = r.json().await.unwrap();
            assert_schema("Error", &v);
            (status, error_code(&v).to_owned())
        }
    };
    let cases: Vec<(StatusCode, String, &str)> = vec![
        { let (s, c) = raw("{\"variant_id\": \"v-nova-12-1\", ", "application/json").await; (s, c, "malformed_json") },
        { let (s, c) = raw("[1,2,3]", "application/json").await; (s, c, "invalid_body") },
        { let (s, c) = raw("{\"variant_id\": \"v-nova-12-1\"}", "application/json").await; (s, c, "invalid_body") },
        { let (s, c) = raw("{\"variant_id\": \"v-nova-12-1\", \"quantity\": 1e30}", "application/json").await; (s, c, "invalid_body") },
        { let (s, c) = raw("{\"variant_id\": \"v-nova-12-1\", \"quantity\": \"2\"}", "application/json").await; (s, c, "invalid_body") },
        { let (s, c) = raw("variant_id=v-nova-12-1&quantity=1", "application/x-www-form-urlencoded").await; (s, c, "unsupported_media_type") },
    ];
    for (status, code, expected) in &cases {
        assert!(status.is_client_error(), "{code}: {status}");
        assert_eq!(code, expected);
    }
    let checks: Vec<(Value, StatusCode, &str)> = vec![
        (json!({"variant_id": "v-nova-12-1", "quantity": -1}), StatusCode::UNPROCESSABLE_ENTITY, "invalid_quantity"),
        (json!({"variant_id": "v-nova-12-1", "quantity": 0}), StatusCode::UNPROCESSABLE_ENTITY, "invalid_quantity"),
        (json!({"variant_id": "v-nova-12-1", "quantity": 1000}), StatusCode::UNPROCESSABLE_ENTITY, "invalid_quantity"),
        (json!({"variant_id": "v-nova-12-1", "quantity": i64::MAX}), StatusCode::UNPROCESSABLE_ENTITY, "invalid_quantity"),
        // 998 + 2 would exceed the per-line maximum.
        (json!({"variant_id": "v-nova-12-1", "quantity": 2}), StatusCode::UNPROCESSABLE_ENTITY, "invalid_quantity"),
        (json!({"variant_id": "no-such-variant", "quantity": 1}), StatusCode::UNPROCESSABLE_ENTITY, "unknown_variant"),
        (json!({"variant_id": "", "quantity": 1}), StatusCode::UNPROCESSABLE_ENTITY, "unknown_variant"),
        (json!({"variant_id": "v-nova-12-1", "quantity": 1, "fulfillment": {"type": "pickup", "store_id": "atlantis"}}), StatusCode::UNPROCESSABLE_ENTITY, "unknown_store"),
        (json!({"variant_id": "v-nova-12-1", "quantity": 1, "fulfillment": {"type": "teleport"}}), StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"),
    ];
    for (body, status, code) in checks {
        let (got, err) = post(&lines, body.clone()).await;
        assert_eq!((got, error_code(&err)), (status, code), "{body}");
    }
    // Oversized body.
    let huge = json!({"variant_id": "x".repeat(20 * 1024), "quantity": 1});
    let (status, err) = post(&lines, huge).await;
    assert_eq!((status, error_code(&err)), (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"));
    // Unknown ids.
    let (status, _) = post(&s.url("/v1/carts/00000000000000000000000000000000/lines"), json!({"variant_id": "v-nova-12-1", "quantity": 1})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = get(&s.url(&format!("/v1/carts/{}", "a".repeat(500)))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let line_url = s.url(&format!("/v1/carts/{id}/lines/{line}"));
    for (q, code) in [(json!(-5), "invalid_quantity"), (json!(5000), "invalid_quantity"), (json!(null), "invalid_body")] {
        let (status, err) = send(reqwest::Method::PATCH, &line_url, Some(json!({"quantity": q})), &[]).await;
        assert!(status.is_client_error());
        assert_eq!(error_code(&err), code);
    }
    let (status, err) = send(reqwest::Method::PATCH, &line_url, Some(json!({"quantity": 3})), &[("if-match", "yesterday")]).await;
    assert_eq!((status, error_code(&err)), (StatusCode::BAD_REQUEST, "bad_if_match"));
    let (status, err) = post(&s.url("/v1/carts"), json!({"currency": "USD"})).await;
    assert_eq!((status, error_code(&err)), (StatusCode::UNPROCESSABLE_ENTITY, "unsupported_currency"));
    let (status, err) = post(&s.url("/v1/carts"), json!({"currency": "dollars"})).await;
    assert_eq!((status, error_code(&err)), (StatusCode::BAD_REQUEST, "malformed_json"));
    // Routing errors are JSON too.
    let (status, err) = get(&s.url("/v1/nothing-here")).await;
    assert_eq!((status, error_code(&err)), (StatusCode::NOT_FOUND, "no_route"));
    let (status, err) = send(reqwest::Method::PUT, &s.url("/v1/carts"), None, &[]).await;
    assert_eq!((status, error_code(&err)), (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"));

    let (_, after) = get(&s.url(&format!("/v1/carts/{id}"))).await;
    assert_eq!(after, before, "a refused request must not change the cart");
}

#[tokio::test]
async fn checkout_and_order_lookup() {
    let (_d, path) = temp_db();
    let s = Server::start(&path).await;
    let id = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    let (status, err) = post(&s.url("/v1/orders"), json!({"cart_id": id, "email": "a@b.example"})).await;
    assert_eq!((status, error_code(&err)), (StatusCode::UNPROCESSABLE_ENTITY, "empty_cart"));
    post(&s.url(&format!("/v1/carts/{id}/lines")), json!({"variant_id": "v-trail-boots-3", "quantity": 1})).await;
    post(&s.url(&format!("/v1/carts/{id}/lines")), json!({"variant_id": "v-merino-socks-2", "quantity": 2, "fulfillment": {"type": "pickup", "store_id": "lviv"}})).await;
    let (status, err) = post(&s.url("/v1/orders"), json!({"cart_id": id, "email": "not-an-email"})).await;
    assert_eq!((status, error_code(&err)), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_email"));

    let (status, order) = post(&s.url("/v1/orders"), json!({"cart_id": id, "email": "olena@example.com", "name": "Olena"})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_schema("Order", &order);
    assert_eq!(order["total"]["amount"], 15900 + 2 * 1900);
    assert!(order["number"].as_u64().unwrap() > 1000 + seed::HISTORY_ORDERS as u64);
    let (oid, key) = (order["id"].as_str().unwrap(), order["key"].as_str().unwrap());

    // The cart is closed: reads and writes say so.
    let (status, err) = get(&s.url(&format!("/v1/carts/{id}"))).await;
    assert_eq!((status, error_code(&err)), (StatusCode::GONE, "cart_closed"));
    let (status, _) = post(&s.url(&format!("/v1/carts/{id}/lines")), json!({"variant_id": "v-nova-12-1", "quantity": 1})).await;
    assert_eq!(status, StatusCode::GONE);
    let (status, _) = post(&s.url("/v1/orders"), json!({"cart_id": id, "email": "olena@example.com"})).await;
    assert_eq!(status, StatusCode::GONE, "a cart is ordered only once");

    let (status, found) = send(reqwest::Method::GET, &s.url(&format!("/v1/orders/{oid}")), None, &[("x-order-key", key)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_schema("Order", &found);
    assert!(found.get("key").is_none(), "the key is shown only once");
    assert_eq!(found["lines"], order["lines"]);
    let (status, _) = send(reqwest::Method::GET, &s.url(&format!("/v1/orders/{oid}")), None, &[("x-order-key", "wrong")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, err) = get(&s.url(&format!("/v1/orders/{oid}"))).await;
    assert_eq!((status, error_code(&err)), (StatusCode::UNAUTHORIZED, "order_key_required"));
}

#[tokio::test]
async fn acknowledged_changes_survive_a_restart() {
    let (_d, path) = temp_db();
    let s = Server::start(&path).await;
    let id = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    let (_, before) = post(&s.url(&format!("/v1/carts/{id}/lines")), json!({"variant_id": "v-aero-14-2", "quantity": 2})).await;
    drop(s);
    let s = Server::start(&path).await;
    let (status, after) = get(&s.url(&format!("/v1/carts/{id}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(after, before);
}

#[tokio::test]
async fn hostile_text_is_returned_verbatim_as_data() {
    let (_d, path) = temp_db();
    let s = Server::start(&path).await;
    let (_, p) = get(&s.url("/v1/products/p-hostile")).await;
    assert!(p["title"].as_str().unwrap().starts_with("<img src=x"));
    let id = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    let (_, c) = post(&s.url(&format!("/v1/carts/{id}/lines")), json!({"variant_id": "v-hostile-1", "quantity": 1})).await;
    assert_eq!(c["lines"][0]["title"], p["title"]);
}

#[tokio::test]
async fn cors_preflight_allows_cart_writes_from_a_shop_origin() {
    let (_d, path) = temp_db();
    let s = Server::start(&path).await;
    let resp = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, s.url("/v1/carts/x/lines/y"))
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "PATCH")
        .header("access-control-request-headers", "content-type,if-match")
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
}

#[tokio::test]
async fn reference_adapter_round_trip() {
    let (_d, path) = temp_db();
    let s = Server::start(&path).await;
    let a = ReferenceAdapter::new(&s.base);
    let product = execute(a.get_product("nova-12").unwrap()).await.unwrap();
    assert_eq!(product.variants.len(), 4);
    let cart: Cart = execute(a.create_cart(None).unwrap()).await.unwrap();
    let line = NewLine { variant_id: product.variants[2].id.clone(), quantity: 2, fulfillment: Fulfillment::Delivery, bundle: None, allow_transfer: false };
    let cart = execute(a.add_line(&cart.id, &line).unwrap()).await.unwrap();
    assert_eq!(cart.subtotal.amount, 2 * product.variants[2].price.amount);
    let stale = execute(a.update_line(&cart.id, &cart.lines[0].id, 1, Some(cart.version - 1)).unwrap()).await.unwrap_err();
    assert_eq!(stale.code(), "version_conflict");
    let cart = execute(a.update_line(&cart.id, &cart.lines[0].id, 1, Some(cart.version)).unwrap()).await.unwrap();
    assert_eq!(cart.item_count(), 1);
    let stores = execute(a.list_stores().unwrap()).await.unwrap();
    let stock = execute(a.variant_stock(&product.variants[0].id).unwrap()).await.unwrap();
    assert_eq!(stores.len(), stock.stock.len());
    let err = execute(a.get_cart("nope").unwrap()).await.unwrap_err();
    assert!(matches!(err, ProtocolError::Api { status: 404, .. }), "{err:?}");
}

#[test]
fn the_schema_check_rejects_what_the_spec_forbids() {
    let bad_carts = [
        json!({}),
        json!({"id": "c".repeat(32), "version": 1, "currency": "EUR", "lines": [], "subtotal": {"amount": 1.5, "currency": "EUR"}, "total": {"amount": 0, "currency": "EUR"}, "updated_at": 0}),
        json!({"id": "c".repeat(32), "version": 1, "currency": "EUR", "lines": [], "subtotal": {"amount": 0, "currency": "EUR"}, "total": {"amount": 0, "currency": "EUR"}, "updated_at": 0, "extra": true}),
    ];
    for cart in bad_carts {
        assert!(std::panic::catch_unwind(|| assert_schema("Cart", &cart)).is_err(), "accepted {cart}");
    }
}

/// What `seed.rs` plants as the Aperture X100's complements.
const CAMERA_COMPLEMENTS: &[&str] = &["p-sd-card-pro", "p-travel-tripod", "p-camera-sling-bag", "p-spare-battery-np50", "p-uv-filter-58", "p-lens-cleaning-kit"];

#[tokio::test]
async fn bought_together_from_the_shops_own_orders() {
    let (_d, path) = temp_db();
    let s = Server::start(&path).await;
    let (status, list) = get(&s.url("/v1/recommendations?products=p-aperture-x100")).await;
    assert_eq!(status, StatusCode::OK);
    assert_schema("RecommendationList", &list);
    let ids = |v: &Value| v["recommendations"].as_array().unwrap().iter().map(|r| r["product"]["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    let top = ids(&list);
    assert_eq!(top.len(), 3);
    // The demo history plants the camera's complements; the three shown are among them.
    for id in &top {
        assert!(CAMERA_COMPLEMENTS.contains(&id.as_str()), "{id} is not a planted complement: {top:?}");
    }

    // Cart-seeded, excluding what is in the cart and what the caller names.
    let (_, list) = get(&s.url("/v1/recommendations?products=p-aperture-x100,p-sd-card-pro&exclude=p-camera-sling-bag&limit=5")).await;
    let got = ids(&list);
    assert!(!got.is_empty());
    for absent in ["p-aperture-x100", "p-sd-card-pro", "p-camera-sling-bag"] {
        assert!(!got.contains(&absent.to_owned()), "{absent} in {got:?}");
    }
    // A product nobody bought with anything: no recommendations, not an error.
    let (status, list) = get(&s.url("/v1/recommendations?products=p-hostile")).await;
    assert_eq!((status, ids(&list).len()), (StatusCode::OK, 0));

    for (q, code) in [("", "products_required"), ("?products=", "products_required"), ("?products=p-nova-12&limit=0", "bad_limit"), ("?products=p-nova-12&limit=abc", "bad_limit")] {
        let (status, err) = get(&s.url(&format!("/v1/recommendations{q}"))).await;
        assert_eq!((status, error_code(&err)), (StatusCode::BAD_REQUEST, code), "{q}");
    }
}

#[tokio::test]
async fn the_model_file_is_cacheable_and_follows_new_orders() {
    let (_d, path) = temp_db();
    let s = Server::start(&path).await;
    let resp = reqwest::get(s.url("/v1/recommendations/model")).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["cache-control"].to_str().unwrap().contains("max-age"));
    let etag = resp.headers()["etag"].to_str().unwrap().to_owned();
    let bytes = resp.bytes().await.unwrap();
    let model = crosscart_core::fbt::Model::load(&bytes).expect("the served model loads");
    assert_eq!(model.baskets() as usize, seed::HISTORY_ORDERS);
    let best = model.complements("p-aperture-x100");
    assert!(best.len() >= 3 && best.iter().take(3).all(|c| CAMERA_COMPLEMENTS.contains(&c.item)), "{best:?}");

    let again = reqwest::Client::new().get(s.url("/v1/recommendations/model")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    // A new order is mined in the background: the model (and its ETag) change.
    let id = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    post(&s.url(&format!("/v1/carts/{id}/lines")), json!({"variant_id": "v-trail-boots-1", "quantity": 1})).await;
    post(&s.url(&format!("/v1/carts/{id}/lines")), json!({"variant_id": "v-merino-socks-1", "quantity": 1})).await;
    let (status, _) = post(&s.url("/v1/orders"), json!({"cart_id": id, "email": "a@b.example"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let mut changed = None;
    for _ in 0..100 {
        let r = reqwest::Client::new().get(s.url("/v1/recommendations/model")).header("if-none-match", &etag).send().await.unwrap();
        if r.status() == StatusCode::OK {
            changed = Some(r.bytes().await.unwrap());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let bytes = changed.expect("the model was re-mined after the new order");
    assert_eq!(crosscart_core::fbt::Model::load(&bytes).unwrap().baskets() as usize, seed::HISTORY_ORDERS + 1);
}

#[tokio::test]
async fn bundles_earn_the_shops_discount_while_two_lines_remain() {
    let (_d, path) = temp_db();
    let s = Server::start(&path).await;
    // The demo shop offers 5 %, and says so with its recommendations.
    let (_, recs) = get(&s.url("/v1/recommendations?products=p-aperture-x100")).await;
    assert_eq!(recs["discount"], json!({"percent": 5}));
    let id = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    let lines = s.url(&format!("/v1/carts/{id}/lines"));
    post(&lines, json!({"variant_id": "v-aperture-x100-1", "quantity": 1, "bundle": "b-1"})).await;
    let (_, one) = get(&s.url(&format!("/v1/carts/{id}"))).await;
    assert!(one.get("discount").is_none(), "a bundle of one earns nothing");
    let (_, c) = post(&lines, json!({"variant_id": "v-spare-battery-np50-1", "quantity": 1, "bundle": "b-1"})).await;
    assert_schema("Cart", &c);
    // 5 % of 899.00 = 44.95 and of 49.00 = 2.45.
    assert_eq!(c["lines"][0]["discount"]["amount"], 4495);
    assert_eq!(c["lines"][1]["discount"]["amount"], 245);
    assert_eq!(c["discount"]["amount"], 4740);
    assert_eq!(c["subtotal"]["amount"], 94800);
    assert_eq!(c["total"]["amount"], 94800 - 4740);
    // An ordinary line next to it pays full price.
    let (_, c) = post(&lines, json!({"variant_id": "v-earbud-tips-1", "quantity": 1})).await;
    assert!(c["lines"][2].get("discount").is_none());
    assert_eq!(c["total"]["amount"], 94800 + 1900 - 4740);

    let (status, err) = post(&lines, json!({"variant_id": "v-earbud-tips-1", "quantity": 1, "bundle": "<b>"})).await;
    assert_eq!((status, error_code(&err)), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_bundle"));

    // Checkout keeps the discount on the order.
    let (status, order) = post(&s.url("/v1/orders"), json!({"cart_id": id, "email": "a@b.example"})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_schema("Order", &order);
    assert_eq!(order["discount"]["amount"], 4740);
    assert_eq!(order["total"]["amount"], 94800 + 1900 - 4740);
    let (oid, key) = (order["id"].as_str().unwrap(), order["key"].as_str().unwrap());
    let (_, found) = send(reqwest::Method::GET, &s.url(&format!("/v1/orders/{oid}")), None, &[("x-order-key", key)]).await;
    assert_eq!(found["discount"], order["discount"]);
    assert_eq!(found["lines"][1]["discount"]["amount"], 245);

    // Removing one of two bundle lines ends the discount for the other.
    let id = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    let lines = s.url(&format!("/v1/carts/{id}/lines"));
    post(&lines, json!({"variant_id": "v-nova-12-1", "quantity": 1, "bundle": "b2"})).await;
    let (_, c) = post(&lines, json!({"variant_id": "v-nova-12-glass-1", "quantity": 1, "bundle": "b2"})).await;
    assert!(c["discount"].is_object());
    let glass = c["lines"][1]["id"].as_str().unwrap();
    let (_, c) = send(reqwest::Method::DELETE, &s.url(&format!("/v1/carts/{id}/lines/{glass}")), None, &[]).await;
    assert!(c.get("discount").is_none());
    assert_eq!(c["total"], c["subtotal"]);
}

// ---------------------------------------------------------------- click & collect

/// Kreuzberg holds exactly `units` of the variant; the warehouse `warehouse`.
fn stock_setup(variant: &'static str, units: u32, warehouse: u32, hold_ms: i64) -> impl FnOnce(&mut rusqlite::Connection) -> Result<(), crosscart_server::error::ApiError> + Send + 'static {
    move |c| {
        let tx = crosscart_server::db::write_tx(c)?;
        crosscart_server::db::set_stock(&tx, "berlin-kreuzberg", variant, units)?;
        crosscart_server::db::set_warehouse_stock(&tx, variant, warehouse)?;
        crosscart_server::db::set_reservation_hold_ms(&tx, hold_ms)?;
        tx.commit()?;
        Ok(())
    }
}

fn pickup_line(variant: &str, quantity: i64) -> Value {
    json!({"variant_id": variant, "quantity": quantity, "fulfillment": {"type": "pickup", "store_id": "berlin-kreuzberg"}})
}

async fn free_at_kreuzberg(s: &Server, variant: &str) -> u64 {
    let (status, stock) = get(&s.url(&format!("/v1/variants/{variant}/stock"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_schema("StockList", &stock);
    stock["stock"].as_array().unwrap().iter().find(|l| l["store_id"] == "berlin-kreuzberg").unwrap()["quantity"].as_u64().unwrap()
}

#[tokio::test]
async fn concurrent_reservations_never_exceed_the_stock() {
    const V: &str = "v-nova-12-1";
    let (_d, path) = temp_db();
    let s = Server::start_with(&path, stock_setup(V, 3, 0, 60_000)).await;
    // 24 shoppers, each with their own cart, reserve one unit at once.
    let mut carts = Vec::new();
    for _ in 0..24 {
        carts.push(new_cart(&s).await["id"].as_str().unwrap().to_owned());
    }
    let tasks: Vec<_> = carts
        .iter()
        .map(|id| {
            let url = s.url(&format!("/v1/carts/{id}/lines"));
            tokio::spawn(async move { post(&url, pickup_line(V, 1)).await })
        })
        .collect();
    let (mut ok, mut refused) = (0, 0);
    for t in tasks {
        let (status, body) = t.await.unwrap();
        match status {
            StatusCode::OK => {
                assert_schema("Cart", &body);
                assert!(body["lines"][0]["reserved_until"].as_i64().unwrap() > 1_790_000_000_000);
                ok += 1;
            }
            StatusCode::CONFLICT => {
                assert_eq!(error_code(&body), "insufficient_stock");
                assert_eq!(body["error"]["available"], 0);
                assert_eq!(body["error"]["message"], "not enough stock at Crosscart Berlin Kreuzberg: 0 left");
                refused += 1;
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!((ok, refused), (3, 21));
    assert_eq!(free_at_kreuzberg(&s, V).await, 0);
}

#[tokio::test]
async fn reservations_are_released_on_expiry_and_on_removal() {
    const V: &str = "v-nova-12-1";
    let (_d, path) = temp_db();
    let s = Server::start_with(&path, stock_setup(V, 2, 0, 400)).await;
    let a = new_cart(&s).await;
    let (status, cart) = post(&s.url(&format!("/v1/carts/{}/lines", a["id"].as_str().unwrap())), pickup_line(V, 2)).await;
    let held_at = std::time::Instant::now();
    assert_eq!(status, StatusCode::OK, "{cart}");
    assert_eq!(free_at_kreuzberg(&s, V).await, 0);
    // Asking for one more than is left names what is left.
    let b = new_cart(&s).await;
    let b_lines = s.url(&format!("/v1/carts/{}/lines", b["id"].as_str().unwrap()));
    let (status, err) = post(&b_lines, pickup_line(V, 1)).await;
    assert_eq!((status, err["error"]["available"].as_u64()), (StatusCode::CONFLICT, Some(0)));
    // The hold lapses after 400 ms (not before): the units are free again, and the other shopper gets them.
    while free_at_kreuzberg(&s, V).await != 2 {
        assert!(held_at.elapsed() < std::time::Duration::from_secs(5), "the hold never lapsed");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(held_at.elapsed() >= std::time::Duration::from_millis(400), "freed after {:?}, before the hold ended", held_at.elapsed());
    let (status, _) = post(&b_lines, pickup_line(V, 2)).await;
    assert_eq!(status, StatusCode::OK);
    // The first cart's line still says until when it was held; its checkout
    // would try again and fail, changing nothing.
    let (status, err) = post(&s.url("/v1/orders"), json!({"cart_id": a["id"], "email": "a@example.com"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("not enough stock at Crosscart Berlin Kreuzberg"), "{err}");
    let (status, _) = get(&s.url(&format!("/v1/carts/{}", a["id"].as_str().unwrap()))).await;
    assert_eq!(status, StatusCode::OK, "the cart is still open");
    // Removing a line releases at once.
    let (_, cart_b) = get(&s.url(&format!("/v1/carts/{}", b["id"].as_str().unwrap()))).await;
    let line = cart_b["lines"][0]["id"].as_str().unwrap();
    let (status, _) = send(reqwest::Method::DELETE, &format!("{b_lines}/{line}"), None, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(free_at_kreuzberg(&s, V).await, 2);
}

#[tokio::test]
async fn checkout_consumes_reservations_and_quantity_changes_re_reserve() {
    const V: &str = "v-nova-12-1";
    let (_d, path) = temp_db();
    let s = Server::start_with(&path, stock_setup(V, 5, 10, 60_000)).await;
    let cart = new_cart(&s).await;
    let id = cart["id"].as_str().unwrap().to_owned();
    let (_, cart) = post(&s.url(&format!("/v1/carts/{id}/lines")), pickup_line(V, 2)).await;
    assert_eq!(free_at_kreuzberg(&s, V).await, 3);
    let line = cart["lines"][0]["id"].as_str().unwrap().to_owned();
    let line_url = s.url(&format!("/v1/carts/{id}/lines/{line}"));
    let patch = |q: i64| send(reqwest::Method::PATCH, &line_url, Some(json!({"quantity": q})), &[]);
    let (status, _) = patch(4).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(free_at_kreuzberg(&s, V).await, 1);
    let (status, err) = patch(6).await;
    assert_eq!((status, err["error"]["available"].as_u64()), (StatusCode::CONFLICT, Some(5)), "its own 4 count as available to it");
    let (_, cart) = get(&s.url(&format!("/v1/carts/{id}"))).await;
    assert_eq!(cart["lines"][0]["quantity"], 4, "a refused change changes nothing");
    let (status, order) = post(&s.url("/v1/orders"), json!({"cart_id": id, "email": "a@example.com", "channel": "web"})).await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    assert_eq!(order["lines"][0]["fulfillment"], json!({"type": "pickup", "store_id": "berlin-kreuzberg"}));
    assert_eq!(free_at_kreuzberg(&s, V).await, 1, "the 4 units left the shelf");
    // A transfer: more than the store has, accepted only when asked for.
    let other = new_cart(&s).await;
    let url = s.url(&format!("/v1/carts/{}/lines", other["id"].as_str().unwrap()));
    let (status, _) = post(&url, pickup_line(V, 3)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let mut body = pickup_line(V, 3);
    body["allow_transfer"] = json!(true);
    let (status, cart) = post(&url, body).await;
    assert_eq!(status, StatusCode::OK, "{cart}");
    assert_eq!(cart["lines"][0]["transfer"], true);
    let (_, stock) = get(&s.url(&format!("/v1/variants/{V}/stock"))).await;
    assert_eq!((stock["warehouse"].as_u64(), stock["low_stock_threshold"].as_u64()), (Some(7), Some(3)));
    assert_eq!(free_at_kreuzberg(&s, V).await, 1, "the store's own unit is untouched");
}

#[tokio::test]
async fn pickup_bad_input() {
    let (_d, path) = temp_db();
    let s = Server::start(&path).await;
    let cart = new_cart(&s).await;
    let url = s.url(&format!("/v1/carts/{}/lines", cart["id"].as_str().unwrap()));
    let (status, err) = post(&url, json!({"variant_id": "v-nova-12-1", "quantity": 1, "fulfillment": {"type": "pickup", "store_id": "atlantis"}})).await;
    assert_eq!((status, error_code(&err)), (StatusCode::UNPROCESSABLE_ENTITY, "unknown_store"));
    let (status, err) = post(&url, json!({"variant_id": "v-nope", "quantity": 1, "fulfillment": {"type": "pickup", "store_id": "berlin-kreuzberg"}})).await;
    assert_eq!((status, error_code(&err)), (StatusCode::UNPROCESSABLE_ENTITY, "unknown_variant"));
    let (status, err) = post(&url, pickup_line("v-nova-12-1", 999)).await;
    assert_eq!((status, error_code(&err)), (StatusCode::CONFLICT, "insufficient_stock"));
    let (_, c) = get(&s.url(&format!("/v1/carts/{}", cart["id"].as_str().unwrap()))).await;
    assert!(c["lines"].as_array().unwrap().is_empty(), "nothing half-added");
    let (status, _) = get(&s.url("/v1/variants/v-nope/stock")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The pop-up store publishes no hours: served as unknown, never as closed.
    let (_, stores) = get(&s.url("/v1/stores")).await;
    assert_schema("StoreList", &stores);
    let popup = stores["stores"].as_array().unwrap().iter().find(|s| s["id"] == "potsdam-popup").unwrap();
    assert_eq!(popup["hours"]["weekly"], json!([]));
}
