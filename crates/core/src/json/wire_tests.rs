//! Every wire type reads and writes the same JSON through [`crate::json`] as
//! through serde (which the server uses): serde's text reads back equal
//! here, ours reads back equal in serde, and texts that leave out optional
//! members read the same in both.

use super::*;
use crate::cart::{BundleDiscount, Cart, CartLine, Discount, DiscountKind, Fulfillment, ShippingRule};
use crate::catalog::{Image, Product, Variant, VariantOption};
use crate::money::{Currency, Money};
use crate::offer::{Loyalty, Offer, OfferEvent, OfferItem, OfferStatus, Reason};
use crate::order::{Channel, Order, OrderLine};
use crate::protocol::reference::{AcceptedOffer, AddLineBody, CreateCartBody, ErrorBody, ErrorDetail, ProductList, RecommendationList, StoreList, UpdateLineBody};
use crate::protocol::{CheckoutRequest, ClaimedCart, CustomerInfo, CustomerMe, CustomerSession, HandoffCode, NewLine, Recommendation};
use crate::store::{GeoPoint, HoursException, Interval, OpeningHours, StockLevel, Store, VariantStock};
use crate::sync::replica::Snapshot;
use crate::sync::{Change, Op, OpId, OpsPage, RejectedOp, Seen, SyncAnswer};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Debug;

/// Both directions for a value.
fn check<T: Serialize + DeserializeOwned + FromJson + ToJson + PartialEq + Debug>(value: &T) {
    let theirs = serde_json::to_string(value).unwrap();
    assert_eq!(&from_slice::<T>(theirs.as_bytes()).unwrap(), value, "serde's {theirs}");
    let ours = value.to_json();
    assert_eq!(&serde_json::from_str::<T>(&ours).unwrap(), value, "ours {ours}");
    // Same members, same values (key order aside).
    assert_eq!(serde_json::from_str::<serde_json::Value>(&ours).unwrap(), serde_json::from_str::<serde_json::Value>(&theirs).unwrap());
}

/// A text both read the same way (or both refuse).
fn check_text<T: DeserializeOwned + FromJson + PartialEq + Debug>(text: &str) {
    let theirs = serde_json::from_str::<T>(text);
    let ours = from_slice::<T>(text.as_bytes());
    match (theirs, ours) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "{text}"),
        (Err(_), Err(_)) => {}
        (a, b) => panic!("{text}: serde {a:?}, ours {b:?}"),
    }
}

fn eur(amount: i64) -> Money {
    Money::new(amount, Currency::EUR)
}

fn line(n: u32) -> CartLine {
    CartLine {
        image: Some(Image { url: "/media/p.svg".into(), alt: "A \"quoted\" <b>thing</b>".into() }),
        variant_title: "Black / 64 GB".into(),
        product_id: "p-1".into(),
        title: "Кошик ✓".into(),
        ..CartLine::delivered(format!("l{n}"), format!("v{n}"), n, eur(1999), eur(1999 * i64::from(n)))
    }
}

fn cart() -> Cart {
    let mut pickup = line(2);
    pickup.fulfillment = Fulfillment::Pickup { store_id: "kyiv-1".into() };
    pickup.bundle = Some("b-1".into());
    pickup.discount = Some(eur(-5));
    pickup.reserved_until = Some(1_700_000_000_000);
    pickup.transfer = true;
    pickup.offer_percent = 10;
    let discounts = vec![
        Discount { kind: DiscountKind::Bundle, label: String::new(), amount: eur(150) },
        Discount { kind: DiscountKind::Code, label: "TEN \"off\" <b>".into(), amount: eur(50) },
    ];
    Cart {
        id: "c".into(),
        version: u64::MAX,
        currency: Currency::EUR,
        lines: vec![line(1), pickup],
        subtotal: eur(5997),
        discount: Some(eur(200)),
        discounts,
        shipping: Some(eur(490)),
        fees: Some(eur(0)),
        tax: Some(eur(1000)),
        tax_included: true,
        total: eur(6287),
        codes: vec!["TEN \"off\" <b>".into(), "B".into()],
        shipping_rule: Some(ShippingRule { rate: eur(490), free_over: eur(5000) }),
        note: "Ring twice \"please\" <b>\u{2028}".into(),
        updated_at: -1,
    }
}

fn op(seq: u64, change: Change) -> Op {
    Op { id: OpId { replica: "tab-1".into(), seq }, lamport: seq * 3, at: 17, change }
}

fn ops() -> Vec<Op> {
    let seen = Seen { contiguous: [("server".to_owned(), 4), ("tab-1".to_owned(), 1)].into_iter().collect(), extra: vec![OpId { replica: "x".into(), seq: 9 }] };
    vec![
        op(1, Change::Add { variant_id: "v1".into(), fulfillment: Fulfillment::Delivery, quantity: 2 }),
        op(2, Change::Set { variant_id: "v1".into(), fulfillment: Fulfillment::Pickup { store_id: "s".into() }, quantity: 0, seen }),
        op(3, Change::Set { variant_id: "v2".into(), fulfillment: Fulfillment::Delivery, quantity: 999, seen: Seen::default() }),
    ]
}

fn product() -> Product {
    let variant = |id: &str, image| Variant { id: id.into(), product_id: "p".into(), title: "Red".into(), sku: "SKU-1".into(), options: vec![VariantOption { name: "Colour".into(), value: "Red".into() }], price: eur(1500), image };
    Product {
        id: "p".into(),
        handle: "p-handle".into(),
        title: "Product".into(),
        description: "Line one\nline two".into(),
        category: "cameras".into(),
        images: vec![Image { url: "/a.svg".into(), alt: String::new() }],
        variants: vec![variant("v1", None), variant("v2", Some(Image { url: "/b.svg".into(), alt: "b".into() }))],
    }
}

fn store() -> Store {
    Store {
        id: "s".into(),
        name: "Kyiv".into(),
        address: "Khreshchatyk 1".into(),
        city: "Київ".into(),
        postal_code: "01001".into(),
        country: "UA".into(),
        location: GeoPoint { lat: 50.4501, lon: 30.5234 },
        hours: OpeningHours {
            timezone: "Europe/Kyiv".into(),
            weekly: vec![vec![Interval { open: 600, close: 1260 }], vec![], vec![Interval { open: 1320, close: 1620 }]],
            exceptions: vec![HoursException { date: "2026-12-25".into(), intervals: vec![] }],
        },
        phone: "+380".into(),
        pickup_lead_hours: 2,
        transfer_hours: Some(48),
    }
}

#[test]
fn domain_types() {
    check(&eur(-123));
    check(&Money::new(i64::MIN, Currency::new("JPY").unwrap()));
    check(&Currency::UAH);
    check(&Fulfillment::Delivery);
    check(&Fulfillment::Pickup { store_id: "s".into() });
    check(&line(1));
    check(&cart());
    check(&Cart { discount: None, discounts: vec![], shipping_rule: None, note: String::new(), shipping: None, fees: None, tax: None, tax_included: false, lines: vec![], ..cart() });
    check(&BundleDiscount { percent: 5 });
    check(&product());
    for c in [Channel::Web, Channel::App, Channel::Store] {
        check(&c);
    }
    let order_line = OrderLine { variant_id: "v".into(), product_id: "p".into(), title: "T".into(), variant_title: String::new(), quantity: 1, unit_price: eur(1), line_total: eur(1), fulfillment: Fulfillment::Delivery, discount: Some(eur(1)) };
    let order = Order { id: "o".into(), number: 1042, channel: Channel::Store, currency: Currency::EUR, lines: vec![order_line.clone(), OrderLine { discount: None, ..order_line }], subtotal: eur(2), discount: None, shipping: None, total: eur(2), created_at: 5, key: Some("k".into()) };
    check(&order);
    check(&Order { key: None, discount: Some(eur(1)), shipping: Some(eur(0)), ..order });
}

#[test]
fn sync_types() {
    for o in ops() {
        check(&o);
    }
    check(&Seen::default());
    check(&RejectedOp { id: OpId { replica: "r".into(), seq: 1 }, code: "unknown_variant".into(), message: "no such variant".into() });
    check(&SyncAnswer { acked: vec![OpId { replica: "r".into(), seq: 1 }], rejected: vec![], cursor: 7, cart: cart() });
    check(&OpsPage { ops: ops(), cursor: u64::MAX });
    check(&Snapshot { replica: "r".into(), next_seq: 4, lamport: 9, ops: ops(), confirmed: vec![OpId { replica: "tab-1".into(), seq: 1 }] });
}

#[test]
fn store_and_offer_types() {
    check(&store());
    check(&Store { transfer_hours: None, hours: OpeningHours::default(), ..store() });
    check(&StoreList { stores: vec![store()] });
    check(&VariantStock { variant_id: "v".into(), stock: vec![StockLevel { store_id: "s".into(), variant_id: "v".into(), quantity: 3 }], warehouse: 12, low_stock_threshold: 2, untracked: false });
    check(&VariantStock { variant_id: "v".into(), stock: vec![], warehouse: 0, low_stock_threshold: 3, untracked: true });
    let item = OfferItem { product_id: "p".into(), variant_id: "v".into(), title: "T".into(), variant_title: "x".into(), image: None, price: eur(100), offer_price: eur(90), available: true, reason: Reason::Both };
    for (status, reason) in [(OfferStatus::Open, None), (OfferStatus::None, Some("capped".to_owned())), (OfferStatus::Holdout, None), (OfferStatus::Accepted, None), (OfferStatus::Dismissed, None), (OfferStatus::Expired, None)] {
        check(&Offer {
            order_id: "o".into(),
            order_number: 1,
            status,
            reason,
            experiment: "e".into(),
            variant: "discount-10".into(),
            percent_off: 10,
            expires_at: 1,
            server_time: 2,
            items: vec![item.clone(), OfferItem { reason: Reason::Viewed, image: Some(Image { url: "u".into(), alt: String::new() }), ..item.clone() }],
            loyalty: Loyalty { earned: 3, balance: Some(9) },
            cart_id: Some("c".into()),
        });
    }
    check(&Loyalty { earned: 0, balance: None });
    check(&OfferEvent::Impression);
    check(&OfferEvent::Dismiss);
    check(&Reason::Complement);
}

#[test]
fn reference_protocol_types() {
    check(&ErrorBody { error: ErrorDetail { code: "insufficient_stock".into(), message: "2 left".into(), available: Some(2) } });
    check(&ErrorBody { error: ErrorDetail { code: "not_found".into(), message: String::new(), available: None } });
    check(&ProductList { products: vec![product()] });
    check(&RecommendationList { recommendations: vec![Recommendation { product: product(), score: 2.5, count: 7 }], discount: Some(BundleDiscount { percent: 5 }) });
    check(&RecommendationList { recommendations: vec![], discount: None });
    check(&CreateCartBody { currency: None });
    check(&CreateCartBody { currency: Some(Currency::USD) });
    check(&AddLineBody { variant_id: "v".into(), quantity: -1, fulfillment: Fulfillment::Delivery, bundle: Some("b".into()), allow_transfer: true });
    check(&AddLineBody { variant_id: "v".into(), quantity: 1, fulfillment: Fulfillment::Pickup { store_id: "s".into() }, bundle: None, allow_transfer: false });
    check(&UpdateLineBody { quantity: 0 });
    check(&NewLine { variant_id: "v".into(), quantity: 1, fulfillment: Fulfillment::Delivery, bundle: None, allow_transfer: true });
    check(&CheckoutRequest { cart_id: "c".into(), email: "a@b.c".into(), name: String::new(), channel: Channel::App });
    check(&HandoffCode { code: "K7Q-4MX".into(), expires_at: 1, now: 0, url: "/handoff.html?code=K7Q4MX".into(), qr: "/v1/handoff/K7Q4MX/qr.svg".into() });
    check(&ClaimedCart { cart_id: "c".into(), cart: cart(), grant: "g".into(), grant_until: 9 });
    let customer = CustomerInfo { id: "cu".into(), email: "olena@example.com".into(), name: "Олена".into() };
    check(&CustomerSession { customer: customer.clone(), token: "t".into(), cart_id: None });
    check(&CustomerSession { customer: customer.clone(), token: "t".into(), cart_id: Some("c".into()) });
    check(&CustomerMe { customer, cart_id: None });
    check(&AcceptedOffer { cart: cart() });
}

#[test]
fn texts_read_alike() {
    // Optional and defaulted members left out, nulls, unknown members, wrong types.
    check_text::<CartLine>(r#"{"id":"l","variant_id":"v","product_id":"p","title":"t","quantity":1,"unit_price":{"amount":1,"currency":"EUR"},"line_total":{"amount":1,"currency":"EUR"}}"#);
    check_text::<CartLine>(r#"{"id":"l","variant_id":"v","product_id":"p","title":"t","quantity":1,"unit_price":{"amount":1,"currency":"EUR"},"line_total":{"amount":1,"currency":"EUR"},"image":null,"bundle":null,"extra":[1,2]}"#);
    check_text::<CartLine>(r#"{"id":"l","variant_id":"v","product_id":"p","title":"t","quantity":-1,"unit_price":{"amount":1,"currency":"EUR"},"line_total":{"amount":1,"currency":"EUR"}}"#);
    check_text::<CartLine>(r#"{"id":"l","variant_id":"v","product_id":"p","title":"t","quantity":1.5,"unit_price":{"amount":1,"currency":"EUR"},"line_total":{"amount":1,"currency":"EUR"}}"#);
    check_text::<Money>(r#"{"amount":1,"currency":"eur"}"#);
    check_text::<Money>(r#"{"amount":9223372036854775808,"currency":"EUR"}"#);
    check_text::<Money>(r#"{"amount":"1","currency":"EUR"}"#);
    check_text::<Fulfillment>(r#"{"type":"pickup"}"#);
    check_text::<Fulfillment>(r#"{"type":"delivery","store_id":"s"}"#);
    check_text::<Fulfillment>(r#"{"type":"drone"}"#);
    check_text::<Fulfillment>(r#"{"type":"pickup","store_id":null}"#);
    check_text::<Change>(r#"{"type":"add","variant_id":"v","quantity":1}"#);
    check_text::<Change>(r#"{"type":"add","variant_id":"v","quantity":1,"seen":{}}"#);
    check_text::<Change>(r#"{"type":"set","variant_id":"v","quantity":1}"#);
    check_text::<Change>(r#"{"type":"move","variant_id":"v","quantity":1}"#);
    check_text::<Seen>(r#"{}"#);
    check_text::<Seen>(r#"{"contiguous":{"a":1,"b":2},"extra":[]}"#);
    check_text::<VariantStock>(r#"{"variant_id":"v","stock":[]}"#);
    check_text::<VariantStock>(r#"{"variant_id":"v","stock":[],"low_stock_threshold":null}"#);
    check_text::<Offer>(r#"{"order_id":"o","order_number":1,"status":"open","experiment":"e","variant":"v","server_time":1}"#);
    check_text::<Offer>(r#"{"order_id":"o","order_number":1,"status":"maybe","experiment":"e","variant":"v","server_time":1}"#);
    check_text::<Store>(r#"{"id":"s","name":"n","address":"a","city":"c","country":"UA","location":{"lat":1,"lon":-2.5e1}}"#);
    check_text::<Cart>(r#"[]"#);
    check_text::<Cart>(r#"null"#);
}
