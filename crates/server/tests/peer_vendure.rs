//! Crosscart's Vendure adapter against a real Vendure 3.7.3 (its own
//! PostgreSQL on loopback), started and seeded by `cargo xtask test --peers`,
//! which runs this file with `--ignored` and `CROSSCART_VENDURE` = the seed's
//! JSON (`tests/peers/vendure/src/server.js`).

mod common;

use crosscart_core::protocol::vendure::VendureAdapter;
use crosscart_core::protocol::{Call, CommerceAdapter, NewLine, ProductQuery, ProtocolError};
use crosscart_core::{Cart, Fulfillment};
use serde_json::{json, Value};

struct Peer {
    seed: Value,
}

fn peer() -> Peer {
    let path = std::env::var("CROSSCART_VENDURE").expect("CROSSCART_VENDURE names the seed file (run by cargo xtask test --peers)");
    Peer { seed: serde_json::from_str(&std::fs::read_to_string(&path).expect("seed file")).expect("seed JSON") }
}

impl Peer {
    fn url(&self) -> &str {
        self.seed["base_url"].as_str().unwrap()
    }
    fn adapter(&self, token: Option<String>) -> VendureAdapter {
        VendureAdapter::new(self.url(), Some(self.seed["channel_token"].as_str().unwrap().to_owned())).with_token(token)
    }
    fn variant(&self, sku: &str) -> String {
        self.seed["variants"][sku].as_str().unwrap_or_else(|| panic!("no variant {sku}")).to_owned()
    }
    /// A Shop API call made directly (not through the adapter), on a session.
    async fn raw(&self, session: &str, query: &str, variables: Value) -> Value {
        reqwest::Client::new()
            .post(self.url())
            .header("vendure-token", self.seed["channel_token"].as_str().unwrap())
            .bearer_auth(session)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
    /// Vendure's own view of the session's order: (sku, quantity) and its total.
    async fn order(&self, session: &str) -> (Vec<(String, u64)>, i64) {
        let v = self.raw(session, "{ activeOrder { totalWithTax lines { quantity productVariant { sku } } } }", json!({})).await;
        let o = &v["data"]["activeOrder"];
        let lines = o["lines"].as_array().map(|ls| ls.iter().map(|l| (l["productVariant"]["sku"].as_str().unwrap().to_owned(), l["quantity"].as_u64().unwrap())).collect()).unwrap_or_default();
        (lines, o["totalWithTax"].as_i64().unwrap_or(0))
    }
}

async fn run<T>(call: Result<Call<T>, ProtocolError>) -> Result<T, ProtocolError> {
    common::execute(call?).await
}

fn line(variant: &str, quantity: u32) -> NewLine {
    NewLine { variant_id: variant.into(), quantity, fulfillment: Fulfillment::Delivery, bundle: None, allow_transfer: false }
}

fn units(cart: &Cart) -> u64 {
    cart.lines.iter().map(|l| u64::from(l.quantity)).sum()
}

/// The figures shown add up: lines = subtotal, subtotal − discount = total.
fn adds_up(cart: &Cart) {
    let lines: i64 = cart.lines.iter().map(|l| l.line_total.amount).sum();
    assert_eq!(lines, cart.subtotal.amount, "{cart:#?}");
    assert_eq!(cart.subtotal.amount - cart.discount.map_or(0, |d| d.amount), cart.total.amount, "{cart:#?}");
}

#[tokio::test]
#[ignore = "needs a real Vendure: cargo xtask test --peers"]
async fn catalog_and_a_cart_from_add_to_remove() {
    let p = peer();
    let guest = p.adapter(None);
    let products = run(guest.list_products(&ProductQuery::default())).await.unwrap();
    assert_eq!(products.len(), 3, "{products:#?}");
    let camera = run(guest.get_product("aperture-x100")).await.unwrap();
    assert_eq!(camera.variants[0].price.amount, 155_880, "1,299.00 plus 20 % tax");
    assert!(camera.description.contains("<b>fixed</b>"), "markup arrives as text: {}", camera.description);

    let cart = run(guest.create_cart(None)).await.unwrap();
    let card = p.variant("SDPRO64");
    let cart = run(guest.add_line(&cart.id, &line(&card, 2))).await.unwrap();
    let line_id = cart.lines[0].id.clone();
    assert_eq!(units(&cart), 2);
    adds_up(&cart);
    let cart = run(guest.update_line(&cart.id, &line_id, 3, None)).await.unwrap();
    assert_eq!(units(&cart), 3);
    assert_eq!(p.order(&cart.id).await.0, vec![("SDPRO64".to_owned(), 3)]);
    // Removing a line, and a quantity of 0, work (both were refused by Vendure's schema).
    let cart = run(guest.remove_line(&cart.id, &line_id, None)).await.unwrap();
    assert_eq!(units(&cart), 0, "{cart:#?}");
    let cart = run(guest.add_line(&cart.id, &line(&card, 1))).await.unwrap();
    let cart = run(guest.update_line(&cart.id, &cart.lines[0].id, 0, None)).await.unwrap();
    assert_eq!(units(&cart), 0);
    assert!(p.order(&cart.id).await.0.is_empty());
}

#[tokio::test]
#[ignore = "needs a real Vendure: cargo xtask test --peers"]
async fn over_stock_says_how_many_are_left_and_the_cart_is_vendures() {
    let p = peer();
    let guest = p.adapter(None);
    let pouch = p.variant("POUCH");
    let cart = run(guest.create_cart(None)).await.unwrap();
    let err = run(guest.add_line(&cart.id, &line(&pouch, 5))).await.unwrap_err();
    assert!(matches!(err, ProtocolError::InsufficientStock { available: Some(2), .. }), "{err:?}");
    // Vendure added what it had; the cart read afterwards (as the elements do) is Vendure's.
    let shown = run(guest.get_cart(&cart.id)).await.unwrap();
    assert_eq!(p.order(&cart.id).await.0, vec![("POUCH".to_owned(), 2)]);
    assert_eq!(units(&shown), 2);
    let err = run(guest.update_line(&cart.id, &shown.lines[0].id, 7, None)).await.unwrap_err();
    assert!(matches!(err, ProtocolError::InsufficientStock { available: Some(2), .. }), "{err:?}");
    let shown = run(guest.get_cart(&cart.id)).await.unwrap();
    assert_eq!((units(&shown), p.order(&cart.id).await.0), (2, vec![("POUCH".to_owned(), 2)]));
}

#[tokio::test]
#[ignore = "needs a real Vendure: cargo xtask test --peers"]
async fn a_coupon_is_one_discount_and_the_figures_add_up_to_vendures_total() {
    let p = peer();
    let guest = p.adapter(None);
    let cart = run(guest.create_cart(None)).await.unwrap();
    run(guest.add_line(&cart.id, &line(&p.variant("AX100"), 1))).await.unwrap();
    run(guest.add_line(&cart.id, &line(&p.variant("SDPRO64"), 2))).await.unwrap();
    let applied = p.raw(&cart.id, "mutation C($c: String!) { applyCouponCode(couponCode: $c) { __typename } }", json!({ "c": p.seed["coupon"] })).await;
    assert_eq!(applied["data"]["applyCouponCode"]["__typename"], "Order", "{applied}");
    let shown = run(guest.get_cart(&cart.id)).await.unwrap();
    adds_up(&shown);
    let (_, vendure_total) = p.order(&cart.id).await;
    assert_eq!(shown.total.amount, vendure_total);
    let subtotal = 155_880 + 2 * 4_680;
    assert_eq!(shown.subtotal.amount, subtotal, "the lines, before the discount");
    assert_eq!(shown.discount.map(|d| d.amount), Some(subtotal / 10), "10 % off, shown once");
}

#[tokio::test]
#[ignore = "needs a real Vendure: cargo xtask test --peers"]
async fn sign_in_me_and_sign_out() {
    let p = peer();
    let guest = p.adapter(None);
    let cart = run(guest.create_cart(None)).await.unwrap();
    run(guest.add_line(&cart.id, &line(&p.variant("SDPRO64"), 1))).await.unwrap();
    let session = run(guest.sign_in(p.seed["email"].as_str().unwrap(), p.seed["password"].as_str().unwrap(), Some(&cart.id))).await.unwrap();
    let signed_in = p.adapter(Some(session.token.clone()));
    let me = run(signed_in.me()).await.unwrap();
    assert_eq!(me.customer.email, p.seed["email"].as_str().unwrap());
    assert_eq!(me.customer.name, "Olena K");
    let customer_id = p.raw(&session.token, "{ activeCustomer { id } }", json!({})).await["data"]["activeCustomer"]["id"].as_str().unwrap().to_owned();
    assert_eq!(me.customer.id, customer_id, "the Customer's id, not the User's");
    let carted = run(signed_in.get_cart(me.cart_id.as_deref().unwrap())).await.unwrap();
    assert_eq!(units(&carted), 1, "the guest's line came along");
    // Sign-out ends the session on Vendure's side: the token no longer works.
    run(signed_in.sign_out().map(|c| c.expect("Vendure has a logout to call"))).await.unwrap();
    let err = run(signed_in.me()).await.unwrap_err();
    assert!(matches!(&err, ProtocolError::Api { status: 401, .. }), "{err:?}");
    let wrong = run(guest.sign_in(p.seed["email"].as_str().unwrap(), "wrong password", None)).await.unwrap_err();
    assert!(matches!(&wrong, ProtocolError::Api { status: 401, .. }), "{wrong:?}");
}

#[tokio::test]
#[ignore = "needs a real Vendure: cargo xtask test --peers"]
async fn coupon_codes_through_the_adapter_refused_applied_and_removed() {
    let p = peer();
    let guest = p.adapter(None);
    assert!(guest.capabilities().discount_codes);
    let cart = run(guest.create_cart(None)).await.unwrap();
    run(guest.add_line(&cart.id, &line(&p.variant("SDPRO64"), 2))).await.unwrap();
    let refused = run(guest.apply_code(&cart.id, "NOPE", &[])).await.unwrap_err();
    assert!(matches!(&refused, ProtocolError::Api { status: 422, code, .. } if code == "code_unknown"), "{refused:?}");
    let applied = run(guest.apply_code(&cart.id, p.seed["coupon"].as_str().unwrap(), &[])).await.unwrap();
    adds_up(&applied);
    assert_eq!(applied.codes, ["TENOFF"]);
    assert_eq!(applied.discount.map(|d| d.amount), Some(2 * 4_680 / 10));
    let (_, vendure_total) = p.order(&cart.id).await;
    assert_eq!(applied.total.amount, vendure_total);
    let removed = run(guest.remove_code(&cart.id, "TENOFF", &applied.codes)).await.unwrap();
    assert!(removed.codes.is_empty() && removed.discount.is_none(), "{removed:#?}");
    assert_eq!(removed.total.amount, 2 * 4_680);
}
