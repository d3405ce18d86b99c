//! Crosscart's Medusa adapter against a real Medusa 2.21 (PostgreSQL + Redis
//! on loopback), started and seeded by `cargo xtask test --peers`, which runs
//! this file with `--ignored` and `CROSSCART_MEDUSA` = the seed's JSON
//! (`tests/peers/medusa/src/scripts/seed.js`) plus the server's `base_url`.

use crosscart_core::money::{Currency, Money};
use crosscart_core::protocol::medusa::MedusaAdapter;
mod common;

use crosscart_core::protocol::{Call, CommerceAdapter, NewLine, ProductQuery, ProtocolError};
use crosscart_core::Fulfillment;
use serde_json::Value;

struct Peer {
    seed: Value,
    adapter: MedusaAdapter,
}

fn peer() -> Peer {
    let path = std::env::var("CROSSCART_MEDUSA").expect("CROSSCART_MEDUSA names the seed file (run by cargo xtask test --peers)");
    let seed: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("seed file")).expect("seed JSON");
    let adapter = MedusaAdapter::new(seed["base_url"].as_str().unwrap(), seed["publishable_key"].as_str().unwrap(), seed["region_id"].as_str().unwrap())
        .with_stores_url(Some(format!("{}/crosscart-stores.json", seed["base_url"].as_str().unwrap())));
    Peer { seed, adapter }
}

impl Peer {
    fn variant(&self, sku: &str) -> String {
        self.seed["variants"][sku].as_str().unwrap_or_else(|| panic!("no variant {sku}")).to_owned()
    }
}

async fn run<T>(call: Result<Call<T>, ProtocolError>) -> Result<T, ProtocolError> {
    common::execute(call?).await
}

fn line(variant: &str, quantity: u32) -> NewLine {
    NewLine { variant_id: variant.into(), quantity, fulfillment: Fulfillment::Delivery, bundle: None, allow_transfer: false }
}

/// Medusa's own figures for a cart, read raw (not through the adapter).
async fn medusa_totals(p: &Peer, cart_id: &str) -> (String, Vec<(String, u64)>) {
    let url = format!("{}/store/carts/{cart_id}?fields=total,*items", p.seed["base_url"].as_str().unwrap());
    let v: Value = reqwest::Client::new().get(url).header("x-publishable-api-key", p.seed["publishable_key"].as_str().unwrap()).send().await.unwrap().json().await.unwrap();
    let items = v["cart"]["items"].as_array().unwrap().iter().map(|i| (i["variant_id"].as_str().unwrap().to_owned(), i["quantity"].as_u64().unwrap())).collect();
    (v["cart"]["total"].to_string(), items)
}

#[tokio::test]
#[ignore = "needs a real Medusa: cargo xtask test --peers"]
async fn catalog_cart_and_totals_against_a_real_medusa() {
    let p = peer();
    let products = run(p.adapter.list_products(&ProductQuery::default())).await.unwrap();
    assert_eq!(products.len(), 4, "{products:#?}");
    let boots = run(p.adapter.get_product("trail-boots")).await.unwrap();
    assert_eq!(boots.variants[0].price, Money::new(15900, Currency::EUR));
    let spray = products.iter().find(|x| x.handle == "waterproofing-spray").unwrap();
    assert_eq!(spray.variants[0].price.amount, 1250, "12.5 major units");
    assert_eq!(spray.title, "Waterproofing Spray <300 ml> & \"more\"");

    // Add, change quantity, remove: every answer is Medusa's cart, and the totals are Medusa's.
    let cart = run(p.adapter.create_cart(None)).await.unwrap();
    assert_eq!((cart.currency, cart.lines.len()), (Currency::EUR, 0));
    let cart = run(p.adapter.add_line(&cart.id, &line(&p.variant("TB-40"), 1))).await.unwrap();
    let cart = run(p.adapter.add_line(&cart.id, &line(&p.variant("MS-M"), 3))).await.unwrap();
    assert_eq!(cart.total.amount, 15900 + 3 * 1990);
    let socks = cart.lines.iter().find(|l| l.variant_id == p.variant("MS-M")).unwrap().id.clone();
    let cart = run(p.adapter.update_line(&cart.id, &socks, 2, None)).await.unwrap();
    assert_eq!(cart.total.amount, 15900 + 2 * 1990);
    let (total, items) = medusa_totals(&p, &cart.id).await;
    assert_eq!(Money::from_major(&total, Currency::EUR).unwrap(), cart.total, "our total is Medusa's");
    assert_eq!(items.len(), 2);
    let boots_line = cart.lines.iter().find(|l| l.variant_id == p.variant("TB-40")).unwrap().id.clone();
    let cart = run(p.adapter.remove_line(&cart.id, &boots_line, None)).await.unwrap();
    assert_eq!((cart.lines.len(), cart.total.amount), (1, 2 * 1990));
    let again = run(p.adapter.get_cart(&cart.id)).await.unwrap();
    assert_eq!(again, cart);

    // More than Medusa has: one error carrying what we know, and the cart is unchanged.
    let err = run(p.adapter.add_line(&cart.id, &line(&p.variant("WS-300"), 50))).await.unwrap_err();
    assert!(matches!(err, ProtocolError::InsufficientStock { available: None, .. }), "{err:?}");
    assert_eq!(run(p.adapter.get_cart(&cart.id)).await.unwrap(), cart);
    // Unknown ids: Medusa's clear not-found.
    let err = run(p.adapter.get_cart("cart_01UNKNOWN")).await.unwrap_err();
    assert_eq!(err.code(), "not_found", "{err:?}");
    let err = run(p.adapter.add_line(&cart.id, &line("variant_01UNKNOWN", 1))).await.unwrap_err();
    assert!(matches!(err, ProtocolError::Api { status: 400..=404, .. }), "{err:?}");
    // A wrong publishable key is refused by Medusa, and said so.
    let wrong = MedusaAdapter::new(p.seed["base_url"].as_str().unwrap(), "pk_wrong", p.seed["region_id"].as_str().unwrap());
    assert!(matches!(run(wrong.get_cart(&cart.id)).await.unwrap_err(), ProtocolError::Api { .. }));
}

#[tokio::test]
#[ignore = "needs a real Medusa: cargo xtask test --peers"]
async fn stock_per_location_against_a_real_medusa() {
    let p = peer();
    let stock = run(p.adapter.variant_stock(&p.variant("TB-40"))).await.unwrap();
    let at = |loc: &str| stock.stock.iter().find(|l| l.store_id == loc).map(|l| l.quantity);
    assert_eq!(at(p.seed["store_location_id"].as_str().unwrap()), Some(2));
    assert_eq!(at(p.seed["warehouse_location_id"].as_str().unwrap()), Some(10));
    let none = run(p.adapter.variant_stock(&p.variant("BL-1"))).await.unwrap();
    assert!(none.stock.iter().all(|l| l.quantity == 0), "{none:?}");
}

#[tokio::test]
#[ignore = "needs a real Medusa: cargo xtask test --peers"]
async fn sign_up_sign_in_and_the_guest_cart_follows() {
    let p = peer();
    let email = format!("peer-{}@example.com", std::process::id());
    // Medusa's sign-up: an auth identity, then the customer record with its token.
    let reg = run(p.adapter.sign_up(&email, "correct horse", "Ada", None)).await.unwrap();
    let created = run(p.adapter.clone().with_token(Some(reg.token)).create_customer(&email, "Ada")).await.unwrap();
    assert_eq!(created.email, email);
    // A guest fills a cart, then signs in: the cart becomes the customer's.
    let guest = run(p.adapter.create_cart(None)).await.unwrap();
    let guest = run(p.adapter.add_line(&guest.id, &line(&p.variant("MS-M"), 1))).await.unwrap();
    let session = run(p.adapter.sign_in(&email, "correct horse", Some(&guest.id))).await.unwrap();
    let signed = p.adapter.clone().with_token(Some(session.token));
    let me = run(signed.me()).await.unwrap();
    assert_eq!((me.customer.email.as_str(), me.customer.name.as_str()), (email.as_str(), "Ada"));
    let attached = run(signed.attach_cart(&guest.id)).await.unwrap();
    assert_eq!(attached.lines, guest.lines, "nothing lost in the transfer");
    let v: Value = reqwest::Client::new()
        .get(format!("{}/store/carts/{}?fields=%2Bcustomer_id", p.seed["base_url"].as_str().unwrap(), guest.id))
        .header("x-publishable-api-key", p.seed["publishable_key"].as_str().unwrap())
        .send().await.unwrap().json().await.unwrap();
    assert_eq!(v["cart"]["customer_id"].as_str(), Some(me.customer.id.as_str()));
    // A wrong password: Medusa's refusal, clearly.
    let err = run(p.adapter.sign_in(&email, "wrong", None)).await.unwrap_err();
    assert!(matches!(err, ProtocolError::Api { status: 401, .. }), "{err:?}");
}
