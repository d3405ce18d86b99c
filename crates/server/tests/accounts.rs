//! Demo customer accounts over HTTP on loopback: Argon2id sign-in, a cart that
//! follows its customer, guest carts merged on sign-in, and no customer ever
//! reading or changing another's cart.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn sign_up_sign_in_sign_out_and_clear_refusals() {
    let (_d, path) = temp_db();
    let s = Server::start(&path).await;
    let (status, a) = post(&s.url("/v1/customers"), json!({"email": "olena@example.com", "password": "correct horse", "name": "Olena"})).await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    assert_schema("Session", &a);
    assert_eq!(a["customer"]["email"], "olena@example.com");
    let token = a["token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 64, "256-bit session token");
    let (status, me) = auth(reqwest::Method::GET, &s.url("/v1/customers/me"), Some(&token), None).await;
    assert_eq!((status, me["customer"]["name"].as_str()), (StatusCode::OK, Some("Olena")));

    for (body, code) in [
        (json!({"email": "OLENA@example.com", "password": "another one"}), "email_taken"),
        (json!({"email": "not-an-email", "password": "long enough"}), "invalid_email"),
        (json!({"email": "b@example.com", "password": "short"}), "weak_password"),
    ] {
        let (status, err) = post(&s.url("/v1/customers"), body).await;
        assert_eq!(error_code(&err), code, "{status}");
    }
    // Wrong password and unknown e-mail look the same.
    let (s1, e1) = post(&s.url("/v1/sessions"), json!({"email": "olena@example.com", "password": "wrong password"})).await;
    let (s2, e2) = post(&s.url("/v1/sessions"), json!({"email": "nobody@example.com", "password": "wrong password"})).await;
    assert_eq!((s1, s2), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
    assert_eq!(e1, e2);
    let (status, b) = post(&s.url("/v1/sessions"), json!({"email": "Olena@Example.com", "password": "correct horse"})).await;
    assert_eq!(status, StatusCode::OK, "e-mail is case-insensitive");
    let second = b["token"].as_str().unwrap().to_owned();
    assert_ne!(second, token);
    let out = reqwest::Client::new().delete(s.url("/v1/sessions")).bearer_auth(&second).send().await.unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let (status, err) = auth(reqwest::Method::GET, &s.url("/v1/customers/me"), Some(&second), None).await;
    assert_eq!((status, error_code(&err)), (StatusCode::UNAUTHORIZED, "signed_out"));
    let (status, _) = auth(reqwest::Method::GET, &s.url("/v1/customers/me"), Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "signing out one device leaves the other signed in");
}

#[tokio::test]
async fn a_customer_cart_follows_them_merges_guest_carts_and_is_private() {
    let (_d, path) = temp_db();
    let s = Server::start(&path).await;
    // On the laptop, as a guest: one camera; signing up keeps that cart as hers.
    let guest = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    post(&s.url(&format!("/v1/carts/{guest}/lines")), json!({"variant_id": "v-aperture-x100-1", "quantity": 1})).await;
    let (_, a) = post(&s.url("/v1/customers"), json!({"email": "olena@example.com", "password": "correct horse", "cart_id": guest})).await;
    let olena = a["token"].as_str().unwrap().to_owned();
    assert_eq!(a["cart_id"], guest.as_str());

    // Now it is private: no token, or another customer's token, sees nothing.
    let (_, b) = post(&s.url("/v1/customers"), json!({"email": "taras@example.com", "password": "another horse"})).await;
    let taras = b["token"].as_str().unwrap().to_owned();
    let cart_url = s.url(&format!("/v1/carts/{guest}"));
    for token in [None, Some(taras.as_str()), Some("forged-token")] {
        let (status, err) = auth(reqwest::Method::GET, &cart_url, token, None).await;
        assert_eq!((status, error_code(&err)), (StatusCode::NOT_FOUND, "not_found"), "token {token:?}");
        let (status, _) = auth(reqwest::Method::POST, &format!("{cart_url}/lines"), token, Some(json!({"variant_id": "v-nova-12-1", "quantity": 1}))).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = auth(reqwest::Method::GET, &format!("{cart_url}/events"), token, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = auth(reqwest::Method::POST, &s.url("/v1/orders"), token, Some(json!({"cart_id": guest, "email": "x@example.com"}))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "nor check it out");
    }
    let (status, cart) = auth(reqwest::Method::GET, &cart_url, Some(&olena), None).await;
    assert_eq!((status, quantity(&cart, "v-aperture-x100-1")), (StatusCode::OK, 1));

    // On her phone, as a guest, she adds two cameras and a card; signing in merges them.
    let phone_guest = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    post(&s.url(&format!("/v1/carts/{phone_guest}/lines")), json!({"variant_id": "v-aperture-x100-1", "quantity": 2})).await;
    post(&s.url(&format!("/v1/carts/{phone_guest}/lines")), json!({"variant_id": "v-sd-card-pro-1", "quantity": 1})).await;
    let (status, signed) = post(&s.url("/v1/sessions"), json!({"email": "olena@example.com", "password": "correct horse", "cart_id": phone_guest})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(signed["cart_id"], guest.as_str(), "her cart follows her");
    let phone = signed["token"].as_str().unwrap().to_owned();
    let (_, merged) = auth(reqwest::Method::GET, &cart_url, Some(&phone), None).await;
    assert_eq!((quantity(&merged, "v-aperture-x100-1"), quantity(&merged, "v-sd-card-pro-1")), (3, 1), "nothing lost, nothing doubled");
    let (status, err) = get(&s.url(&format!("/v1/carts/{phone_guest}"))).await;
    assert_eq!((status, error_code(&err)), (StatusCode::GONE, "cart_closed"), "the guest cart is closed after the merge");
    // Merging someone else's cart is not possible: Taras signing in with Olena's cart id gets his own.
    let (_, t) = post(&s.url("/v1/sessions"), json!({"email": "taras@example.com", "password": "another horse", "cart_id": guest})).await;
    assert_ne!(t["cart_id"], guest.as_str());
    let (_, still) = auth(reqwest::Method::GET, &cart_url, Some(&olena), None).await;
    assert_eq!(quantity(&still, "v-aperture-x100-1"), 3);
    // A signed-in customer's new cart is theirs from the start.
    let (_, fresh) = auth(reqwest::Method::POST, &s.url("/v1/carts"), Some(&taras), Some(json!({}))).await;
    let (status, _) = get(&s.url(&format!("/v1/carts/{}", fresh["id"].as_str().unwrap()))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
