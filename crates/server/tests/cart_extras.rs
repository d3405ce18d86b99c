//! Delivery by the shop's rule (a rate, free from a threshold) and the
//! customer's cart note, on the reference server over HTTP on loopback
//! against a real SQLite file: the charge flips exactly at the threshold in
//! the cart and in the order, discounts count against it, pickup ships
//! nothing, and a note keeps any text but refuses control characters.

mod common;

use common::*;
use crosscart_core::cart::ShippingRule;
use crosscart_core::money::{Currency, Money};
use reqwest::StatusCode;
use serde_json::{json, Value};

const SOCKS: &str = "v-merino-socks-2"; // €19.00

fn eur(cents: i64) -> Money {
    Money::new(cents, Currency::EUR)
}

/// The demo shop, delivering for €4.90 and free from €38.00 (two pairs of socks).
async fn shop() -> (tempfile::TempDir, Server) {
    let (dir, path) = temp_db();
    let s = Server::with_store_stock(&path, &[("lviv", SOCKS, 5)]).await;
    let rule = ShippingRule { rate: eur(490), free_over: eur(3_800) };
    let db = crosscart_server::db::Db::open(&path).unwrap();
    db.run(move |c| crosscart_server::db::set_shipping_rule(c, Some(&rule))).await.unwrap();
    (dir, s)
}

fn amount(v: &Value) -> Option<i64> {
    v["amount"].as_i64()
}

async fn add(s: &Server, id: &str, body: Value) -> Value {
    let (status, cart) = post(&s.url(&format!("/v1/carts/{id}/lines")), body).await;
    assert_eq!(status, StatusCode::OK, "{cart}");
    assert_schema("Cart", &cart);
    cart
}

async fn set_quantity(s: &Server, id: &str, line: &Value, quantity: u32) -> Value {
    let url = s.url(&format!("/v1/carts/{id}/lines/{}", line["id"].as_str().unwrap()));
    let (status, cart) = send(reqwest::Method::PATCH, &url, Some(json!({ "quantity": quantity })), &[]).await;
    assert_eq!(status, StatusCode::OK, "{cart}");
    assert_schema("Cart", &cart);
    cart
}

#[tokio::test]
async fn delivery_is_charged_below_the_threshold_and_free_exactly_at_it() {
    let (_d, s) = shop().await;
    let id = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    let one = add(&s, &id, json!({"variant_id": SOCKS, "quantity": 1})).await;
    assert_eq!(one["shipping_rule"], json!({"rate": {"amount": 490, "currency": "EUR"}, "free_over": {"amount": 3_800, "currency": "EUR"}}));
    assert_eq!((amount(&one["subtotal"]), amount(&one["shipping"]), amount(&one["total"])), (Some(1_900), Some(490), Some(2_390)));
    // The demo's socks are on sale: the line says what they were; the figures are unchanged by it.
    assert_eq!(amount(&one["lines"][0]["compare_at"]), Some(2_400));
    assert!(one.get("discount").is_none());
    let two = set_quantity(&s, &id, &one["lines"][0], 2).await;
    assert_eq!((amount(&two["shipping"]), amount(&two["total"])), (Some(0), Some(3_800)), "free at exactly €38.00");
    // A code that takes the merchandise below the threshold brings the charge back.
    let (_, with_code) = post(&s.url(&format!("/v1/carts/{id}/codes")), json!({"code": "tenoff"})).await;
    assert_eq!((amount(&with_code["discount"]), amount(&with_code["shipping"]), amount(&with_code["total"])), (Some(380), Some(490), Some(3_420 + 490)));
    let (_, without) = send(reqwest::Method::DELETE, &s.url(&format!("/v1/carts/{id}/codes/TENOFF")), None, &[]).await;
    assert_eq!(amount(&without["total"]), Some(3_800));
    // The order keeps what the cart showed.
    let one_again = set_quantity(&s, &id, &two["lines"][0], 1).await;
    let (status, order) = post(&s.url("/v1/orders"), json!({"cart_id": id, "email": "ship@example.com"})).await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    assert_schema("Order", &order);
    assert_eq!((amount(&order["shipping"]), amount(&order["total"])), (amount(&one_again["shipping"]), amount(&one_again["total"])));
    assert_eq!(amount(&order["total"]), Some(2_390));
    let (_, looked_up) = get(&s.url(&format!("/v1/orders/{}?key={}", order["id"].as_str().unwrap(), order["key"].as_str().unwrap()))).await;
    assert_eq!(amount(&looked_up["shipping"]), Some(490), "{looked_up}");
}

#[tokio::test]
async fn pickup_ships_nothing_and_without_a_rule_nothing_is_charged() {
    let (_d, s) = shop().await;
    let id = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    let pickup = add(&s, &id, json!({"variant_id": SOCKS, "quantity": 1, "fulfillment": {"type": "pickup", "store_id": "lviv"}})).await;
    assert!(pickup.get("shipping").is_none(), "{pickup}");
    assert_eq!(amount(&pickup["total"]), Some(1_900));
    let mixed = add(&s, &id, json!({"variant_id": SOCKS, "quantity": 1})).await;
    // Merchandise counts every line: €38.00 in all, so delivery is free.
    assert_eq!((amount(&mixed["shipping"]), amount(&mixed["total"])), (Some(0), Some(3_800)));

    let (_d2, path) = temp_db();
    let plain = Server::start_with(&path, |c| crosscart_server::db::set_shipping_rule(c, None)).await;
    let id = new_cart(&plain).await["id"].as_str().unwrap().to_owned();
    let cart = add(&plain, &id, json!({"variant_id": SOCKS, "quantity": 1})).await;
    assert!(cart.get("shipping").is_none() && cart.get("shipping_rule").is_none(), "{cart}");
}

#[tokio::test]
async fn a_note_keeps_any_text_refuses_control_characters_and_goes_with_the_order() {
    let (dir, s) = shop().await;
    let id = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    add(&s, &id, json!({"variant_id": SOCKS, "quantity": 1})).await;
    let url = s.url(&format!("/v1/carts/{id}/note"));
    let put = |note: Value| send(reqwest::Method::PUT, &url, Some(note), &[]);
    let hostile = "  Gift — <b>don't</b> \"ring\"; ☃\r\nLeave at door 3 ";
    let (status, cart) = put(json!({ "note": hostile })).await;
    assert_eq!(status, StatusCode::OK, "{cart}");
    assert_schema("Cart", &cart);
    assert_eq!(cart["note"], "Gift — <b>don't</b> \"ring\"; ☃\nLeave at door 3");
    let version = cart["version"].as_u64().unwrap();
    // Refused, and the note stays as it was.
    for bad in [json!({ "note": "a\u{0}b" }), json!({ "note": "\u{1b}[2J" }), json!({ "note": "x".repeat(501) }), json!({ "note": 5 }), json!({})] {
        let (status, body) = put(bad.clone()).await;
        assert!(status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::BAD_REQUEST, "{bad}: {status} {body}");
    }
    let (status, body) = put(json!({ "note": "x".repeat(501) })).await;
    assert_eq!((status, error_code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_note"));
    let (_, cart) = get(&s.url(&format!("/v1/carts/{id}"))).await;
    assert_eq!((cart["note"].as_str(), cart["version"].as_u64()), (Some("Gift — <b>don't</b> \"ring\"; ☃\nLeave at door 3"), Some(version)));
    // The same note again changes nothing; an unknown cart is 404.
    assert_eq!(put(json!({ "note": hostile })).await.1["version"].as_u64(), Some(version));
    let (status, _) = send(reqwest::Method::PUT, &s.url("/v1/carts/no-such-cart-000000000000000000000000/note"), Some(json!({"note": "hi"})), &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The order keeps it; the checked-out cart takes no new note.
    let (status, order) = post(&s.url("/v1/orders"), json!({"cart_id": id, "email": "note@example.com"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let conn = rusqlite::Connection::open(dir.path().join("shop.db")).unwrap();
    let kept: String = conn.query_row("SELECT note FROM orders WHERE id = ?1", [order["id"].as_str().unwrap()], |r| r.get(0)).unwrap();
    assert_eq!(kept, "Gift — <b>don't</b> \"ring\"; ☃\nLeave at door 3");
    assert_eq!(put(json!({ "note": "late" })).await.0, StatusCode::GONE);
    // Clearing: an empty note is absent from the cart.
    let id = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    let url = s.url(&format!("/v1/carts/{id}/note"));
    send(reqwest::Method::PUT, &url, Some(json!({"note": "x"})), &[]).await;
    let (_, cleared) = send(reqwest::Method::PUT, &url, Some(json!({"note": "   "})), &[]).await;
    assert!(cleared.get("note").is_none(), "{cleared}");
}

#[tokio::test]
async fn a_delivered_line_says_how_many_are_left_only_when_few() {
    let (dir, s) = shop().await;
    let db = crosscart_server::db::Db::open(&dir.path().join("shop.db")).unwrap();
    let set = |n: u32| {
        let db = db.clone();
        async move {
            db.run(move |c| {
                let tx = crosscart_server::db::write_tx(c)?;
                crosscart_server::db::set_warehouse_stock(&tx, SOCKS, n)?;
                tx.commit()?;
                Ok(())
            })
            .await
            .unwrap()
        }
    };
    set(2).await;
    let id = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    let cart = add(&s, &id, json!({"variant_id": SOCKS, "quantity": 1})).await;
    assert_eq!(cart["lines"][0]["stock_left"], 2);
    set(0).await;
    let (_, cart) = get(&s.url(&format!("/v1/carts/{id}"))).await;
    assert_eq!(cart["lines"][0]["stock_left"], 0, "none left is said too");
    set(40).await;
    let (_, cart) = get(&s.url(&format!("/v1/carts/{id}"))).await;
    assert!(cart["lines"][0].get("stock_left").is_none(), "plenty is not a warning: {cart}");
    // A pickup line's stock is the store's, shown by its reservation instead.
    set(1).await;
    let cart = add(&s, &id, json!({"variant_id": SOCKS, "quantity": 1, "fulfillment": {"type": "pickup", "store_id": "lviv"}})).await;
    let pickup = cart["lines"].as_array().unwrap().iter().find(|l| l["fulfillment"]["type"] == "pickup").unwrap();
    assert!(pickup.get("stock_left").is_none(), "{pickup}");
    assert_schema("Cart", &cart);
}
