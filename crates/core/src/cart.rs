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
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Fulfillment {
    /// Shipped to the customer.
    #[default]
    Delivery,
    /// Collected by the customer at a physical store (click & collect).
    Pickup { store_id: String },
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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    pub id: String,
    /// Bumped by every change; a write that names an older version is refused.
    pub version: u64,
    pub currency: Currency,
    pub lines: Vec<CartLine>,
    pub subtotal: Money,
    /// Subtotal plus taxes and shipping where the backend adds them.
    pub total: Money,
    /// Milliseconds since the Unix epoch.
    #[serde(default)]
    pub updated_at: i64,
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

/// Fills `line_total` of each line and returns `(subtotal, total)`.
///
/// The reference protocol has no taxes or shipping yet, so total = subtotal.
pub fn price_lines(currency: Currency, lines: &mut [CartLine]) -> Result<(Money, Money), CartError> {
    for line in lines.iter_mut() {
        if line.unit_price.currency != currency {
            return Err(CartError::CurrencyMismatch { cart: currency, found: line.unit_price.currency });
        }
        line.line_total = line.unit_price.checked_mul(line.quantity)?;
    }
    let subtotal = Money::sum(currency, lines.iter().map(|l| l.line_total))?;
    Ok((subtotal, subtotal))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(qty: u32, price: i64) -> CartLine {
        CartLine {
            id: format!("l{qty}-{price}"),
            variant_id: "v".into(),
            product_id: "p".into(),
            title: "t".into(),
            variant_title: String::new(),
            image: None,
            quantity: qty,
            unit_price: Money::new(price, Currency::EUR),
            line_total: Money::zero(Currency::EUR),
            fulfillment: Fulfillment::Delivery,
        }
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
        let (sub, total) = price_lines(Currency::EUR, &mut ls).unwrap();
        assert_eq!(sub.amount, expected_subtotal, "{lines:?}");
        assert_eq!(total, sub);
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
        assert!(matches!(price_lines(Currency::EUR, &mut ls), Err(CartError::CurrencyMismatch { .. })));
    }

    #[test]
    fn fulfillment_wire_shape() {
        let p = Fulfillment::Pickup { store_id: "s1".into() };
        assert_eq!(serde_json::to_string(&p).unwrap(), r#"{"type":"pickup","store_id":"s1"}"#);
        assert_eq!(serde_json::to_string(&Fulfillment::Delivery).unwrap(), r#"{"type":"delivery"}"#);
    }
}
