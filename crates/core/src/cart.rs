//! Cart and line items. A line is delivered or picked up at a store.
//!
//! Prices in a cart always come from the commerce API: [`price_lines`] is the
//! single place the reference server turns quantities and catalog prices into
//! line totals, subtotal and total, so every channel shows the same figures.

use crate::catalog::{Image, ProductId, VariantId};
use crate::money::{Currency, Money, MoneyError};
use serde::{Deserialize, Serialize};

/// Largest quantity one line may hold; larger requests are refused, not clamped.
pub const MAX_LINE_QUANTITY: u32 = 999;
/// Largest number of distinct lines in one cart.
pub const MAX_LINES: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "FulfillmentWire")]
pub enum Fulfillment {
    /// Shipped to the customer.
    #[default]
    Delivery,
    /// Collected by the customer at a physical store (click & collect).
    Pickup { store_id: String },
}

/// How a [`Fulfillment`] is read: the tagged enum's JSON through a flat
/// struct (cheaper in the browser build than serde's tagged-enum buffering).
#[derive(Deserialize)]
struct FulfillmentWire {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    store_id: Option<String>,
}

impl TryFrom<FulfillmentWire> for Fulfillment {
    type Error = String;
    fn try_from(w: FulfillmentWire) -> Result<Fulfillment, String> {
        match (w.kind.as_str(), w.store_id) {
            ("delivery", None) => Ok(Fulfillment::Delivery),
            ("pickup", Some(store_id)) => Ok(Fulfillment::Pickup { store_id }),
            ("pickup", None) => Err("a pickup needs a store_id".into()),
            ("delivery", Some(_)) => Err("a delivery has no store_id".into()),
            (other, _) => Err(format!("unknown fulfillment type \"{other}\", expected delivery or pickup")),
        }
    }
}

impl crate::json::FromJson for Fulfillment {
    fn from_json(v: &crate::json::Value) -> Result<Self, crate::json::JsonError> {
        let o = v.fields("a fulfillment")?;
        let w = FulfillmentWire { kind: o.req("type")?, store_id: o.or_default("store_id")? };
        Fulfillment::try_from(w).map_err(crate::json::JsonError::invalid)
    }
}

impl crate::json::ToJson for Fulfillment {
    fn write_json(&self, out: &mut String) {
        let mut o = crate::json::ObjectWriter::new(out);
        match self {
            Fulfillment::Delivery => o.field("type", "delivery"),
            Fulfillment::Pickup { store_id } => o.field("type", "pickup").field("store_id", store_id),
        };
        o.end();
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    pub id: String,
    pub variant_id: VariantId,
    pub product_id: ProductId,
    pub title: String,
    #[serde(default)]
    pub variant_title: String,
    #[serde(default)]
    pub image: Option<Image>,
    pub quantity: u32,
    pub unit_price: Money,
    pub line_total: Money,
    #[serde(default)]
    pub fulfillment: Fulfillment,
    /// Tag shared by lines added together as a bundle (see [`price_lines`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle: Option<String>,
    /// Bundle discount on this line; `line_total` is before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<Money>,
    /// For a pickup line: until when (ms since the epoch) the store holds
    /// the stock. A time in the past means the hold lapsed; checkout retries it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved_until: Option<i64>,
    /// For a pickup line: the units come from the warehouse by transfer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub transfer: bool,
    /// Percent off this line from an accepted post-checkout offer
    /// (`crate::offer`); 0 for none. The larger of this and a bundle discount applies.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub offer_percent: u8,
}

crate::json_object!(CartLine {
    req id, req variant_id, req product_id, req title, def variant_title, nul image, req quantity,
    req unit_price, req line_total, def fulfillment, opt bundle, opt discount, opt reserved_until,
    skip transfer, skip offer_percent,
});

fn is_zero(n: &u8) -> bool {
    *n == 0
}

/// The shop's bundle terms: `percent` off every line of a bundle while at
/// least two of its lines are in the cart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleDiscount {
    pub percent: u8,
}

crate::json_object!(BundleDiscount { req percent });

/// Largest bundle discount the API accepts.
pub const MAX_BUNDLE_PERCENT: u8 = 90;

/// `percent` of `amount`, rounded half up to the minor unit. The browser's
/// bundle preview and the server's cart use this one function.
pub fn percent_of(amount: Money, percent: u8) -> Result<Money, CartError> {
    let scaled = i128::from(amount.amount) * i128::from(percent);
    let rounded = (scaled + 50).div_euclid(100);
    let value = i64::try_from(rounded).map_err(|_| CartError::Money(MoneyError::Overflow))?;
    Ok(Money::new(value, amount.currency))
}

/// Whether a bundle tag is acceptable: 1–64 of `A-Z a-z 0-9 - _`.
pub fn valid_bundle_tag(tag: &str) -> bool {
    (1..=64).contains(&tag.len()) && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    pub id: String,
    /// Bumped by every change; a write that names an older version is refused.
    pub version: u64,
    pub currency: Currency,
    pub lines: Vec<CartLine>,
    pub subtotal: Money,
    /// Sum of the lines' bundle discounts, when there are any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<Money>,
    /// Subtotal less discounts, plus taxes and shipping where the backend adds them.
    pub total: Money,
    /// Milliseconds since the Unix epoch.
    #[serde(default)]
    pub updated_at: i64,
}

crate::json_object!(Cart { req id, req version, req currency, req lines, req subtotal, opt discount, req total, def updated_at });

impl CartLine {
    /// A line delivered to the customer with nothing else on it (no bundle,
    /// discount, hold or offer): what a backend without those answers.
    /// Titles and image are filled in with struct update syntax.
    pub fn delivered(id: String, variant_id: String, quantity: u32, unit_price: Money, line_total: Money) -> CartLine {
        CartLine {
            id,
            variant_id,
            product_id: String::new(),
            title: String::new(),
            variant_title: String::new(),
            image: None,
            quantity,
            unit_price,
            line_total,
            fulfillment: Fulfillment::Delivery,
            bundle: None,
            discount: None,
            reserved_until: None,
            transfer: false,
            offer_percent: 0,
        }
    }
}

impl Cart {
    /// Number of items (sum of quantities), what a cart badge shows.
    pub fn item_count(&self) -> u64 {
        self.lines.iter().map(|l| u64::from(l.quantity)).sum()
    }
    pub fn line(&self, id: &str) -> Option<&CartLine> {
        self.lines.iter().find(|l| l.id == id)
    }
}

/// Why a cart edit is refused before it reaches storage.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CartError {
    #[error("quantity must be between 1 and {MAX_LINE_QUANTITY}, got {0}")]
    BadQuantity(i64),
    #[error("a cart holds at most {MAX_LINES} lines")]
    TooManyLines,
    #[error("variant is priced in {found}, the cart is in {cart}")]
    CurrencyMismatch { cart: Currency, found: Currency },
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// Checks a requested quantity for a line (adding or setting).
pub fn validate_quantity(q: i64) -> Result<u32, CartError> {
    if (1..=i64::from(MAX_LINE_QUANTITY)).contains(&q) {
        Ok(q as u32)
    } else {
        Err(CartError::BadQuantity(q))
    }
}

/// Quantity after adding `add` to a line that holds `current`.
pub fn merged_quantity(current: u32, add: u32) -> Result<u32, CartError> {
    let q = i64::from(current) + i64::from(add);
    validate_quantity(q)
}

/// What [`price_lines`] works out for a cart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub subtotal: Money,
    /// None when no line is discounted.
    pub discount: Option<Money>,
    pub total: Money,
}

/// Fills `line_total` and `discount` of each line and returns the totals.
///
/// A bundle (lines sharing a `bundle` tag) earns `bundle_percent` off each of
/// its lines while at least two of them are in the cart; remove one and the
/// rest pay full price again. A line from an accepted post-checkout offer
/// keeps its `offer_percent` off one unit (the offer was for one; raising
/// the quantity buys the rest at full price); the larger of the two
/// discounts applies, never both. The reference protocol has no taxes or
/// shipping yet, so total = subtotal − discount.
pub fn price_lines(currency: Currency, lines: &mut [CartLine], bundle_percent: u8) -> Result<Totals, CartError> {
    let mut bundle_sizes: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for line in lines.iter() {
        if let Some(tag) = &line.bundle {
            *bundle_sizes.entry(tag.clone()).or_default() += 1;
        }
    }
    for line in lines.iter_mut() {
        if line.unit_price.currency != currency {
            return Err(CartError::CurrencyMismatch { cart: currency, found: line.unit_price.currency });
        }
        line.line_total = line.unit_price.checked_mul(line.quantity)?;
        let bundled = line.bundle.as_ref().is_some_and(|t| bundle_sizes.get(t).copied().unwrap_or(0) >= 2);
        let bundle = if bundled && bundle_percent > 0 { percent_of(line.line_total, bundle_percent)?.amount } else { 0 };
        // An offer was for one unit: more of the same pay full price.
        let offer = if line.offer_percent > 0 { percent_of(line.unit_price, line.offer_percent)?.amount } else { 0 };
        let amount = bundle.max(offer);
        line.discount = (amount > 0).then(|| Money::new(amount, currency));
    }
    let subtotal = Money::sum(currency, lines.iter().map(|l| l.line_total))?;
    let discounts: Vec<Money> = lines.iter().filter_map(|l| l.discount).collect();
    let discount = if discounts.is_empty() { None } else { Some(Money::sum(currency, discounts)?) };
    let total = Money::new(subtotal.amount.checked_sub(discount.map_or(0, |d| d.amount)).ok_or(MoneyError::Overflow)?, currency);
    Ok(Totals { subtotal, discount, total })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(qty: u32, price: i64) -> CartLine {
        let line = CartLine::delivered(format!("l{qty}-{price}"), "v".into(), qty, Money::new(price, Currency::EUR), Money::zero(Currency::EUR));
        CartLine { product_id: "p".into(), title: "t".into(), ..line }
    }

    fn check_quantity(q: i64, expected: Result<u32, CartError>) {
        assert_eq!(validate_quantity(q), expected, "{q}");
    }

    #[test]
    fn quantities() {
        check_quantity(1, Ok(1));
        check_quantity(999, Ok(999));
        check_quantity(0, Err(CartError::BadQuantity(0)));
        check_quantity(-3, Err(CartError::BadQuantity(-3)));
        check_quantity(1000, Err(CartError::BadQuantity(1000)));
        check_quantity(i64::MAX, Err(CartError::BadQuantity(i64::MAX)));
        assert_eq!(merged_quantity(998, 1), Ok(999));
        assert_eq!(merged_quantity(998, 2), Err(CartError::BadQuantity(1000)));
    }

    fn check_totals(lines: &[(u32, i64)], expected_subtotal: i64) {
        let mut ls: Vec<CartLine> = lines.iter().map(|&(q, p)| line(q, p)).collect();
        let totals = price_lines(Currency::EUR, &mut ls, 0).unwrap();
        assert_eq!(totals.subtotal.amount, expected_subtotal, "{lines:?}");
        assert_eq!(totals.total, totals.subtotal);
        assert_eq!(totals.discount, None);
        for (l, &(q, p)) in ls.iter().zip(lines) {
            assert_eq!(l.line_total.amount, i64::from(q) * p);
        }
    }

    #[test]
    fn totals() {
        check_totals(&[], 0);
        check_totals(&[(1, 1999)], 1999);
        check_totals(&[(3, 1999), (2, 450)], 6897);
        check_totals(&[(999, 9_999_999)], 999 * 9_999_999);
    }

    #[test]
    fn totals_refuse_mixed_currency() {
        let mut ls = vec![line(1, 100)];
        ls[0].unit_price = Money::new(100, Currency::USD);
        assert!(matches!(price_lines(Currency::EUR, &mut ls, 0), Err(CartError::CurrencyMismatch { .. })));
    }

    /// (quantity, unit price, bundle tag) per line → (line discounts, total discount, total).
    fn check_bundle(lines: &[(u32, i64, Option<&str>)], percent: u8, discounts: &[i64], total_discount: i64, total: i64) {
        let mut ls: Vec<CartLine> = lines.iter().map(|&(q, p, b)| CartLine { bundle: b.map(String::from), ..line(q, p) }).collect();
        let t = price_lines(Currency::EUR, &mut ls, percent).unwrap();
        let got: Vec<i64> = ls.iter().map(|l| l.discount.map_or(0, |d| d.amount)).collect();
        assert_eq!(got, discounts, "{lines:?} at {percent}%");
        assert_eq!(t.discount.map_or(0, |d| d.amount), total_discount);
        assert_eq!(t.total.amount, total);
        assert_eq!(t.total.amount, t.subtotal.amount - total_discount);
    }

    #[test]
    fn bundle_discounts() {
        // Two lines of one bundle: 5 % off each.
        check_bundle(&[(1, 89900, Some("b1")), (1, 4900, Some("b1"))], 5, &[4495, 245], 4740, 94800 - 4740);
        // A bundle with one line left (the other was removed): full price.
        check_bundle(&[(1, 89900, Some("b1")), (2, 1000, None)], 5, &[0, 0], 0, 91900);
        // Two bundles and an ordinary line; quantities count.
        check_bundle(&[(2, 1999, Some("a")), (1, 999, Some("a")), (1, 500, Some("z")), (3, 100, None)], 10, &[400, 100, 0, 0], 500, 4997 + 500 + 300 - 500);
        // The shop offers no discount.
        check_bundle(&[(1, 1000, Some("a")), (1, 1000, Some("a"))], 0, &[0, 0], 0, 2000);
    }

    #[test]
    fn offer_discounts_do_not_stack_with_bundles() {
        let mut ls = vec![
            CartLine { offer_percent: 10, ..line(2, 1000) },
            CartLine { offer_percent: 10, bundle: Some("b".into()), ..line(1, 1000) },
            CartLine { bundle: Some("b".into()), ..line(1, 1000) },
            CartLine { offer_percent: 3, bundle: Some("c".into()), ..line(1, 1000) },
            CartLine { bundle: Some("c".into()), ..line(1, 2000) },
        ];
        let t = price_lines(Currency::EUR, &mut ls, 5).unwrap();
        let got: Vec<i64> = ls.iter().map(|l| l.discount.map_or(0, |d| d.amount)).collect();
        // 10 % off one of the two units; max(10, 5) on a bundled line; 5 % bundle; max(3, 5); 5 %.
        assert_eq!(got, [100, 100, 50, 50, 100]);
        assert_eq!(t.total.amount, 7000 - 400);
    }

    /// Issue 14 (L9): an accepted offer's discount stayed on the line at any
    /// quantity (999 units at −90 %). It is for one unit.
    #[test]
    fn an_offer_discount_covers_one_unit_whatever_the_quantity() {
        let mut ls = vec![CartLine { offer_percent: 90, ..line(999, 2900) }];
        let t = price_lines(Currency::EUR, &mut ls, 0).unwrap();
        assert_eq!(ls[0].discount.map(|d| d.amount), Some(2610));
        assert_eq!(t.total.amount, 999 * 2900 - 2610);
    }

    fn check_percent(amount: i64, percent: u8, expected: i64) {
        assert_eq!(percent_of(Money::new(amount, Currency::EUR), percent).unwrap().amount, expected, "{percent}% of {amount}");
    }

    #[test]
    fn percent_rounds_half_up() {
        check_percent(4900, 5, 245);
        check_percent(1999, 5, 100); // 99.95 -> 100
        check_percent(1, 50, 1); // 0.5 -> 1
        check_percent(1, 49, 0);
        check_percent(0, 90, 0);
        check_percent(i64::MAX, 90, ((i128::from(i64::MAX) * 90 + 50) / 100) as i64);
    }

    #[test]
    fn bundle_tags() {
        assert!(valid_bundle_tag("b-1f3a_9"));
        assert!(!valid_bundle_tag(""));
        assert!(!valid_bundle_tag("has space"));
        assert!(!valid_bundle_tag("<script>"));
        assert!(!valid_bundle_tag(&"x".repeat(65)));
    }

    #[test]
    fn fulfillment_wire_shape() {
        let p = Fulfillment::Pickup { store_id: "s1".into() };
        assert_eq!(serde_json::to_string(&p).unwrap(), r#"{"type":"pickup","store_id":"s1"}"#);
        assert_eq!(serde_json::to_string(&Fulfillment::Delivery).unwrap(), r#"{"type":"delivery"}"#);
    }
}
