//! Handoff codes over HTTP on loopback: a short code and a QR code open a cart
//! on another device or at a store counter, once, before they expire.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn code_for(s: &Server, cart: &str, token: Option<&str>) -> (StatusCode, Value) {
    auth(reqwest::Method::POST, &s.url(&format!("/v1/carts/{cart}/handoff")), token, None).await
}

#[tokio::test]
async fn a_code_opens_the_cart_once_and_shows_a_qr_code() {
    let (_d, path) = temp_db();
    let s = Server::start(&path).await;
    let id = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    post(&s.url(&format!("/v1/carts/{id}/lines")), json!({"variant_id": "v-nova-12-1", "quantity": 2})).await;
    let (status, h) = code_for(&s, &id, None).await;
    assert_eq!(status, StatusCode::CREATED, "{h}");
    let code = h["code"].as_str().unwrap().to_owned();
    assert!(regex_like(&code), "{code}");
    assert_eq!(h["expires_at"].as_i64().unwrap() - h["now"].as_i64().unwrap(), 10 * 60 * 1000);
    assert!(h["url"].as_str().unwrap().ends_with(&format!("/handoff.html?code={code}")));
    // The QR code is an SVG rendered by the shop's own server.
    let qr = reqwest::get(s.url(h["qr"].as_str().unwrap())).await.unwrap();
    assert_eq!(qr.headers()["content-type"], "image/svg+xml");
    let svg = qr.text().await.unwrap();
    assert!(svg.starts_with("<?xml") && svg.contains("<svg") && svg.len() > 1000, "{}", &svg[..100.min(svg.len())]);

    // Typed sloppily (lower case, no dash), it still works — once.
    let typed = code.replace('-', "").to_lowercase();
    let (status, claimed) = post(&s.url(&format!("/v1/handoff/{typed}/claim")), json!({"channel": "web"})).await;
    assert_eq!(status, StatusCode::OK, "{claimed}");
    assert_eq!(claimed["cart_id"], id.as_str());
    assert_eq!(claimed["cart"]["lines"][0]["quantity"], 2);
    let (status, err) = post(&s.url(&format!("/v1/handoff/{code}/claim")), json!({"channel": "web"})).await;
    assert_eq!((status, error_code(&err)), (StatusCode::GONE, "handoff_used"));
    let (status, _) = get(&s.url(h["qr"].as_str().unwrap())).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no QR code for a used code");
    // Unknown and malformed codes.
    for bad in ["ZZZ-ZZZ", "0OO-0OO", "<script>", "AAAAAAAAAAAA"] {
        let (status, err) = post(&s.url(&format!("/v1/handoff/{bad}/claim")), json!({})).await;
        assert_eq!((status, error_code(&err)), (StatusCode::NOT_FOUND, "not_found"), "{bad}");
    }
    let (status, _) = post(&s.url(&format!("/v1/handoff/{code}/claim")), json!({"channel": "fax"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // An expired code (its 10 minutes moved into the past in the shop's database).
    let (_, late) = code_for(&s, &id, None).await;
    let late = late["code"].as_str().unwrap().replace('-', "");
    rusqlite::Connection::open(&path).unwrap().execute("UPDATE handoff_codes SET expires_at = 0 WHERE code = ?1", [&late]).unwrap();
    let (status, err) = post(&s.url(&format!("/v1/handoff/{late}/claim")), json!({})).await;
    assert_eq!((status, error_code(&err)), (StatusCode::GONE, "handoff_expired"));
}

fn regex_like(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 7 && b[3] == b'-' && code.chars().filter(|c| *c != '-').all(|c| "23456789ABCDEFGHJKMNPQRSTVWXYZ".contains(c))
}

#[tokio::test]
async fn a_customers_cart_goes_only_to_a_store_counter_which_completes_it() {
    let (_d, path) = temp_db();
    let s = Server::start(&path).await;
    let guest = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    post(&s.url(&format!("/v1/carts/{guest}/lines")), json!({"variant_id": "v-nova-12-1", "quantity": 1})).await;
    let (_, a) = post(&s.url("/v1/customers"), json!({"email": "olena@example.com", "password": "correct horse", "cart_id": guest})).await;
    let token = a["token"].as_str().unwrap().to_owned();
    let (status, _) = code_for(&s, &guest, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "only its customer can make a code for it");
    let (_, h) = code_for(&s, &guest, Some(&token)).await;
    let code = h["code"].as_str().unwrap().to_owned();
    // On the web a customer's cart needs her sign-in; the code stays usable.
    let (status, err) = post(&s.url(&format!("/v1/handoff/{code}/claim")), json!({"channel": "web"})).await;
    assert_eq!((status, error_code(&err)), (StatusCode::CONFLICT, "sign_in_required"));
    // At the counter the clerk claims it and completes it as an in-store order with the grant.
    let (status, claimed) = post(&s.url(&format!("/v1/handoff/{code}/claim")), json!({"channel": "store"})).await;
    assert_eq!(status, StatusCode::OK, "{claimed}");
    let grant = claimed["grant"].as_str().unwrap();
    let (status, _) = post(&s.url("/v1/orders"), json!({"cart_id": guest, "email": "counter@store.example", "channel": "store"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not without the grant");
    let auth = format!("Handoff {grant}");
    let (status, order) = send(reqwest::Method::POST, &s.url("/v1/orders"), Some(json!({"cart_id": guest, "email": "counter@store.example", "channel": "store"})), &[("authorization", auth.as_str())]).await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    assert_eq!(order["channel"], "store");
}

/// Medium (issue 14): the limit was one counter for the whole shop, so
/// one guesser locked every customer out. Now wrong codes count per client
/// address, claims and QR lookups alike; another client is unaffected.
#[tokio::test]
async fn guessing_codes_is_cut_off_for_the_guesser_only() {
    let (_d, path) = temp_db();
    let s = Server::start(&path).await;
    // A genuine code, for a cart with something in it.
    let cart = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    post(&s.url(&format!("/v1/carts/{cart}/lines")), json!({"variant_id": "v-nova-12-1", "quantity": 1})).await;
    let (status, handoff) = post(&s.url(&format!("/v1/carts/{cart}/handoff")), json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{handoff}");
    let code = handoff["code"].as_str().unwrap().replace('-', "");

    let guesser = reqwest::Client::new(); // 127.0.0.1
    let mut wrong = 0;
    let limited = loop {
        let guess = format!("ZZZ{:03}", wrong).replace('0', "2").replace('1', "3");
        let res = if wrong % 2 == 0 {
            guesser.post(s.url(&format!("/v1/handoff/{guess}/claim"))).json(&json!({})).send().await.unwrap()
        } else {
            guesser.get(s.url(&format!("/v1/handoff/{guess}/qr.svg"))).send().await.unwrap()
        };
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            break true;
        }
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        wrong += 1;
        if wrong > 40 {
            break false;
        }
    };
    assert!(limited && wrong == 20, "claims and QR misses together are cut off after 20 a minute (got {wrong})");
    // The guesser cannot use even a genuine code now (it cannot tell one from a guess)…
    let res = guesser.get(s.url(&format!("/v1/handoff/{code}/qr.svg"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    // …but a shopper on another address claims theirs.
    let shopper = reqwest::Client::builder().local_address(std::net::IpAddr::from([127, 0, 0, 2])).build().unwrap();
    let res = shopper.post(s.url(&format!("/v1/handoff/{code}/claim"))).json(&json!({})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}
