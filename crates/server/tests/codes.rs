//! Discount codes on the reference server over HTTP on loopback, against a
//! real SQLite file: every rule refuses with its own code, the figures add
//! up with bundles and codes together, and the usage limits hold at checkout
//! also when orders race for a code's last use.

mod common;

use common::*;
use crosscart_core::money::{Currency, Money};
use crosscart_core::promo::{Promotion, Value as Off};
use reqwest::StatusCode;
use serde_json::{json, Value};

const BOOTS: &str = "v-trail-boots-3"; // €159.00
const SOCKS: &str = "v-merino-socks-2"; // €19.00
const DAY: i64 = 86_400_000;

fn eur(cents: i64) -> Money {
    Money::new(cents, Currency::EUR)
}

fn promo(code: &str, value: Off) -> Promotion {
    Promotion { code: code.into(), value, min_subtotal: None, starts_at: None, ends_at: None, usage_limit: None, per_customer_limit: None, combinable: false }
}

async fn shop(promos: Vec<Promotion>) -> (tempfile::TempDir, Server) {
    let (dir, path) = temp_db();
    let s = Server::start_with(&path, move |c| {
        // Codes alone: totals here are merchandise, without delivery (tested in cart_extras.rs).
        crosscart_server::db::set_shipping_rule(c, None)?;
        for p in &promos {
            crosscart_server::db::put_promotion(c, p, 1)?;
        }
        Ok(())
    })
    .await;
    (dir, s)
}

async fn cart_with(s: &Server, lines: &[(&str, u32)]) -> String {
    let id = new_cart(s).await["id"].as_str().unwrap().to_owned();
    for (v, q) in lines {
        let (status, _) = post(&s.url(&format!("/v1/carts/{id}/lines")), json!({"variant_id": v, "quantity": q})).await;
        assert_eq!(status, StatusCode::OK);
    }
    id
}

async fn apply(s: &Server, id: &str, code: &str) -> (StatusCode, Value) {
    let (status, v) = post(&s.url(&format!("/v1/carts/{id}/codes")), json!({ "code": code })).await;
    if status == StatusCode::OK {
        assert_schema("Cart", &v);
    }
    (status, v)
}

fn code_rows(cart: &Value) -> Vec<(String, i64)> {
    cart["discounts"].as_array().map_or_else(Vec::new, |d| {
        d.iter().filter(|d| d["kind"] == "code").map(|d| (d["label"].as_str().unwrap().to_owned(), d["amount"]["amount"].as_i64().unwrap())).collect()
    })
}

fn adds_up(cart: &Value) {
    let sub = cart["subtotal"]["amount"].as_i64().unwrap();
    let discounts: i64 = cart["discounts"].as_array().map_or(0, |d| d.iter().map(|d| d["amount"]["amount"].as_i64().unwrap()).sum());
    assert_eq!(cart["discount"]["amount"].as_i64().unwrap_or(0), discounts);
    assert_eq!(sub - discounts, cart["total"]["amount"].as_i64().unwrap(), "{cart:#}");
}

#[tokio::test]
async fn a_code_is_applied_in_any_case_shown_once_and_removed() {
    let (_d, s) = shop(vec![promo("TENOFF", Off::Percent(10))]).await;
    let id = cart_with(&s, &[(BOOTS, 1), (SOCKS, 2)]).await;
    let (status, cart) = apply(&s, &id, "  tenoff ").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cart["codes"], json!(["TENOFF"]));
    assert_eq!(code_rows(&cart), [("TENOFF".to_owned(), 1_970)], "10 % of €197.00");
    assert_eq!(cart["total"]["amount"], 19_700 - 1_970);
    adds_up(&cart);
    // Again: nothing changes (not twice the discount).
    let (_, again) = apply(&s, &id, "TENOFF").await;
    assert_eq!(code_rows(&again), code_rows(&cart));
    // The code follows the cart: a quantity change re-prices it.
    let line = cart["lines"][0]["id"].as_str().unwrap();
    let (_, more) = send(reqwest::Method::PATCH, &s.url(&format!("/v1/carts/{id}/lines/{line}")), Some(json!({"quantity": 2})), &[]).await;
    assert_eq!(code_rows(&more), [("TENOFF".to_owned(), 3_560)]);
    adds_up(&more);

    let (status, gone) = send(reqwest::Method::DELETE, &s.url(&format!("/v1/carts/{id}/codes/tenoff")), None, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(gone.get("codes").is_none() && gone.get("discounts").is_none(), "{gone:#}");
    assert_eq!(gone["total"]["amount"], 2 * 15_900 + 2 * 1_900);
    let (status, err) = send(reqwest::Method::DELETE, &s.url(&format!("/v1/carts/{id}/codes/TENOFF")), None, &[]).await;
    assert_eq!((status, error_code(&err)), (StatusCode::NOT_FOUND, "not_found"));
}

#[tokio::test]
async fn every_rule_refuses_with_its_own_code_and_changes_nothing() {
    let now = crosscart_server::api::now_ms();
    let (_d, s) = shop(vec![
        Promotion { starts_at: Some(now + DAY), ..promo("LATER", Off::Percent(10)) },
        Promotion { ends_at: Some(now - DAY), ..promo("OVER", Off::Percent(10)) },
        Promotion { min_subtotal: Some(eur(20_000)), ..promo("BIG", Off::Amount(eur(2_500))) },
        promo("SOLO", Off::Percent(5)),
        Promotion { combinable: true, ..promo("STACK", Off::Amount(eur(500))) },
        promo("USD5", Off::Amount(Money::new(500, Currency::USD))),
    ])
    .await;
    let id = cart_with(&s, &[(BOOTS, 1)]).await;
    let before = get(&s.url(&format!("/v1/carts/{id}"))).await.1;
    for (code, expected) in [
        ("NOPE", "code_unknown"),
        ("LATER", "code_not_started"),
        ("OVER", "code_expired"),
        ("BIG", "code_minimum"),
        ("USD5", "code_unknown"),
        ("<script>", "code_unknown"),
        (&"A".repeat(5_000), "code_unknown"),
        ("TEN\u{0}OFF", "code_unknown"),
    ] {
        let (status, err) = apply(&s, &id, code).await;
        assert_eq!((status, error_code(&err)), (StatusCode::UNPROCESSABLE_ENTITY, expected), "{code:.20}");
    }
    assert_eq!(get(&s.url(&format!("/v1/carts/{id}"))).await.1, before, "a refused code changes nothing");

    // Not combinable: SOLO alone; STACK does not join SOLO, nor SOLO STACK.
    assert_eq!(apply(&s, &id, "SOLO").await.0, StatusCode::OK);
    let (status, err) = apply(&s, &id, "STACK").await;
    assert_eq!((status, error_code(&err)), (StatusCode::UNPROCESSABLE_ENTITY, "code_not_combinable"));
    send(reqwest::Method::DELETE, &s.url(&format!("/v1/carts/{id}/codes/SOLO")), None, &[]).await;
    assert_eq!(apply(&s, &id, "STACK").await.0, StatusCode::OK);
    let (status, err) = apply(&s, &id, "SOLO").await;
    assert_eq!((status, error_code(&err)), (StatusCode::UNPROCESSABLE_ENTITY, "code_not_combinable"));

    // Below the minimum later: the code stays, takes nothing off, and counts again above it.
    let id = cart_with(&s, &[(BOOTS, 2)]).await;
    let (status, cart) = apply(&s, &id, "big").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(code_rows(&cart), [("BIG".to_owned(), 2_500)]);
    let line = cart["lines"][0]["id"].as_str().unwrap().to_owned();
    let (_, one) = send(reqwest::Method::PATCH, &s.url(&format!("/v1/carts/{id}/lines/{line}")), Some(json!({"quantity": 1})), &[]).await;
    assert_eq!(one["codes"], json!(["BIG"]));
    assert!(code_rows(&one).is_empty());
    assert_eq!(one["total"]["amount"], 15_900);
    let (_, two) = send(reqwest::Method::PATCH, &s.url(&format!("/v1/carts/{id}/lines/{line}")), Some(json!({"quantity": 2})), &[]).await;
    assert_eq!(code_rows(&two), [("BIG".to_owned(), 2_500)]);

    // Unknown cart, closed cart.
    let (status, _) = apply(&s, "no-such-cart-0000000000000000000000", "SOLO").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_amount_never_takes_more_than_is_left_and_codes_stack_on_bundles() {
    let (_d, s) = shop(vec![
        Promotion { combinable: true, ..promo("HALF", Off::Percent(50)) },
        Promotion { combinable: true, ..promo("HUGE", Off::Amount(eur(1_000_000))) },
    ])
    .await;
    let id = cart_with(&s, &[(SOCKS, 1)]).await;
    let (_, cart) = apply(&s, &id, "HALF").await;
    let (_, cart2) = apply(&s, &id, "HUGE").await;
    assert_eq!(code_rows(&cart), [("HALF".to_owned(), 950)]);
    assert_eq!(code_rows(&cart2), [("HALF".to_owned(), 950), ("HUGE".to_owned(), 950)]);
    assert_eq!(cart2["total"]["amount"], 0, "never below zero");
    adds_up(&cart2);
    let (status, order) = post(&s.url("/v1/orders"), json!({"cart_id": id, "email": "free@example.com"})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(order["total"]["amount"], 0);
    assert_eq!(order["discount"]["amount"], 1_900);
}

#[tokio::test]
async fn usage_limits_hold_at_checkout_in_all_per_customer_and_under_a_race() {
    let (_d, s) = shop(vec![
        Promotion { usage_limit: Some(1), ..promo("ONCE", Off::Percent(10)) },
        Promotion { per_customer_limit: Some(1), ..promo("WELCOME", Off::Amount(eur(500))) },
    ])
    .await;
    // Two carts hold ONCE; both check out at the same moment: exactly one order gets it.
    let a = cart_with(&s, &[(SOCKS, 1)]).await;
    let b = cart_with(&s, &[(SOCKS, 1)]).await;
    assert_eq!(apply(&s, &a, "ONCE").await.0, StatusCode::OK);
    assert_eq!(apply(&s, &b, "ONCE").await.0, StatusCode::OK);
    let orders = s.url("/v1/orders");
    let (ra, rb) = tokio::join!(
        post(&orders, json!({"cart_id": a, "email": "a@example.com"})),
        post(&orders, json!({"cart_id": b, "email": "b@example.com"})),
    );
    let mut statuses = [ra.0, rb.0];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::CREATED, StatusCode::UNPROCESSABLE_ENTITY]);
    let (loser, loser_id) = if ra.0 == StatusCode::CREATED { (&rb.1, &b) } else { (&ra.1, &a) };
    assert_eq!(error_code(loser), "code_used_up");
    assert!(loser["error"]["message"].as_str().unwrap().starts_with("ONCE:"), "{loser}");
    // The losing cart is untouched; a new cart cannot take the code at all.
    assert_eq!(get(&s.url(&format!("/v1/carts/{loser_id}"))).await.0, StatusCode::OK);
    let c = cart_with(&s, &[(SOCKS, 1)]).await;
    assert_eq!(error_code(&apply(&s, &c, "ONCE").await.1), "code_used_up");
    // Taking the code out lets the losing cart check out at full price.
    send(reqwest::Method::DELETE, &s.url(&format!("/v1/carts/{loser_id}/codes/ONCE")), None, &[]).await;
    let (status, order) = post(&s.url("/v1/orders"), json!({"cart_id": loser_id, "email": "late@example.com"})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(order["total"]["amount"], 1_900);

    // Once per customer, by e-mail at checkout (a guest cart does not know who it is before).
    let first = cart_with(&s, &[(BOOTS, 1)]).await;
    apply(&s, &first, "WELCOME").await;
    let (status, order) = post(&s.url("/v1/orders"), json!({"cart_id": first, "email": "Olena@Example.com"})).await;
    assert_eq!((status, order["total"]["amount"].as_i64()), (StatusCode::CREATED, Some(15_400)));
    let second = cart_with(&s, &[(BOOTS, 1)]).await;
    assert_eq!(apply(&s, &second, "WELCOME").await.0, StatusCode::OK);
    let (status, err) = post(&s.url("/v1/orders"), json!({"cart_id": second, "email": "olena@example.com"})).await;
    assert_eq!((status, error_code(&err)), (StatusCode::UNPROCESSABLE_ENTITY, "code_used_by_you"));
    let (status, _) = post(&s.url("/v1/orders"), json!({"cart_id": second, "email": "taras@example.com"})).await;
    assert_eq!(status, StatusCode::CREATED, "another customer may");
}

#[tokio::test]
async fn the_reference_adapter_applies_and_removes_codes_and_maps_refusals() {
    use crosscart_core::protocol::reference::ReferenceAdapter;
    use crosscart_core::protocol::{CommerceAdapter, ProtocolError};
    let (_d, s) = shop(vec![promo("TENOFF", Off::Percent(10))]).await;
    let id = cart_with(&s, &[(BOOTS, 1)]).await;
    let a = ReferenceAdapter::new(&s.base);
    assert!(a.capabilities().discount_codes);
    let cart = execute(a.apply_code(&id, "tenoff", &[]).unwrap()).await.unwrap();
    assert_eq!(cart.codes, ["TENOFF"]);
    assert_eq!(cart.discount, Some(eur(1_590)));
    cart.check_sums().unwrap();
    let refused = execute(a.apply_code(&id, "WRONG", &[]).unwrap()).await.unwrap_err();
    assert!(matches!(&refused, ProtocolError::Api { status: 422, code, .. } if code == "code_unknown"), "{refused:?}");
    assert!(matches!(a.apply_code(&id, "no spaces", &[]), Err(ProtocolError::Api { .. })), "refused before sending");
    let cart = execute(a.remove_code(&id, "TENOFF", &[]).unwrap()).await.unwrap();
    assert!(cart.codes.is_empty() && cart.discount.is_none());
}
