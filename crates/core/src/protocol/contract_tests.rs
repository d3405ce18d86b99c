//! Contract tests of the Shopify, WooCommerce and Vendure adapters: the
//! requests they build, and answers in each API's documented shapes
//! (`tests/fixtures/{shopify,woocommerce,vendure}/`, written from the public
//! references), including their error shapes and hostile or broken answers.

use super::shopify::ShopifyAdapter;
use super::vendure::VendureAdapter;
use super::woocommerce::{unescape, WooCommerceAdapter};
use super::*;
use crate::money::Money;

macro_rules! fixture {
    ($dir:literal, $name:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/", $dir, "/", $name)).to_vec()
    };
}

fn answer(status: u16, body: Vec<u8>) -> HttpResponse {
    HttpResponse::new(status, body)
}

fn with_header(mut r: HttpResponse, k: &str, v: &str) -> HttpResponse {
    r.headers.push((k.to_owned(), v.to_owned()));
    r
}

fn body_json(req: &HttpRequest) -> serde_json::Value {
    serde_json::from_slice(req.body.as_deref().unwrap()).unwrap()
}

fn header<'a>(req: &'a HttpRequest, k: &str) -> Option<&'a str> {
    req.headers.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

fn line(v: &str, q: u32) -> NewLine {
    NewLine { variant_id: v.into(), quantity: q, fulfillment: Fulfillment::Delivery, bundle: None, allow_transfer: false }
}

fn eur(a: i64) -> Money {
    Money::new(a, Currency::EUR)
}

/// The core's quantity limits hold on every backend: 0 and 1000 are not
/// sent (an update to 0 is a removal, so it is sent as one).
#[test]
fn every_adapter_refuses_quantities_outside_the_cores_limits() {
    let adapters: [(&str, Box<dyn CommerceAdapter>, &str); 3] = [("shopify", Box::new(shopify()), "gid://shopify/ProductVariant/1"), ("woocommerce", Box::new(woo()), "12"), ("vendure", Box::new(vendure()), "1")];
    for (name, adapter, variant) in adapters {
        for q in [0, 1000, u32::MAX] {
            assert!(matches!(adapter.add_line("c", &line(variant, q)), Err(ProtocolError::InvalidRequest(_))), "{name}: add {q}");
        }
        for q in [1000, u32::MAX] {
            assert!(matches!(adapter.update_line("c", "l", q, None), Err(ProtocolError::InvalidRequest(_))), "{name}: update to {q}");
        }
        assert!(adapter.add_line("c", &line(variant, 999)).is_ok(), "{name}: add 999");
        assert!(adapter.update_line("c", "l", 999, None).is_ok(), "{name}: update to 999");
        assert!(adapter.update_line("c", "l", 0, None).is_ok(), "{name}: update to 0 removes");
    }
}

// ---------------------------------------------------------------- Shopify

fn shopify() -> ShopifyAdapter {
    ShopifyAdapter::new("https://shop.example.com/api/2025-07/graphql.json", "sf_token")
}

#[test]
fn shopify_cart_mutations() {
    let (req, parse) = shopify().add_line("gid://shopify/Cart/1", &line("gid://shopify/ProductVariant/101", 1)).unwrap().into_parts();
    assert_eq!((req.method, header(&req, "x-shopify-storefront-access-token")), (Method::Post, Some("sf_token")));
    let b = body_json(&req);
    assert!(b["query"].as_str().unwrap().contains("cartLinesAdd(cartId: $id, lines: $lines)"));
    assert_eq!(b["variables"]["lines"][0]["merchandiseId"], "gid://shopify/ProductVariant/101");
    let cart = parse(&answer(200, fixture!("shopify", "cart-lines-add.json"))).unwrap();
    assert_eq!((cart.subtotal, cart.discount, cart.total), (eur(18400), Some(eur(1000)), eur(17400)));
    assert_eq!(cart.lines[1].unit_price, eur(1250), "\"12.5\" major units");
    // On sale: Shopify's compare-at price per unit; none where the variant has none.
    assert_eq!((cart.lines[0].compare_at, cart.lines[1].compare_at), (Some(eur(18900)), None));
    assert_eq!(cart.lines[1].variant_title, "", "Shopify's \"Default Title\" is no title");
    assert_eq!(cart.lines[1].title, "Wax <b>&amp;</b> \"Care\"", "text stays text");
    // Quantity 0 removes; updates name the line.
    let (req, _) = shopify().update_line("c", "gid://shopify/CartLine/1", 0, None).unwrap().into_parts();
    assert!(body_json(&req)["query"].as_str().unwrap().contains("cartLinesRemove"));
    let (req, _) = shopify().update_line("c", "gid://shopify/CartLine/1", 3, None).unwrap().into_parts();
    assert_eq!(body_json(&req)["variables"]["lines"][0]["quantity"], 3);
}

/// Shopify estimates tax without saying whether the prices include it: the
/// reader takes the basis on which the figures add up, and refuses a cart
/// that adds up on neither.
#[test]
fn shopify_tax_is_added_or_included_as_the_total_says() {
    let read = |total: &str, tax: &str| {
        let text = String::from_utf8(fixture!("shopify", "cart-lines-add.json")).unwrap().replace(
            r#""totalAmount": { "amount": "174.0", "currencyCode": "EUR" }"#,
            &format!(r#""totalAmount": {{ "amount": "{total}", "currencyCode": "EUR" }}, "totalTaxAmount": {{ "amount": "{tax}", "currencyCode": "EUR" }}"#),
        );
        let (_, parse) = shopify().add_line("c", &line("gid://shopify/ProductVariant/101", 1)).unwrap().into_parts();
        parse(&answer(200, text.into_bytes()))
    };
    let included = read("174.0", "27.78").unwrap();
    assert_eq!((included.tax, included.tax_included, included.total), (Some(eur(2778)), true, eur(17400)));
    let added = read("191.40", "17.40").unwrap();
    assert_eq!((added.tax, added.tax_included, added.total), (Some(eur(1740)), false, eur(19140)));
    assert!(matches!(read("200.00", "17.40"), Err(ProtocolError::Malformed { .. })));
}

#[test]
fn shopify_errors() {
    let (_, parse) = shopify().add_line("c", &line("v", 50)).unwrap().into_parts();
    assert!(matches!(parse(&answer(200, fixture!("shopify", "cart-not-enough-stock.json"))), Err(ProtocolError::InsufficientStock { available: None, message }) if message.starts_with("Only 2 items")));
    let (_, parse) = shopify().add_line("c", &line("v", 1)).unwrap().into_parts();
    assert!(matches!(parse(&answer(200, fixture!("shopify", "cart-user-error.json"))), Err(ProtocolError::Api { code, .. }) if code == "invalid"));
    let (_, parse) = shopify().get_cart("gid://shopify/Cart/gone").unwrap().into_parts();
    assert!(matches!(parse(&answer(200, fixture!("shopify", "cart-null.json"))), Err(ProtocolError::Api { status: 404, .. })));
    let (_, parse) = shopify().get_cart("c").unwrap().into_parts();
    assert!(matches!(parse(&answer(430, fixture!("shopify", "throttled.json"))), Err(ProtocolError::Api { status: 430, code, .. }) if code == "THROTTLED"));
    let (_, parse) = shopify().get_cart("c").unwrap().into_parts();
    assert_eq!(parse(&answer(500, b"<html>oops</html>".to_vec())).unwrap_err(), ProtocolError::Http { status: 500 });
    let (_, parse) = shopify().get_cart("c").unwrap().into_parts();
    let broken = br#"{"data":{"cart":{"id":"c","cost":{"subtotalAmount":{"amount":12,"currencyCode":"EUR"}}}}}"#.to_vec();
    assert!(matches!(parse(&answer(200, broken)), Err(ProtocolError::Malformed { what: "cart", .. })));
}

#[test]
fn shopify_products_stock_recommendations_and_customers() {
    let (_, parse) = shopify().list_products(&ProductQuery::default()).unwrap().into_parts();
    let products = parse(&answer(200, fixture!("shopify", "products.json"))).unwrap();
    assert_eq!(products[0].variants[1].price, eur(30), "\"0.3\"");
    assert_eq!(products[1].variants[0].price.amount, 1500, "JPY has no minor unit");
    assert!(products[1].variants[0].options.is_empty() && products[1].variants[0].title.is_empty());
    let s = shopify().with_stores_url(Some("/stores.json".into()));
    assert!(s.capabilities().per_store_stock && !s.capabilities().pickup && s.capabilities().recommendations);
    let (_, parse) = s.variant_stock("gid://shopify/ProductVariant/101").unwrap().into_parts();
    let stock = parse(&answer(200, fixture!("shopify", "store-availability.json"))).unwrap();
    assert_eq!(stock.stock.iter().map(|l| (l.store_id.as_str(), l.quantity)).collect::<Vec<_>>(), [("gid://shopify/Location/1", 3), ("gid://shopify/Location/2", 0)]);
    let (req, parse) = s.recommendations(&["gid://shopify/Product/10".into()], &[], 3).unwrap().into_parts();
    assert!(body_json(&req)["query"].as_str().unwrap().contains("intent: COMPLEMENTARY"));
    let recs = parse(&answer(200, fixture!("shopify", "recommendations.json"))).unwrap();
    assert_eq!(recs.items.iter().map(|r| r.product.handle.as_str()).collect::<Vec<_>>(), ["socks"], "the product itself is never its own complement");
    let (_, parse) = s.sign_in("ada@example.com", "pw", None).unwrap().into_parts();
    assert_eq!(parse(&answer(200, fixture!("shopify", "customer-token.json"))).unwrap().token, "cat_7d1e");
    let (_, parse) = s.sign_in("ada@example.com", "bad", None).unwrap().into_parts();
    assert!(matches!(parse(&answer(200, fixture!("shopify", "customer-token-invalid.json"))), Err(ProtocolError::Api { status: 401, .. })));
    assert!(s.attach_cart("c").is_err(), "needs a customer token");
    let (req, _) = s.with_token(Some("cat_7d1e".into())).attach_cart("c").unwrap().into_parts();
    assert_eq!(body_json(&req)["variables"]["identity"]["customerAccessToken"], "cat_7d1e");
}

// ---------------------------------------------------------------- WooCommerce

fn woo() -> WooCommerceAdapter {
    WooCommerceAdapter::new("https://shop.example.com/wp-json/wc/store/v1/")
}

#[test]
fn woocommerce_cart_token_and_minor_units() {
    // A new cart: the token comes in a header and becomes the cart's id.
    let (req, parse) = woo().create_cart(None).unwrap().into_parts();
    assert_eq!((req.method, req.url.as_str(), header(&req, "cart-token")), (Method::Get, "https://shop.example.com/wp-json/wc/store/v1/cart", None));
    let cart = parse(&with_header(answer(200, fixture!("woocommerce", "cart-empty.json")), "cart-token", "eyJ0.tok")).unwrap();
    assert_eq!((cart.id.as_str(), cart.currency.as_str(), cart.lines.len()), ("eyJ0.tok", "GBP", 0));
    let (_, parse) = woo().create_cart(None).unwrap().into_parts();
    assert!(matches!(parse(&answer(200, fixture!("woocommerce", "cart-empty.json"))), Err(ProtocolError::Malformed { detail, .. }) if detail.contains("Cart-Token")));

    let (req, parse) = woo().add_line("eyJ0.tok", &line("34", 2)).unwrap().into_parts();
    assert_eq!((req.url.as_str(), header(&req, "cart-token")), ("https://shop.example.com/wp-json/wc/store/v1/cart/add-item", Some("eyJ0.tok")));
    assert_eq!(body_json(&req), serde_json::json!({ "id": 34, "quantity": 2 }));
    let cart = parse(&answer(201, fixture!("woocommerce", "cart.json"))).unwrap();
    let gbp = |a| Money::new(a, Currency::new("GBP").unwrap());
    assert_eq!(cart.id, "eyJ0.tok", "the token sent is the id when none comes back");
    assert_eq!((cart.subtotal, cart.discount, cart.total), (gbp(6710), Some(gbp(210)), gbp(6500)));
    assert_eq!((cart.lines[0].unit_price, cart.lines[0].line_total), (gbp(1105), gbp(2210)));
    assert_eq!(cart.lines[0].title, "WordPress Pennant – \"Large\"", "entities decoded to text");
    assert_eq!(cart.lines[1].variant_title, "Blue");
    // Woo's low-stock count (null unless its rule says few) is the line's "Only 2 left".
    assert_eq!((cart.lines[0].stock_left, cart.lines[1].stock_left), (None, Some(2)));
    // A regular price above the price is a sale; equal is none.
    assert_eq!((cart.lines[0].compare_at, cart.lines[1].compare_at), (None, Some(gbp(5000))));
    // Lines are keyed; ids must be WooCommerce's integers.
    let (req, _) = woo().update_line("t", "c74d97b0", 5, None).unwrap().into_parts();
    assert_eq!(body_json(&req), serde_json::json!({ "key": "c74d97b0", "quantity": 5 }));
    let (req, _) = woo().remove_line("t", "c74d97b0", None).unwrap().into_parts();
    assert!(req.url.ends_with("/cart/remove-item"));
    assert!(matches!(woo().add_line("t", &line("gid://x", 1)), Err(ProtocolError::InvalidRequest(_))));
}

/// A WooCommerce cart as the Store API writes it with 20 % VAT: two at
/// 10.00 net (12.00 with VAT), coupon `TEN` (10 %), 5.00 shipping; every
/// amount net with its tax beside it. `shelf` is the price Woo shows, which
/// follows the shop's "display prices" setting; `coupon` what the coupon says it took.
fn woo_taxed_cart(shelf: &str, coupon: &str) -> Vec<u8> {
    let money = |net: &str, tax: &str| serde_json::json!({ "total_discount": net, "total_discount_tax": tax });
    serde_json::to_vec(&serde_json::json!({
        "coupons": [{ "code": "TEN", "totals": money(coupon, "40") }],
        "items": [{
            "key": "k1", "id": 7, "quantity": 2, "name": "Mug",
            "prices": { "price": shelf, "currency_code": "EUR", "currency_minor_unit": 2 },
            "totals": { "line_subtotal": "2000", "line_subtotal_tax": "400", "line_total": "1800", "line_total_tax": "360" }
        }],
        "totals": {
            "total_items": "2000", "total_fees": "0", "total_fees_tax": "0", "total_discount": "200", "total_discount_tax": "40",
            "total_shipping": "500", "total_shipping_tax": "100", "total_price": "2760", "total_tax": "460",
            "currency_code": "EUR", "currency_minor_unit": 2
        }
    }))
    .unwrap()
}

#[test]
fn woocommerce_figures_follow_the_shops_tax_display() {
    let read = |body: Vec<u8>| {
        let (_, parse) = woo().get_cart("t").unwrap().into_parts();
        parse(&answer(200, body))
    };
    // Prices shown with VAT: every figure gross, the tax inside the total.
    let gross = read(woo_taxed_cart("1200", "200")).unwrap();
    assert_eq!((gross.subtotal, gross.discount, gross.shipping, gross.tax, gross.tax_included, gross.total), (eur(2400), Some(eur(240)), Some(eur(600)), Some(eur(460)), true, eur(2760)));
    assert_eq!((gross.lines[0].line_total, gross.lines[0].discount), (eur(2400), Some(eur(240))));
    assert_eq!((gross.discounts[0].kind, gross.discounts[0].label.as_str(), gross.discounts[0].amount), (crate::cart::DiscountKind::Code, "TEN", eur(240)));
    // Prices shown net: every figure net, the tax added.
    let net = read(woo_taxed_cart("1000", "200")).unwrap();
    assert_eq!((net.subtotal, net.discount, net.shipping, net.tax, net.tax_included, net.total), (eur(2000), Some(eur(200)), Some(eur(500)), Some(eur(460)), false, eur(2760)));
    // A coupon that claims more than the cart's discount is a misread, not a negative row.
    assert!(matches!(read(woo_taxed_cart("1000", "300")), Err(ProtocolError::Malformed { .. })));
}

#[test]
fn woocommerce_products_and_errors() {
    let (req, parse) = woo().list_products(&ProductQuery { ids: vec!["34".into(), "<x>".into()], ..Default::default() }).unwrap().into_parts();
    assert!(req.url.ends_with("/products?per_page=100&include=34"), "{}", req.url);
    let products = parse(&answer(200, fixture!("woocommerce", "products.json"))).unwrap();
    assert_eq!(products[0].title, "WordPress Pennant – \"Large\"");
    assert_eq!(products[0].description, "<p>A pennant & more</p>", "markup stays visible text, never HTML");
    assert_eq!(products[0].variants[0].price.amount, 1105);
    assert_eq!(products[1].variants.iter().map(|v| v.id.as_str()).collect::<Vec<_>>(), ["13", "14"]);
    let (_, parse) = woo().add_line("t", &line("13", 9)).unwrap().into_parts();
    let err = parse(&answer(400, fixture!("woocommerce", "error-not-enough-stock.json"))).unwrap_err();
    assert_eq!(err, ProtocolError::InsufficientStock { available: Some(2), message: "You cannot add that amount of \"Hoodie\" to the cart because there is not enough stock (2 remaining).".into() });
    let (_, parse) = woo().add_line("t", &line("99", 1)).unwrap().into_parts();
    assert!(matches!(parse(&answer(400, fixture!("woocommerce", "error-invalid-product.json"))), Err(ProtocolError::Api { code, .. }) if code == "woocommerce_rest_cart_invalid_product"));
    assert!(!woo().capabilities().customer_carts && !woo().capabilities().per_store_stock);
    assert_eq!(unescape("a &amp;&lt;b&gt; &#8217; &#x41; &bogus; & ;"), "a &<b> \u{2019} A &bogus; & ;");
}

// ---------------------------------------------------------------- Vendure

fn vendure() -> VendureAdapter {
    VendureAdapter::new("https://shop.example.com/shop-api", Some("chan".into()))
}

#[test]
fn vendure_session_is_the_cart() {
    // No order yet: an empty cart in the channel's currency, under the session the answer starts.
    let (req, parse) = vendure().create_cart(None).unwrap().into_parts();
    assert_eq!((header(&req, "vendure-token"), header(&req, "authorization")), (Some("chan"), None));
    let cart = parse(&with_header(answer(200, fixture!("vendure", "active-order-null.json")), "vendure-auth-token", "sess1")).unwrap();
    assert_eq!((cart.id.as_str(), cart.currency.as_str(), cart.total.amount), ("sess1", "USD", 0));
    // Then the session travels as the bearer token.
    let (req, parse) = vendure().add_line("sess1", &line("1", 2)).unwrap().into_parts();
    assert_eq!(header(&req, "authorization"), Some("Bearer sess1"));
    assert_eq!(body_json(&req)["variables"], serde_json::json!({ "v": "1", "q": 2 }));
    let cart = parse(&answer(200, fixture!("vendure", "add-item.json"))).unwrap();
    let usd = |a| Money::new(a, Currency::USD);
    assert_eq!((cart.id.as_str(), cart.subtotal, cart.discount, cart.total), ("sess1", usd(322_060), Some(usd(10_000)), usd(312_060)));
    assert_eq!((cart.lines[0].unit_price, cart.lines[0].line_total, cart.lines[0].title.as_str()), (usd(155_880), usd(311_760), "Laptop <i>Pro</i>"));
}

#[test]
fn vendure_errors_and_customers() {
    let (_, parse) = vendure().add_line("s", &line("1", 9)).unwrap().into_parts();
    assert!(matches!(parse(&answer(200, fixture!("vendure", "insufficient-stock.json"))), Err(ProtocolError::InsufficientStock { available: Some(2), .. })));
    let (_, parse) = vendure().update_line("s", "41", 3, None).unwrap().into_parts();
    assert!(matches!(parse(&answer(200, fixture!("vendure", "order-modification-error.json"))), Err(ProtocolError::Api { code, .. }) if code == "cart_closed"));
    let (_, parse) = vendure().get_cart("s").unwrap().into_parts();
    assert!(matches!(parse(&answer(200, fixture!("vendure", "forbidden.json"))), Err(ProtocolError::Api { code, .. }) if code == "FORBIDDEN"));
    let (_, parse) = vendure().list_products(&ProductQuery::default()).unwrap().into_parts();
    let products = parse(&answer(200, fixture!("vendure", "products.json"))).unwrap();
    assert_eq!((products[0].handle.as_str(), products[0].category.as_str(), products[0].variants[0].price.amount), ("laptop", "computers", 155_880));
    assert_eq!(products[0].variants[0].options[1], crate::catalog::VariantOption { name: "RAM".into(), value: "8GB".into() });
    // Login on the guest's session: Vendure merges the guest order; the (new) session is the cart.
    let (req, parse) = vendure().sign_in("ada@example.com", "pw", Some("sess1")).unwrap().into_parts();
    assert_eq!(header(&req, "authorization"), Some("Bearer sess1"));
    let s = parse(&with_header(answer(200, fixture!("vendure", "login.json")), "vendure-auth-token", "sess2")).unwrap();
    assert_eq!((s.token.as_str(), s.cart_id.as_deref(), s.customer.id.as_str()), ("sess2", Some("sess2"), "7"));
    let (_, parse) = vendure().sign_in("ada@example.com", "bad", None).unwrap().into_parts();
    assert!(matches!(parse(&answer(200, fixture!("vendure", "login-invalid.json"))), Err(ProtocolError::Api { status: 401, .. })));
    assert_eq!(vendure().variant_stock("1").unwrap_err(), ProtocolError::Unsupported(Capability::PerStoreStock));
}

// ---------------------------------------------------------------- discount codes

/// Shopify sets a cart's whole list of codes: applying adds to what the cart
/// holds, removing sends the rest; a code Shopify keeps but does not apply
/// is refused (the SDK then takes it out again).
#[test]
fn shopify_codes_set_the_whole_list_and_an_inapplicable_code_is_refused() {
    assert!(shopify().capabilities().discount_codes);
    let (req, parse) = shopify().apply_code("c", " summer ", &["TENOFF".into(), "summer".into()]).unwrap().into_parts();
    let b = body_json(&req);
    assert!(b["query"].as_str().unwrap().contains("cartDiscountCodesUpdate(cartId: $id, discountCodes: $codes)"));
    assert_eq!(b["variables"]["codes"], serde_json::json!(["TENOFF", "summer"]), "held codes kept once, the new one last");
    let reply = |codes: &str| {
        String::from_utf8(fixture!("shopify", "cart-lines-add.json"))
            .unwrap()
            .replace("\"cartLinesAdd\"", "\"cartDiscountCodesUpdate\"")
            .replace("\"checkoutUrl\"", &format!("\"discountCodes\": {codes}, \"checkoutUrl\""))
            .into_bytes()
    };
    let cart = parse(&answer(200, reply(r#"[{"code":"TENOFF","applicable":true},{"code":"summer","applicable":true}]"#))).unwrap();
    assert_eq!(cart.codes, ["TENOFF", "summer"]);
    cart.check_sums().unwrap();
    let (_, parse) = shopify().apply_code("c", "NOPE", &[]).unwrap().into_parts();
    let refused = parse(&answer(200, reply(r#"[{"code":"NOPE","applicable":false}]"#))).unwrap_err();
    assert!(matches!(&refused, ProtocolError::Api { status: 422, code, .. } if code == "code_not_applicable"), "{refused:?}");
    let (req, _) = shopify().remove_code("c", "tenoff", &["TENOFF".into(), "summer".into()]).unwrap().into_parts();
    assert_eq!(body_json(&req)["variables"]["codes"], serde_json::json!(["summer"]));
    for bad in ["", "  ", "a\u{0}b", &"x".repeat(201)] {
        assert!(matches!(shopify().apply_code("c", bad, &[]), Err(ProtocolError::Api { .. })), "{bad:?} is not sent");
    }
}

/// Shopify's cart note: `cartNoteUpdate`, the note read back from the cart,
/// and a note the reference server would refuse not sent at all.
#[test]
fn shopify_cart_note() {
    assert!(shopify().capabilities().cart_note);
    let (req, parse) = shopify().set_note("c", "  Ring twice\r\nthanks ").unwrap().into_parts();
    let b = body_json(&req);
    assert!(b["query"].as_str().unwrap().contains("cartNoteUpdate(cartId: $id, note: $note)"));
    assert_eq!(b["variables"]["note"], "Ring twice\nthanks", "trimmed, one kind of line break");
    let reply = String::from_utf8(fixture!("shopify", "cart-lines-add.json"))
        .unwrap()
        .replace("\"cartLinesAdd\"", "\"cartNoteUpdate\"")
        .replace("\"checkoutUrl\"", "\"note\": \"Ring twice\\nthanks <b>\", \"checkoutUrl\"");
    let cart = parse(&answer(200, reply.into_bytes())).unwrap();
    assert_eq!(cart.note, "Ring twice\nthanks <b>");
    let plain = parse_shopify_cart(fixture!("shopify", "cart-lines-add.json"));
    assert_eq!(plain.note, "", "a cart without a note");
    for bad in ["a\u{7}b", &"x".repeat(501)] {
        assert!(matches!(shopify().set_note("c", bad), Err(ProtocolError::Api { status: 422, ref code, .. }) if code == "invalid_note"), "{bad:?} is not sent");
    }
    assert!(matches!(woo().set_note("t", "hi"), Err(ProtocolError::Unsupported(_))), "WooCommerce's Store API has no cart note");
}

fn parse_shopify_cart(body: Vec<u8>) -> crate::Cart {
    let (_, parse) = shopify().add_line("c", &line("gid://shopify/ProductVariant/101", 1)).unwrap().into_parts();
    parse(&answer(200, body)).unwrap()
}

/// WooCommerce's coupon routes; its refusals, told apart only by their text,
/// in the protocol's codes; the cart's coupons are its codes.
#[test]
fn woocommerce_coupons_apply_remove_and_refusals() {
    assert!(woo().capabilities().discount_codes);
    let (req, parse) = woo().apply_code("t", " ten ", &[]).unwrap().into_parts();
    assert!(req.url.ends_with("/cart/apply-coupon"), "{}", req.url);
    assert_eq!(body_json(&req), serde_json::json!({ "code": "ten" }));
    let cart = parse(&with_header(answer(200, woo_taxed_cart("1200", "200")), "cart-token", "t")).unwrap();
    assert_eq!(cart.codes, ["TEN"]);
    let (req, _) = woo().remove_code("t", "TEN", &["TEN".into()]).unwrap().into_parts();
    assert!(req.url.ends_with("/cart/remove-coupon"));
    for (message, expected) in [
        ("Coupon &quot;nope&quot; does not exist!", "code_unknown"),
        ("This coupon has expired.", "code_expired"),
        ("The minimum spend for this coupon is &euro;50.00.", "code_minimum"),
        ("Coupon usage limit has been reached.", "code_used_up"),
        ("Sorry, coupon &quot;ten&quot; has already been applied and cannot be used in conjunction with other coupons.", "code_not_combinable"),
        ("Sorry, this coupon is not applicable to selected products.", "code_not_applicable"),
    ] {
        let (_, parse) = woo().apply_code("t", "x", &[]).unwrap().into_parts();
        let body = serde_json::to_vec(&serde_json::json!({ "code": "woocommerce_rest_cart_coupon_error", "message": message, "data": { "status": 400 } })).unwrap();
        let e = parse(&answer(400, body)).unwrap_err();
        assert!(matches!(&e, ProtocolError::Api { status: 422, code, .. } if code == expected), "{message}: {e:?}");
    }
}
