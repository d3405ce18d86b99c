//! Requests built and answers parsed, against bodies recorded from a real
//! Medusa 2.21.2 seeded by `tests/peers/medusa` (`tests/fixtures/medusa/`).

use super::*;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/medusa/", $name))
    };
}

fn adapter() -> MedusaAdapter {
    MedusaAdapter::new("http://127.0.0.1:9000/", "pk_test", "reg_1")
}

fn ok(body: &str) -> HttpResponse {
    HttpResponse::new(200, body.as_bytes())
}

fn header<'a>(r: &'a HttpRequest, name: &str) -> Option<&'a str> {
    r.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

#[test]
fn requests_carry_the_key_the_region_and_the_token() {
    let (req, _) = adapter().list_products(&ProductQuery::default()).unwrap().into_parts();
    assert_eq!(req.method, Method::Get);
    assert!(req.url.starts_with("http://127.0.0.1:9000/store/products?region_id=reg_1&limit=100&fields="), "{}", req.url);
    assert_eq!(header(&req, "x-publishable-api-key"), Some("pk_test"));
    assert_eq!(header(&req, "authorization"), None);
    let (req, _) = adapter().with_token(Some("jwt".into())).add_line("cart_1", &NewLine { variant_id: "variant_1".into(), quantity: 2, fulfillment: Fulfillment::Delivery, bundle: None, allow_transfer: false }).unwrap().into_parts();
    assert_eq!((req.method, header(&req, "authorization")), (Method::Post, Some("Bearer jwt")));
    assert!(req.url.starts_with("http://127.0.0.1:9000/store/carts/cart_1/line-items?fields="));
    assert_eq!(String::from_utf8(req.body.unwrap()).unwrap(), r#"{"variant_id":"variant_1","quantity":2}"#);
    // Quantity 0 removes the line, as in the reference protocol.
    let (req, _) = adapter().update_line("cart_1", "cali_1", 0, None).unwrap().into_parts();
    assert_eq!(req.method, Method::Delete);
    // By handle or by id.
    let (req, _) = adapter().get_product("trail-boots").unwrap().into_parts();
    assert!(req.url.contains("/store/products?handle=trail-boots&"), "{}", req.url);
    let (req, _) = adapter().get_product("prod_01").unwrap().into_parts();
    assert!(req.url.contains("/store/products/prod_01?region_id=reg_1"), "{}", req.url);
    // Ids are encoded; empty ones never leave.
    let (req, _) = adapter().get_cart("a/b?c").unwrap().into_parts();
    assert!(req.url.contains("/store/carts/a%2Fb%3Fc?"), "{}", req.url);
    assert!(matches!(adapter().get_cart(""), Err(ProtocolError::InvalidRequest(_))));
}

#[test]
fn what_medusa_cannot_do_is_declared() {
    let caps = adapter().capabilities();
    assert!(!caps.pickup && !caps.per_store_stock && !caps.live_sync && !caps.handoff && !caps.post_checkout && !caps.checkout && !caps.recommendations);
    assert!(caps.customer_carts);
    assert!(adapter().with_stores_url(Some("/stores.json".into())).capabilities().per_store_stock);
    let pickup = NewLine { variant_id: "v".into(), quantity: 1, fulfillment: Fulfillment::Pickup { store_id: "sloc_1".into() }, bundle: None, allow_transfer: false };
    assert_eq!(adapter().add_line("c", &pickup).unwrap_err(), ProtocolError::Unsupported(Capability::Pickup));
    assert!(matches!(adapter().checkout(&CheckoutRequest { cart_id: "c".into(), email: "a@b.c".into(), name: String::new(), channel: Default::default() }), Err(ProtocolError::Unsupported(Capability::Checkout))));
    assert!(matches!(adapter().list_stores(), Err(ProtocolError::Unsupported(Capability::PerStoreStock))));
}

#[test]
fn products_with_major_unit_prices() {
    let (_, parse) = adapter().list_products(&ProductQuery::default()).unwrap().into_parts();
    let products = parse(&ok(fixture!("products.json"))).unwrap();
    assert_eq!(products.len(), 4);
    let find = |h: &str| products.iter().find(|p| p.handle == h).unwrap();
    let boots = find("trail-boots");
    assert_eq!(boots.variants.len(), 2);
    assert_eq!(boots.variants[0].price, Money::new(15900, Currency::EUR));
    assert_eq!(boots.variants[0].options[0], VariantOption { name: "Size".into(), value: boots.variants[0].title.clone() });
    assert_eq!(find("merino-socks").variants[0].price.amount, 1990, "19.9 in major units");
    assert_eq!(find("waterproofing-spray").variants[0].price.amount, 1250, "12.5 in major units");
    // Hostile text stays text.
    assert_eq!(find("waterproofing-spray").title, "Waterproofing Spray <300 ml> & \"more\"");
    assert_eq!(find("boot-laces").description, "", "null description");
}

#[test]
fn carts_keep_medusas_totals() {
    let (_, parse) = adapter().get_cart("c").unwrap().into_parts();
    let cart = parse(&ok(fixture!("cart-two-lines.json"))).unwrap();
    assert_eq!(cart.currency, Currency::EUR);
    assert_eq!(cart.lines.len(), 2);
    let spray = cart.lines.iter().find(|l| l.quantity == 3).unwrap();
    assert_eq!((spray.unit_price.amount, spray.line_total.amount), (1250, 3750));
    assert_eq!(cart.total.amount, 15900 + 3750);
    assert_eq!(cart.subtotal, cart.total);
    assert_eq!(cart.discount, None);
    assert_eq!(cart.item_count(), 4);
    assert!(cart.lines.iter().all(|l| l.compare_at.is_none()), "Medusa's null compare_at_unit_price is no sale");
    // A price list's sale: compare_at_unit_price above unit_price (a lower one is not a sale).
    let on_sale = parse_cart(&fixture!("cart-two-lines.json").replacen(r#""compare_at_unit_price": null,
        "unit_price": 159,"#, r#""compare_at_unit_price": 189.5,
        "unit_price": 159,"#, 1));
    let boots = on_sale.lines.iter().find(|l| l.unit_price.amount == 15900).unwrap();
    assert_eq!(boots.compare_at.map(|m| m.amount), Some(18950));
    assert_eq!(on_sale.total, cart.total, "a sale price is not a discount on the figures");
    let lower = parse_cart(&fixture!("cart-two-lines.json").replacen(r#""compare_at_unit_price": null,
        "unit_price": 159,"#, r#""compare_at_unit_price": 100,
        "unit_price": 159,"#, 1));
    assert!(lower.lines.iter().all(|l| l.compare_at.is_none()));
    let empty = parse_cart(fixture!("cart-created.json"));
    assert!(empty.lines.is_empty() && empty.total.amount == 0);
    // A delete answers the cart as `parent`.
    let (_, parse) = adapter().remove_line("c", "l", None).unwrap().into_parts();
    let after = parse(&ok(fixture!("line-deleted.json"))).unwrap();
    assert_eq!((after.lines.len(), after.total.amount), (1, 3750));
}

fn parse_cart(body: &str) -> Cart {
    let (_, parse) = adapter().get_cart("c").unwrap().into_parts();
    parse(&ok(body)).unwrap()
}

#[test]
fn errors_become_one_shape() {
    let (_, parse) = adapter().add_line("c", &NewLine { variant_id: "v".into(), quantity: 9, fulfillment: Fulfillment::Delivery, bundle: None, allow_transfer: false }).unwrap().into_parts();
    let err = parse(&HttpResponse::new(400, fixture!("error-insufficient-inventory.json").as_bytes())).unwrap_err();
    assert_eq!(err, ProtocolError::InsufficientStock { available: None, message: "Some variant does not have the required inventory".into() });
    assert_eq!(err.code(), "insufficient_stock");
    let (_, parse) = adapter().get_cart("cart_nope").unwrap().into_parts();
    let err = parse(&HttpResponse::new(404, fixture!("error-not-found.json").as_bytes())).unwrap_err();
    assert!(matches!(&err, ProtocolError::Api { status: 404, code, message } if code == "not_found" && message.contains("cart_nope")), "{err:?}");
    // Not Medusa's shape at all (a proxy's HTML page): the status, clearly.
    let (_, parse) = adapter().get_cart("c").unwrap().into_parts();
    assert_eq!(parse(&HttpResponse::new(502, b"<html>Bad gateway</html>".to_vec())).unwrap_err(), ProtocolError::Http { status: 502 });
}

#[test]
fn malformed_answers_are_clear_errors() {
    let bad = [
        (r#"{"cart":{"id":"c","currency_code":"eur","total":"lots","items":[]}}"#, "not a decimal amount"),
        (r#"{"cart":{"id":"c","currency_code":"eur","total":null,"items":[]}}"#, "amount is null, expected a number"),
        (r#"{"cart":{"id":"c","currency_code":"euro","total":1,"items":[]}}"#, "ISO 4217"),
        (r#"{"cart":{"id":"c","currency_code":"eur","total":1,"items":[{"id":"l","variant_id":"v","title":"t","quantity":-1,"unit_price":1}]}}"#, "quantity -1"),
        (r#"{"cart":{"id":"c","currency_code":"eur","total":1,"items":[{"id":"l","variant_id":null,"title":"t","quantity":1,"unit_price":1}]}}"#, "no variant"),
        (r#"{"cart":{"currency_code":"eur","total":1}}"#, "cart: missing field \"id\""),
        (r#"{"carts":[]}"#, "missing field \"cart\""),
        ("[]", "expected CartAnswer (an object)"),
        ("\"cart\"", "expected CartAnswer (an object)"),
        ("", "unexpected end of JSON"),
    ];
    for (body, expected) in bad {
        let (_, parse) = adapter().get_cart("c").unwrap().into_parts();
        match parse(&ok(body)) {
            Err(ProtocolError::Malformed { what: "cart", detail }) => assert!(detail.contains(expected), "{body}: {detail}"),
            other => panic!("{body}: {other:?}"),
        }
    }
}

#[test]
fn stock_per_location() {
    let a = adapter().with_stores_url(Some("/stores.json".into()));
    let variant = "variant_01M81QJWQEX48H7BEP7EV9GQEG";
    let (req, parse) = a.variant_stock(variant).unwrap().into_parts();
    assert!(req.url.contains(&format!("variants.id={variant}")), "{}", req.url);
    let stock = parse(&ok(fixture!("variant-stock.json"))).unwrap();
    let at = |loc: &str| stock.stock.iter().find(|l| l.store_id == loc).map(|l| l.quantity);
    assert_eq!(at("sloc_01M81QJWEX35CMNBYR6XWZ5GRS"), Some(2), "the Berlin store");
    assert_eq!(at("sloc_01M81QJWEX6J88BKXFEZ96J51K"), Some(10), "the warehouse");
    // A variant the answer does not hold is unknown, not "out of stock everywhere".
    let (_, parse) = a.variant_stock("variant_other").unwrap().into_parts();
    assert!(matches!(parse(&ok(fixture!("variant-stock.json"))), Err(ProtocolError::Api { status: 404, .. })));
    // Over-reservation shows as none free.
    let negative = r#"{"products":[{"variants":[{"id":"v","inventory_items":[{"inventory":{"location_levels":[{"location_id":"s","available_quantity":-2}]}}]}]}]}"#;
    let (_, parse) = a.variant_stock("v").unwrap().into_parts();
    assert_eq!(parse(&ok(negative)).unwrap().stock[0].quantity, 0);
}

#[test]
fn customers() {
    let (req, parse) = adapter().sign_in("ada@example.com", "pw", None).unwrap().into_parts();
    assert!(req.url.ends_with("/auth/customer/emailpass"));
    let s = parse(&ok(r#"{"token":"eyJ.x.y"}"#)).unwrap();
    assert_eq!((s.token.as_str(), s.customer.email.as_str(), s.cart_id), ("eyJ.x.y", "ada@example.com", None));
    let (_, parse) = adapter().sign_in("ada@example.com", "wrong", None).unwrap().into_parts();
    assert!(matches!(parse(&HttpResponse::new(401, br#"{"type":"unauthorized","message":"Invalid email or password"}"#.to_vec())), Err(ProtocolError::Api { status: 401, .. })));
    let (_, parse) = adapter().with_token(Some("t".into())).me().unwrap().into_parts();
    let me = parse(&ok(r#"{"customer":{"id":"cus_1","email":"ada@example.com","first_name":"Ada","last_name":null}}"#)).unwrap();
    assert_eq!((me.customer.name.as_str(), me.cart_id), ("Ada", None));
    assert!(adapter().attach_cart("cart_1").is_err(), "needs a signed-in customer");
    let (req, _) = adapter().with_token(Some("t".into())).attach_cart("cart_1").unwrap().into_parts();
    assert!(req.url.contains("/store/carts/cart_1/customer?fields="));
}

#[test]
fn a_variant_medusa_does_not_count_is_untracked_not_sold_out() {
    let a = adapter().with_stores_url(Some("/stores.json".into()));
    let (req, parse) = a.variant_stock("variant_gift").unwrap().into_parts();
    assert!(req.url.contains("variants.manage_inventory"), "{}", req.url);
    let answer = r#"{"products":[{"id":"prod_1","variants":[{"id":"variant_gift","manage_inventory":false,"inventory_items":[]}]}]}"#;
    let stock = parse(&ok(answer)).unwrap();
    assert!(stock.untracked && stock.stock.is_empty(), "{stock:?}");
    assert_eq!(stock.free_at("sloc_anywhere"), crate::store::UNTRACKED);
    // Managed and listed nowhere: none free, as before.
    let answer = r#"{"products":[{"id":"prod_1","variants":[{"id":"variant_gift","manage_inventory":true,"inventory_items":[]}]}]}"#;
    let (_, parse) = a.variant_stock("variant_gift").unwrap().into_parts();
    let stock = parse(&ok(answer)).unwrap();
    assert!(!stock.untracked);
    assert_eq!(stock.free_at("sloc_anywhere"), 0);
}
