//! Post-checkout offers over HTTP on loopback against a real SQLite file:
//! the offer after an order, acceptance into a new cart, caps, the holdout
//! group, loyalty points, other channels and the report's figures.

mod common;

use common::*;
use crosscart_core::offer::{Arm, Experiment};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::path::Path;

const BOOTS: &str = "v-trail-boots-1";
/// The complements the demo's order history gives hiking boots.
const BOOT_COMPLEMENTS: [&str; 3] = ["p-merino-socks", "p-waterproofing-spray", "p-boot-laces"];
const WEEK_MS: i64 = 7 * 86_400_000;

fn experiment(holdout_bp: u32) -> Experiment {
    Experiment { id: "test-exp".into(), holdout_bp, arms: vec![Arm { name: "discount-10".into(), weight: 1, percent_off: 10, window_ms: 15 * 60_000 }] }
}

async fn shop(path: &Path, holdout_bp: u32) -> Server {
    Server::start_with(path, move |c| crosscart_server::offers::set_experiment(c, &experiment(holdout_bp))).await
}

struct Placed {
    id: String,
    key: String,
    total: i64,
}

/// Checks out a fresh cart holding `variants` (one of each).
async fn order(s: &Server, variants: &[&str], email: &str, token: Option<&str>, channel: &str) -> Placed {
    let (_, cart) = auth(Method::POST, &s.url("/v1/carts"), token, Some(json!({}))).await;
    let cart = cart["id"].as_str().unwrap().to_owned();
    for v in variants {
        let (status, c) = auth(Method::POST, &s.url(&format!("/v1/carts/{cart}/lines")), token, Some(json!({"variant_id": v, "quantity": 1}))).await;
        assert!(status.is_success(), "{c}");
    }
    let (status, o) = auth(Method::POST, &s.url("/v1/orders"), token, Some(json!({"cart_id": cart, "email": email, "channel": channel}))).await;
    assert_eq!(status, StatusCode::CREATED, "{o}");
    Placed { id: o["id"].as_str().unwrap().into(), key: o["key"].as_str().unwrap().into(), total: o["total"]["amount"].as_i64().unwrap() }
}

async fn offer(s: &Server, o: &Placed, query: &str) -> (StatusCode, Value) {
    send(Method::GET, &s.url(&format!("/v1/orders/{}/offer{query}", o.id)), None, &[("x-order-key", &o.key)]).await
}

async fn act(s: &Server, o: &Placed, what: &str, body: Value) -> (StatusCode, Value) {
    send(Method::POST, &s.url(&format!("/v1/orders/{}/offer/{what}", o.id)), Some(body), &[("x-order-key", &o.key)]).await
}

fn product_ids(offer: &Value) -> Vec<String> {
    offer["items"].as_array().unwrap().iter().map(|i| i["product_id"].as_str().unwrap().to_owned()).collect()
}

fn sql(path: &Path, statement: &str, params: &[&dyn rusqlite::ToSql]) -> usize {
    rusqlite::Connection::open(path).unwrap().execute(statement, params).unwrap()
}

#[tokio::test]
async fn an_order_gets_complements_and_accepting_fills_a_new_cart_at_the_offer_price() {
    let (_d, path) = temp_db();
    let s = shop(&path, 0).await;
    let o = order(&s, &[BOOTS], "ada@example.com", None, "web").await;
    // The customer looked at a UV filter earlier on this device.
    let (status, first) = offer(&s, &o, "?viewed=p-uv-filter-58").await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_schema("Offer", &first);
    assert_eq!((first["status"].as_str(), first["variant"].as_str(), first["percent_off"].as_u64()), (Some("open"), Some("discount-10"), Some(10)));
    let ids = product_ids(&first);
    assert_eq!(ids.len(), 3, "{first:#}");
    assert!(!ids.contains(&"p-trail-boots".to_owned()), "never what was just bought");
    assert!(ids.iter().all(|p| BOOT_COMPLEMENTS.contains(&p.as_str()) || p == "p-uv-filter-58"), "{ids:?}");
    assert!(ids.iter().filter(|p| BOOT_COMPLEMENTS.contains(&p.as_str())).count() >= 2, "complements first: {ids:?}");
    for item in first["items"].as_array().unwrap() {
        let price = item["price"]["amount"].as_i64().unwrap();
        assert_eq!(item["offer_price"]["amount"].as_i64().unwrap(), price - (price * 10 + 50) / 100, "{item}");
        assert_eq!(item["available"], true);
    }
    assert_eq!(first["expires_at"].as_i64().unwrap() - first["server_time"].as_i64().unwrap(), 15 * 60_000);
    assert_eq!(first["loyalty"]["earned"].as_u64(), Some((o.total / 100) as u64), "1 point per euro");
    assert!(first["loyalty"]["balance"].is_null(), "a guest sees no balance");

    // Asked again (a reload, another channel): the same decision and the same end.
    let (_, again) = offer(&s, &o, "?viewed=p-lens-cleaning-kit").await;
    assert_eq!((&again["expires_at"], product_ids(&again)), (&first["expires_at"], ids.clone()));

    // No information for a wrong key or an unknown order; no key at all is asked for.
    let (status, wrong) = send(Method::GET, &s.url(&format!("/v1/orders/{}/offer", o.id)), None, &[("x-order-key", "0000")]).await;
    let (status2, unknown) = send(Method::GET, &s.url("/v1/orders/no-such-order/offer"), None, &[("x-order-key", &o.key)]).await;
    assert_eq!((status, status2), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
    assert_eq!(wrong, unknown, "a wrong key looks exactly like an unknown order");
    let (status, _) = get(&s.url(&format!("/v1/orders/{}/offer", o.id))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = send(Method::POST, &s.url(&format!("/v1/orders/{}/offer/accept", o.id)), Some(json!({})), &[("x-order-key", "0000")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Events: recorded once per kind, whatever the reloads.
    for _ in 0..2 {
        let (status, _) = act(&s, &o, "events", json!({"kind": "impression"})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let (status, _) = act(&s, &o, "events", json!({"kind": "purchase"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Accept: only offered variants; then a new cart at the offer price.
    let (status, err) = act(&s, &o, "accept", json!({"variant_ids": [BOOTS]})).await;
    assert_eq!((status, error_code(&err)), (StatusCode::UNPROCESSABLE_ENTITY, "not_offered"));
    let (status, accepted) = act(&s, &o, "accept", json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{accepted}");
    let cart = &accepted["cart"];
    assert_schema("Cart", cart);
    let offered: i64 = first["items"].as_array().unwrap().iter().map(|i| i["offer_price"]["amount"].as_i64().unwrap()).sum();
    assert_eq!(cart["lines"].as_array().unwrap().len(), 3);
    assert_eq!(cart["total"]["amount"].as_i64(), Some(offered), "{cart:#}");
    let cart_id = cart["id"].as_str().unwrap().to_owned();
    // A double click answers the same cart.
    let (status, twice) = act(&s, &o, "accept", json!({})).await;
    assert_eq!((status, twice["cart"]["id"].as_str()), (StatusCode::OK, Some(cart_id.as_str())));
    let (_, after) = offer(&s, &o, "").await;
    assert_eq!((after["status"].as_str(), after["cart_id"].as_str()), (Some("accepted"), Some(cart_id.as_str())));

    // The new cart checks out like any other, at the offer price, and earns points.
    let (status, o2) = post(&s.url("/v1/orders"), json!({"cart_id": cart_id, "email": "ada@example.com"})).await;
    assert_eq!((status, o2["total"]["amount"].as_i64()), (StatusCode::CREATED, Some(offered)));
    let (status, err) = act(&s, &o, "accept", json!({})).await;
    assert_eq!((status, error_code(&err)), (StatusCode::CONFLICT, "offer_used"));

    // The report sees one impression, one accept and one attached order.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let report = crosscart_server::offers::report(&conn, WEEK_MS).unwrap();
    assert_eq!(report.len(), 1);
    let arm = &report[0];
    assert_eq!((arm.variant.as_str(), arm.impressions, arm.accepts), ("discount-10", 1, 1));
    assert_eq!(arm.attach.unwrap().value, 1.0);
    assert!((arm.added_revenue.unwrap().value - offered as f64 / 100.0).abs() < 1e-9);
}

#[tokio::test]
async fn late_sold_out_dismissed_and_capped_offers_are_refused_clearly() {
    let (_d, path) = temp_db();
    let s = shop(&path, 0).await;

    // Expired: refused with a clear message, and shown without the discount.
    let late = order(&s, &[BOOTS], "late@example.com", None, "web").await;
    offer(&s, &late, "").await;
    sql(&path, "UPDATE offers SET expires_at = ?2 WHERE order_id = ?1", &[&late.id, &(crosscart_server::api::now_ms() - 150_000)]);
    let (status, err) = act(&s, &late, "accept", json!({})).await;
    assert_eq!((status, error_code(&err)), (StatusCode::GONE, "offer_expired"));
    assert_eq!(err["error"]["message"], "this offer ended 2 min ago; the items are still in the shop at their usual price");
    let (_, expired) = offer(&s, &late, "").await;
    assert_eq!(expired["status"], "expired");
    assert!(expired["items"].as_array().unwrap().iter().all(|i| i["offer_price"] == i["price"]));

    // Sold out after the offer was made: refused, naming the item; no cart is made.
    let sold = order(&s, &[BOOTS], "sold@example.com", None, "web").await;
    let (_, o) = offer(&s, &sold, "").await;
    let gone = o["items"][0]["variant_id"].as_str().unwrap().to_owned();
    sql(&path, "UPDATE stock SET quantity = 0 WHERE variant_id = ?1", &[&gone]);
    sql(&path, "UPDATE warehouse_stock SET quantity = 0 WHERE variant_id = ?1", &[&gone]);
    let (_, o) = offer(&s, &sold, "").await;
    assert_eq!(o["items"][0]["available"], false);
    let (status, err) = act(&s, &sold, "accept", json!({})).await;
    assert_eq!((status, error_code(&err)), (StatusCode::CONFLICT, "insufficient_stock"));
    assert!(err["error"]["message"].as_str().unwrap().contains(o["items"][0]["title"].as_str().unwrap()), "{err}");
    // The rest can still be taken.
    let rest: Vec<&str> = o["items"].as_array().unwrap()[1..].iter().map(|i| i["variant_id"].as_str().unwrap()).collect();
    let (status, ok) = act(&s, &sold, "accept", json!({"variant_ids": rest})).await;
    assert_eq!((status, ok["cart"]["lines"].as_array().map(Vec::len)), (StatusCode::CREATED, Some(2)));

    // An out-of-stock complement is never offered in the first place.
    let next = order(&s, &[BOOTS], "next@example.com", None, "web").await;
    let (_, o) = offer(&s, &next, "").await;
    assert!(!o["items"].as_array().unwrap().iter().any(|i| i["variant_id"] == gone.as_str()), "{o:#}");

    // Dismissed: remembered; accepting later is refused; the next order within the cap gets nothing.
    let d = order(&s, &[BOOTS], "dora@example.com", None, "web").await;
    offer(&s, &d, "").await;
    let (status, _) = act(&s, &d, "events", json!({"kind": "dismiss"})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, o) = offer(&s, &d, "").await;
    assert_eq!(o["status"], "dismissed");
    let (status, err) = act(&s, &d, "accept", json!({})).await;
    assert_eq!((status, error_code(&err)), (StatusCode::CONFLICT, "offer_dismissed"));
    let d2 = order(&s, &[BOOTS], " DORA@example.com", None, "app").await;
    let (_, o) = offer(&s, &d2, "").await;
    assert_eq!((o["status"].as_str(), o["reason"].as_str()), (Some("none"), Some("capped")), "same customer on another channel");
    assert!(o["items"].as_array().unwrap().is_empty());
    let (status, err) = act(&s, &d2, "events", json!({"kind": "impression"})).await;
    assert_eq!((status, error_code(&err)), (StatusCode::CONFLICT, "no_offer"));

    // One offer per week even without a dismissal; an old order gets none.
    let old = order(&s, &[BOOTS], "old@example.com", None, "web").await;
    sql(&path, "UPDATE orders SET created_at = created_at - ?2 WHERE id = ?1", &[&old.id, &(8 * 86_400_000i64)]);
    let (_, o) = offer(&s, &old, "").await;
    assert_eq!((o["status"].as_str(), o["reason"].as_str()), (Some("none"), Some("too_late")));
}

#[tokio::test]
async fn the_holdout_group_sees_nothing_but_counts_in_the_report() {
    let (_d, path) = temp_db();
    let s = shop(&path, 5000).await;
    let exp = experiment(5000);
    let group = |email: &str| exp.assign(&crosscart_server::db::sha256_hex(&crosscart_core::offer::unit_id(email, ""))).name().to_owned();
    let held = (0..).map(|i| format!("held{i}@example.com")).find(|e| group(e) == "holdout").unwrap();
    let shown = (0..).map(|i| format!("shown{i}@example.com")).find(|e| group(e) == "discount-10").unwrap();

    let h = order(&s, &[BOOTS], &held, None, "web").await;
    let (_, o) = offer(&s, &h, "").await;
    assert_schema("Offer", &o);
    assert_eq!((o["status"].as_str(), o["variant"].as_str(), o["percent_off"].as_u64()), (Some("holdout"), Some("holdout"), Some(0)));
    assert!(o["items"].as_array().unwrap().is_empty(), "the holdout group is shown nothing");
    let (status, _) = act(&s, &h, "events", json!({"kind": "impression"})).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "its exposure is recorded");
    let (status, _) = act(&s, &h, "accept", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    // Later the held-out customer buys socks anyway: that counts for the holdout's attach rate.
    order(&s, &["v-merino-socks-1"], &held, None, "web").await;

    let t = order(&s, &[BOOTS], &shown, None, "web").await;
    offer(&s, &t, "").await;
    act(&s, &t, "events", json!({"kind": "impression"})).await;
    act(&s, &t, "events", json!({"kind": "dismiss"})).await;

    let conn = rusqlite::Connection::open(&path).unwrap();
    let report = crosscart_server::offers::report(&conn, WEEK_MS).unwrap();
    let arm = |v: &str| report.iter().find(|r| r.variant == v).unwrap_or_else(|| panic!("{v} in {report:?}"));
    assert_eq!((arm("holdout").impressions, arm("holdout").attach.unwrap().value), (1, 1.0));
    assert!(arm("holdout").acceptance.is_none(), "the holdout cannot accept");
    assert_eq!((arm("discount-10").impressions, arm("discount-10").dismissals, arm("discount-10").attach.unwrap().value), (1, 1, 0.0));
    assert_eq!(arm("discount-10").attach_uplift.unwrap().value, -1.0);
    let table = crosscart_server::offers::report_table(&report, 7.0);
    assert!(table.lines().count() == 4 && table.contains("holdout") && table.contains("-100.0 pp"), "{table}");
}

#[tokio::test]
async fn a_customer_sees_the_offer_of_an_order_from_another_channel_on_the_next_visit() {
    let (_d, path) = temp_db();
    let s = shop(&path, 0).await;
    let (_, a) = post(&s.url("/v1/customers"), json!({"email": "mila@example.com", "password": "correct horse"})).await;
    let token = a["token"].as_str().unwrap().to_owned();
    // Viewed on the web while signed in; bought at the store counter.
    let (status, _) = auth(Method::POST, &s.url("/v1/customers/me/viewed"), Some(&token), Some(json!({"product_id": "p-uv-filter-58"}))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, err) = auth(Method::POST, &s.url("/v1/customers/me/viewed"), Some(&token), Some(json!({"product_id": "<script>"}))).await;
    assert_eq!((status, error_code(&err)), (StatusCode::NOT_FOUND, "not_found"));
    let (status, _) = auth(Method::POST, &s.url("/v1/customers/me/viewed"), None, Some(json!({"product_id": "p-uv-filter-58"}))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let placed = order(&s, &[BOOTS], "mila@example.com", Some(&token), "store").await;

    let (status, o) = auth(Method::GET, &s.url("/v1/customers/me/offer"), Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{o}");
    assert_schema("Offer", &o);
    assert_eq!((o["order_id"].as_str(), o["status"].as_str()), (Some(placed.id.as_str()), Some("open")));
    assert!(product_ids(&o).contains(&"p-uv-filter-58".to_owned()), "the view kept for the customer counts: {o:#}");
    let earned = o["loyalty"]["earned"].as_u64().unwrap();
    assert_eq!(o["loyalty"]["balance"].as_u64(), Some(earned), "a signed-in customer sees the balance");
    // Acting with the session (no order key).
    let (status, _) = auth(Method::POST, &s.url(&format!("/v1/orders/{}/offer/events", placed.id)), Some(&token), Some(json!({"kind": "impression"}))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // Once shown, the next visit does not show it again.
    let (status, _) = auth(Method::GET, &s.url("/v1/customers/me/offer"), Some(&token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // An order placed as a guest with the same e-mail is not hers to see (addresses are not verified),
    // and its points do not join her balance.
    let guest = order(&s, &["v-nova-12-1"], "mila@example.com", None, "web").await;
    let (status, _) = auth(Method::GET, &s.url("/v1/customers/me/offer"), Some(&token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = auth(Method::GET, &s.url(&format!("/v1/orders/{}/offer", guest.id)), Some(&token), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, again) = auth(Method::GET, &s.url(&format!("/v1/orders/{}/offer", placed.id)), Some(&token), None).await;
    assert_eq!(again["loyalty"]["balance"].as_u64(), Some(earned));
    // Another customer's session gets nothing, not even whether the order exists.
    let (_, b) = post(&s.url("/v1/customers"), json!({"email": "eve@example.com", "password": "correct horse"})).await;
    let eve = b["token"].as_str().unwrap();
    let (status, _) = auth(Method::GET, &s.url(&format!("/v1/orders/{}/offer", placed.id)), Some(eve), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = auth(Method::POST, &s.url(&format!("/v1/orders/{}/offer/accept", placed.id)), Some(eve), Some(json!({}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = auth(Method::GET, &s.url("/v1/customers/me/offer"), None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
