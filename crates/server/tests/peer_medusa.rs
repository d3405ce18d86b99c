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
    assert_eq!(products.len(), 5, "{products:#?}");
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
    assert!(none.stock.iter().all(|l| l.quantity == 0) && !none.untracked, "{none:?}");
    // A variant Medusa does not count is never "sold out", and Medusa sells any quantity of it.
    let gift = run(p.adapter.variant_stock(&p.variant("GC-25"))).await.unwrap();
    assert!(gift.untracked, "{gift:?}");
    assert_eq!(gift.free_at(p.seed["store_location_id"].as_str().unwrap()), crosscart_core::store::UNTRACKED);
    let cart = run(p.adapter.create_cart(None)).await.unwrap();
    let cart = run(p.adapter.add_line(&cart.id, &line(&p.variant("GC-25"), 40))).await.unwrap();
    assert_eq!(cart.lines[0].quantity, 40);
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

/// A raw Store API call the adapter does not make (the checkout's address,
/// shipping method and promotion code steps).
async fn medusa_post(p: &Peer, path: &str, body: Value) -> Value {
    let answer = reqwest::Client::new()
        .post(format!("{}{path}", p.seed["base_url"].as_str().unwrap()))
        .header("x-publishable-api-key", p.seed["publishable_key"].as_str().unwrap())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "{path}: {}", answer.text().await.unwrap());
    answer.json().await.unwrap()
}

/// A cart in `region` with the boots and the socks, an address in
/// `country`, Medusa's flat-rate shipping and `code` applied: Medusa's raw
/// figures and ours for the same cart.
async fn taxed_cart(p: &Peer, region: &str, country: &str, code: &str, shipping: bool, boots: bool) -> (Value, crosscart_core::Cart) {
    let adapter = MedusaAdapter::new(p.seed["base_url"].as_str().unwrap(), p.seed["publishable_key"].as_str().unwrap(), p.seed[region].as_str().unwrap());
    let cart = run(adapter.create_cart(None)).await.unwrap();
    run(adapter.add_line(&cart.id, &line(&p.variant("MS-M"), 1))).await.unwrap();
    if boots {
        run(adapter.add_line(&cart.id, &line(&p.variant("TB-40"), 1))).await.unwrap();
    }
    medusa_post(p, &format!("/store/carts/{}", cart.id), serde_json::json!({ "shipping_address": { "country_code": country } })).await;
    if shipping {
        medusa_post(p, &format!("/store/carts/{}/shipping-methods", cart.id), serde_json::json!({ "option_id": p.seed["shipping_option_id"] })).await;
    }
    medusa_post(p, &format!("/store/carts/{}/promotions", cart.id), serde_json::json!({ "promo_codes": [code] })).await;
    let ours = run(adapter.get_cart(&cart.id)).await.unwrap();
    let fields = "total,original_item_total,item_subtotal,discount_total,discount_subtotal,shipping_total,shipping_subtotal,tax_total";
    let url = format!("{}/store/carts/{}?fields={fields}", p.seed["base_url"].as_str().unwrap(), cart.id);
    let raw: Value = reqwest::Client::new().get(url).header("x-publishable-api-key", p.seed["publishable_key"].as_str().unwrap()).send().await.unwrap().json().await.unwrap();
    (raw["cart"].clone(), ours)
}

/// Medusa's figure (a JSON number in major units, maybe below the cent) in cents, exactly.
fn medusa_figure(raw: &Value, field: &str, cur: Currency) -> crosscart_core::money::Exact {
    crosscart_core::money::Exact::from_major(&raw[field].to_string(), cur).unwrap_or_else(|e| panic!("{field}: {e}"))
}

/// Every figure we show is Medusa's, rounded once (no figure more than a
/// cent away, the total exactly Medusa's rounded), and they add up.
fn assert_figures_are_medusas(raw: &Value, cart: &crosscart_core::Cart, gross: bool) {
    let cur = cart.currency;
    cart.check_sums().unwrap_or_else(|e| panic!("{e}: {cart:#?}"));
    let (subtotal, discount, shipping) = if gross { ("original_item_total", "discount_total", "shipping_total") } else { ("item_subtotal", "discount_subtotal", "shipping_subtotal") };
    assert_eq!(cart.total, medusa_figure(raw, "total", cur).round().unwrap(), "total: {raw}");
    assert_eq!(cart.subtotal, medusa_figure(raw, subtotal, cur).round().unwrap(), "subtotal: {raw}");
    for (ours, field) in [(cart.discount, discount), (cart.shipping, shipping), (cart.tax, "tax_total")] {
        let theirs = medusa_figure(raw, field, cur);
        let ours = ours.map_or(0, |m| m.amount);
        assert!((i128::from(ours) * 1_000_000 - theirs.micros).abs() <= 1_000_000, "{field}: ours {ours}, Medusa's {theirs:?}");
    }
    assert_eq!(cart.tax_included, gross);
}

#[tokio::test]
#[ignore = "needs a real Medusa: cargo xtask test --peers"]
async fn a_code_with_shipping_in_a_vat_inclusive_region_adds_up_to_medusas_total() {
    let p = peer();
    let (raw, cart) = taxed_cart(&p, "vat_region_id", "dk", "TENOFF", true, true).await;
    assert_figures_are_medusas(&raw, &cart, true);
    // Shelf prices everywhere: the line totals are the prices with VAT in them.
    let eur = |a| Money::new(a, Currency::EUR);
    let mut totals: Vec<_> = cart.lines.iter().map(|l| (l.unit_price, l.line_total, l.discount)).collect();
    totals.sort_by_key(|t| t.0.amount);
    assert_eq!(totals, [(eur(1990), eur(1990), Some(eur(199))), (eur(15900), eur(15900), Some(eur(1590)))]);
    // 178.90 − 17.89 (one row, named by its code) + 6.125 shipping = 167.135, shown as 167.14 with 6.13 shipping.
    assert_eq!((cart.subtotal, cart.discount, cart.shipping, cart.total), (eur(17890), Some(eur(1789)), Some(eur(613)), eur(16714)));
    assert_eq!(cart.discounts.len(), 1, "{:?}", cart.discounts);
    assert_eq!((cart.discounts[0].kind, cart.discounts[0].label.as_str()), (crosscart_core::cart::DiscountKind::Code, "TENOFF"));
    assert_eq!(cart.tax, Some(eur(3343)), "25 % VAT included: 33.427");
}

#[tokio::test]
#[ignore = "needs a real Medusa: cargo xtask test --peers"]
async fn a_code_with_shipping_in_a_tax_added_region_adds_up_to_medusas_total() {
    let p = peer();
    let (raw, cart) = taxed_cart(&p, "tax_added_region_id", "us", "TENOFF", true, true).await;
    assert_figures_are_medusas(&raw, &cart, false);
    let usd = |a| Money::new(a, Currency::USD);
    // Net figures, tax added: 178.90 − 17.89 + 5.00 + 16.601 = 182.611.
    assert_eq!((cart.subtotal, cart.discount, cart.shipping, cart.tax, cart.total), (usd(17890), Some(usd(1789)), Some(usd(500)), Some(usd(1660)), usd(18261)));
    assert!(cart.lines.iter().all(|l| l.line_total == l.unit_price), "net line totals beside net prices: {:?}", cart.lines);

    // 15 % of 19.90 is 2.985: Medusa's total 18.6065 is shown as 18.61, and
    // the rows still add up (19.90 − 2.98 + 1.69), where rounding each alone gave 18.60.
    let (raw, cart) = taxed_cart(&p, "tax_added_region_id", "us", "FIFTEEN", false, false).await;
    assert_figures_are_medusas(&raw, &cart, false);
    assert_eq!((cart.subtotal, cart.discount, cart.shipping, cart.tax, cart.total), (usd(1990), Some(usd(298)), None, Some(usd(169)), usd(1861)));
}

#[tokio::test]
#[ignore = "needs a real Medusa: cargo xtask test --peers"]
async fn a_completed_cart_is_gone_and_the_cores_limits_hold() {
    let p = peer();
    let cart = run(p.adapter.create_cart(None)).await.unwrap();
    let cart = run(p.adapter.add_line(&cart.id, &line(&p.variant("MS-M"), 1))).await.unwrap();
    // Quantities Medusa would take (0 is refused by it as a 400, 1000 is stock-checked) are refused before sending.
    for q in [0, 1000] {
        let err = p.adapter.add_line(&cart.id, &line(&p.variant("MS-M"), q)).unwrap_err();
        assert!(matches!(err, ProtocolError::InvalidRequest(_)), "{q}: {err:?}");
    }
    assert!(matches!(p.adapter.update_line(&cart.id, &cart.lines[0].id, 1000, None).unwrap_err(), ProtocolError::InvalidRequest(_)));
    // Removing from a cart Medusa does not know: it answers 500; that is a final not-found, not a retry.
    let err = run(p.adapter.remove_line("cart_01UNKNOWN", "item_01UNKNOWN", None)).await.unwrap_err();
    assert!(err.code() == "not_found" && !err.is_transient(), "{err:?}");

    // The checkout steps, then Medusa's completion: the cart became an order.
    let address = serde_json::json!({ "country_code": "de", "first_name": "Ada", "last_name": "L", "address_1": "Rosenthaler Str. 40", "city": "Berlin", "postal_code": "10178" });
    medusa_post(&p, &format!("/store/carts/{}", cart.id), serde_json::json!({ "email": "ada@example.com", "shipping_address": address })).await;
    medusa_post(&p, &format!("/store/carts/{}/shipping-methods", cart.id), serde_json::json!({ "option_id": p.seed["shipping_option_id"] })).await;
    let collection = medusa_post(&p, "/store/payment-collections", serde_json::json!({ "cart_id": cart.id })).await;
    let collection = collection["payment_collection"]["id"].as_str().unwrap().to_owned();
    medusa_post(&p, &format!("/store/payment-collections/{collection}/payment-sessions"), serde_json::json!({ "provider_id": "pp_system_default" })).await;
    let done = medusa_post(&p, &format!("/store/carts/{}/complete", cart.id), serde_json::json!({})).await;
    assert_eq!(done["type"], "order", "{done}");
    // Read again, it is not an ordinary cart: gone (410), which makes the SDK start a new one.
    let err = run(p.adapter.get_cart(&cart.id)).await.unwrap_err();
    assert!(matches!(err, ProtocolError::Api { status: 410, ref code, .. } if code == "cart_closed"), "{err:?}");
}

#[tokio::test]
#[ignore = "needs a real Medusa: cargo xtask test --peers"]
async fn codes_are_applied_refused_and_removed_through_the_adapter() {
    let p = peer();
    assert!(p.adapter.capabilities().discount_codes);
    let cart = run(p.adapter.create_cart(None)).await.unwrap();
    run(p.adapter.add_line(&cart.id, &line(&p.variant("MS-M"), 2))).await.unwrap();
    let refused = run(p.adapter.apply_code(&cart.id, "NOPE", &[])).await.unwrap_err();
    assert!(matches!(&refused, ProtocolError::Api { status: 422, code, .. } if code == "code_unknown"), "{refused:?}");
    let applied = run(p.adapter.apply_code(&cart.id, "TENOFF", &[])).await.unwrap();
    applied.check_sums().unwrap();
    assert_eq!(applied.codes, ["TENOFF"]);
    assert_eq!(applied.discounts.iter().map(|d| (d.kind, d.label.as_str(), d.amount.amount)).collect::<Vec<_>>(), [(crosscart_core::cart::DiscountKind::Code, "TENOFF", 398)], "10 % of 2 × 19.90");
    let (total, _) = medusa_totals(&p, &cart.id).await;
    assert_eq!(applied.total.to_decimal_string(), format!("{:.2}", total.parse::<f64>().unwrap()), "Medusa's total");
    let removed = run(p.adapter.remove_code(&cart.id, "TENOFF", &applied.codes)).await.unwrap();
    assert!(removed.codes.is_empty() && removed.discount.is_none(), "{removed:#?}");
    assert_eq!(removed.total.amount, 3_980);
}
