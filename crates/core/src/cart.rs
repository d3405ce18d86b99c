//! Cart and line items. A line is delivered or picked up at a store.
//!
//! Prices in a cart always come from the commerce API: [`price_lines`] is the
//! single place the reference server turns quantities and catalog prices into
//! line totals, subtotal and total, so every channel shows the same figures.

use crate::catalog::{Image, ProductId, VariantId};
use crate::money::{Currency, Exact, Money, MoneyError};
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
    /// Units the shop has left of this variant where the line is fulfilled,
    /// sent only when few (at or under the shop's low-stock threshold):
    /// the cart's "Only 2 left".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock_left: Option<u32>,
    /// The unit price before the shop's sale ("was €24.00"), only when
    /// higher than `unit_price`; not a discount (the figures do not list it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compare_at: Option<Money>,
}

crate::json_object!(CartLine {
    req id, req variant_id, req product_id, req title, def variant_title, nul image, req quantity,
    req unit_price, req line_total, def fulfillment, opt bundle, opt discount, opt reserved_until,
    skip transfer, skip offer_percent, opt stock_left, opt compare_at,
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

/// What a discount is; the element names bundle and offer discounts itself
/// and shows a code's or a promotion's `label`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscountKind {
    /// Lines bought together as a mined bundle.
    Bundle,
    /// An accepted post-checkout offer.
    Offer,
    /// A code the customer entered.
    Code,
    /// A promotion the shop applied by itself.
    Promotion,
}

crate::json_enum!(DiscountKind { Bundle = "bundle", Offer = "offer", Code = "code", Promotion = "promotion" });

/// One discount on the cart, labelled, as a positive amount taken off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discount {
    pub kind: DiscountKind,
    /// The code, or the promotion's name; empty for a bundle or an offer.
    #[serde(default)]
    pub label: String,
    pub amount: Money,
}

crate::json_object!(Discount { req kind, def label, req amount });

/// One money model for every backend. Every figure is on one tax basis:
/// with `tax_included` the prices, line totals, subtotal, discounts,
/// shipping and fees include tax and `tax` is the part of the total that is
/// tax; without it they are net and `tax` is added. [`Cart::check_sums`]
/// holds for every cart an adapter returns:
/// Σ line totals = subtotal, Σ `discounts` = `discount`, and
/// subtotal − discount + shipping + fees (+ tax when added) = total, exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    pub id: String,
    /// Bumped by every change; a write that names an older version is refused.
    pub version: u64,
    pub currency: Currency,
    pub lines: Vec<CartLine>,
    /// The lines' totals, before discounts.
    pub subtotal: Money,
    /// Sum of `discounts`, when there are any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<Money>,
    /// Every discount once, labelled (a line's own discount is also shown on the line).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub discounts: Vec<Discount>,
    /// None until the backend knows it (no shipping method chosen yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping: Option<Money>,
    /// Fees and surcharges beside shipping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fees: Option<Money>,
    /// None until the backend computes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax: Option<Money>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tax_included: bool,
    pub total: Money,
    /// Discount codes the customer entered, in order (upper case). A code
    /// that takes nothing off now (the subtotal fell below its minimum) is
    /// still here, without a row in `discounts`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<String>,
    /// The shop's delivery rate and free-delivery threshold, when its API
    /// exposes one (a "… more for free shipping" bar needs it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_rule: Option<ShippingRule>,
    /// The customer's note to the shop (at most [`MAX_NOTE_CHARS`]).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// Milliseconds since the Unix epoch.
    #[serde(default)]
    pub updated_at: i64,
}

crate::json_object!(Cart {
    req id, req version, req currency, req lines, req subtotal, opt discount, skip discounts, opt shipping, opt fees, opt tax,
    skip tax_included, req total, skip codes, opt shipping_rule, skip note, def updated_at,
});

/// The longest note a customer may leave on a cart, in characters.
pub const MAX_NOTE_CHARS: usize = 500;

/// A cart note as it is kept: trimmed, line breaks and tabs allowed, other
/// control characters refused, at most [`MAX_NOTE_CHARS`].
pub fn validate_note(note: &str) -> Result<String, CartError> {
    let note = note.trim().replace("\r\n", "\n");
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(CartError::BadNote("a note is at most 500 characters"));
    }
    if note.chars().any(|c| c.is_control() && c != '\n' && c != '\t' || c == '\u{2028}' || c == '\u{2029}') {
        return Err(CartError::BadNote("a note cannot hold control characters"));
    }
    Ok(note)
}

/// A flat delivery rate, free from a merchandise total on: the rule behind
/// a free-shipping progress bar. Merchandise is the subtotal less every
/// discount; delivery is charged when the cart has a delivered line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingRule {
    /// What delivery costs below the threshold.
    pub rate: Money,
    /// From this merchandise total on, delivery is free.
    pub free_over: Money,
}

crate::json_object!(ShippingRule { req rate, req free_over });

/// How far a cart is from free delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FreeShipping {
    /// What the merchandise still lacks (zero once delivery is free).
    pub remaining: Money,
    /// Thousandths of the way there; 1000 exactly when `remaining` is zero.
    pub permille: u16,
}

/// The largest delivery rate or threshold a shop may set, in minor units.
pub const MAX_SHIPPING_MINOR: i64 = 1_000_000_000_000;

impl ShippingRule {
    /// Both amounts in one currency, neither negative nor absurd.
    pub fn validate(&self) -> Result<(), String> {
        if self.rate.currency != self.free_over.currency {
            return Err("the rate and the threshold must be in one currency".into());
        }
        for (what, m) in [("rate", self.rate), ("threshold", self.free_over)] {
            if !(0..=MAX_SHIPPING_MINOR).contains(&m.amount) {
                return Err(format!("the {what} {} is out of range", m.to_decimal_string()));
            }
        }
        Ok(())
    }

    /// Where these figures stand against the rule; None when the rule is in
    /// another currency than the cart. (Inlined, and in i64: an i128
    /// division would pull a large routine into every browser chunk using it.)
    #[inline(always)]
    pub fn progress(&self, totals: &Totals) -> Option<FreeShipping> {
        let cur = totals.subtotal.currency;
        if self.rate.currency != cur || self.free_over.currency != cur {
            return None;
        }
        let merchandise = totals.subtotal.amount.saturating_sub(totals.discount.map_or(0, |d| d.amount)).max(0);
        let goal = self.free_over.amount.max(0);
        let remaining = goal.saturating_sub(merchandise).max(0);
        // Rounded down, so the bar is full only when nothing remains.
        let permille = if remaining == 0 { 1000 } else { merchandise.checked_mul(1000).map_or(999, |m| (m / goal).min(999)) as u16 };
        Some(FreeShipping { remaining: Money::new(remaining, cur), permille })
    }

    /// Adds the delivery charge to figures priced without one, when a line is
    /// delivered (pickup-only carts ship nothing).
    #[inline(always)]
    pub fn apply(&self, totals: &mut Totals, lines: &[CartLine]) -> Result<(), MoneyError> {
        if !lines.iter().any(|l| l.fulfillment == Fulfillment::Delivery) {
            return Ok(());
        }
        let Some(p) = self.progress(totals) else { return Ok(()) };
        let charge = if p.remaining.amount == 0 { Money::zero(self.rate.currency) } else { self.rate };
        totals.total = totals.total.checked_add(charge)?;
        totals.shipping = Some(charge);
        Ok(())
    }
}

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
            stock_left: None,
            compare_at: None,
        }
    }
}

impl Cart {
    /// A cart with these lines and figures, checked to add up
    /// ([`Cart::check_sums`]); version and time are the caller's to set.
    pub fn new(id: String, currency: Currency, lines: Vec<CartLine>, totals: Totals) -> Result<Cart, SumError> {
        let mut cart = Cart::empty(id, currency);
        cart.lines = lines;
        cart.set_totals(totals);
        cart.check_sums()?;
        Ok(cart)
    }

    /// A cart with no lines and every figure zero.
    pub fn empty(id: String, currency: Currency) -> Cart {
        let zero = Money::zero(currency);
        Cart {
            id,
            version: 0,
            currency,
            lines: Vec::new(),
            subtotal: zero,
            discount: None,
            discounts: Vec::new(),
            shipping: None,
            fees: None,
            tax: None,
            tax_included: false,
            total: zero,
            codes: Vec::new(),
            shipping_rule: None,
            note: String::new(),
            updated_at: 0,
        }
    }

    /// The figures under the lines.
    pub fn totals(&self) -> Totals {
        Totals {
            subtotal: self.subtotal,
            discount: self.discount,
            discounts: self.discounts.clone(),
            shipping: self.shipping,
            fees: self.fees,
            tax: self.tax,
            tax_included: self.tax_included,
            total: self.total,
        }
    }

    pub fn set_totals(&mut self, t: Totals) {
        self.subtotal = t.subtotal;
        self.discount = t.discount;
        self.discounts = t.discounts;
        self.shipping = t.shipping;
        self.fees = t.fees;
        self.tax = t.tax;
        self.tax_included = t.tax_included;
        self.total = t.total;
    }

    /// Whether the figures add up, exactly, in the cart's currency:
    /// Σ line totals = subtotal, Σ discounts = discount, and
    /// subtotal − discount + shipping + fees (+ tax unless included) = total.
    pub fn check_sums(&self) -> Result<(), SumError> {
        let cur = self.currency;
        let lines = Money::sum(cur, self.lines.iter().map(|l| l.line_total))?;
        if lines != self.subtotal {
            return Err(SumError::Lines { lines, subtotal: self.subtotal });
        }
        let discount = self.discount.unwrap_or(Money::zero(cur));
        let listed = Money::sum(cur, self.discounts.iter().map(|d| d.amount))?;
        if listed != discount {
            return Err(SumError::Discounts { listed, discount });
        }
        let added = [self.shipping, self.fees, self.tax.filter(|_| !self.tax_included)];
        // Every figure in the cart's currency (a sum checks that), then the
        // total in i128 so a large discount cannot overflow midway.
        Money::sum(cur, added.into_iter().flatten().chain(self.tax).chain([self.total]))?;
        let figured = i128::from(self.subtotal.amount) - i128::from(discount.amount) + added.iter().flatten().map(|m| i128::from(m.amount)).sum::<i128>();
        if figured != i128::from(self.total.amount) {
            let figured = Money::new(i64::try_from(figured).map_err(|_| MoneyError::Overflow)?, cur);
            return Err(SumError::Total { figured, total: self.total });
        }
        Ok(())
    }

    /// What the shopper saves, in minor units: every discount, and each
    /// line's sale against its compare-at price.
    pub fn savings(&self) -> i64 {
        let sales = self
            .lines
            .iter()
            .filter_map(|l| Some((l.compare_at.filter(|c| c.currency == l.unit_price.currency)?.amount - l.unit_price.amount).max(0).saturating_mul(i64::from(l.quantity))))
            .fold(0i64, i64::saturating_add);
        self.discount.map_or(0, |d| d.amount).saturating_add(sales)
    }

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
    #[error("{0}")]
    BadNote(&'static str),
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

/// The figures under a cart's lines (see [`Cart`] for what each means).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Totals {
    pub subtotal: Money,
    /// Σ `discounts`; None when there are none.
    pub discount: Option<Money>,
    pub discounts: Vec<Discount>,
    pub shipping: Option<Money>,
    pub fees: Option<Money>,
    pub tax: Option<Money>,
    pub tax_included: bool,
    pub total: Money,
}

/// Why a cart's figures were refused: they do not add up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SumError {
    #[error("the lines come to {lines}, the subtotal says {subtotal}")]
    Lines { lines: Money, subtotal: Money },
    #[error("the discounts come to {listed}, the discount says {discount}")]
    Discounts { listed: Money, discount: Money },
    #[error("subtotal − discount + shipping + fees + tax comes to {figured}, the total says {total}")]
    Total { figured: Money, total: Money },
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// A cart's figures as a backend computed them, below the minor unit
/// (Medusa's `2.985` off a total of `16.915`). [`Figures::settle`] rounds
/// them to [`Totals`] that still add up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    pub subtotal: Exact,
    /// Each discount: what, its label and the amount off (positive).
    pub discounts: Vec<(DiscountKind, String, Exact)>,
    pub shipping: Option<Exact>,
    pub fees: Option<Exact>,
    pub tax: Option<Exact>,
    pub tax_included: bool,
    pub total: Exact,
}

impl Figures {
    /// Rounds the total once, and every other figure half away from zero;
    /// where those roundings together miss the rounded total, the figures
    /// that lost the most to rounding give way, one minor unit each
    /// (largest remainder), so the shopper's sum comes out. Figures that do
    /// not add up before rounding (off by more than a thousandth of a minor
    /// unit) are refused: rounding must not hide a misread answer.
    pub fn settle(self) -> Result<Totals, SumError> {
        let cur = self.total.currency;
        let mut all = std::iter::once(&self.subtotal).chain(self.discounts.iter().map(|d| &d.2)).chain(self.shipping.iter()).chain(self.fees.iter()).chain(self.tax.iter());
        if let Some(other) = all.find(|e| e.currency != cur) {
            return Err(SumError::Money(MoneyError::CurrencyMismatch(cur, other.currency)));
        }
        // The terms of the sum, with their sign: discounts off, the rest added.
        let mut terms: Vec<(i128, Exact)> = self.discounts.iter().map(|d| (-1, d.2)).collect();
        terms.extend(self.shipping.iter().chain(self.fees.iter()).map(|e| (1, *e)));
        if !self.tax_included {
            terms.extend(self.tax.iter().map(|e| (1, *e)));
        }
        let exact: i128 = self.subtotal.micros + terms.iter().map(|(sign, e)| sign * e.micros).sum::<i128>();
        let round = |e: Exact| e.round().map(|m| i128::from(m.amount));
        let total = round(self.total)?;
        let subtotal = round(self.subtotal)?;
        if (exact - self.total.micros).abs() * 1000 > Exact::scale() {
            let figured = Exact { micros: exact, currency: cur }.round()?;
            return Err(SumError::Total { figured, total: self.total.round()? });
        }
        let mut rounded: Vec<i128> = terms.iter().map(|(_, e)| round(*e)).collect::<Result<_, _>>()?;
        let sum = |r: &[i128]| subtotal + terms.iter().zip(r).map(|((sign, _), v)| sign * v).sum::<i128>();
        let mut miss = total - sum(&rounded);
        if miss != 0 && terms.is_empty() {
            return Err(SumError::Total { figured: Exact { micros: subtotal * Exact::scale(), currency: cur }.round()?, total: self.total.round()? });
        }
        while miss != 0 {
            // Moving a term by `step` moves the sum by `step * sign`; the term
            // whose rounding went furthest against that way gives.
            let want = miss.signum();
            let (i, _) = terms
                .iter()
                .enumerate()
                .map(|(i, (sign, e))| (i, (e.micros - rounded[i] * Exact::scale()) * want * sign))
                .max_by_key(|&(i, lost)| (lost, std::cmp::Reverse(i)))
                .expect("terms is not empty");
            rounded[i] += want * terms[i].0;
            miss = total - sum(&rounded);
        }
        let money = |v: i128| i64::try_from(v).map(|v| Money::new(v, cur)).map_err(|_| MoneyError::Overflow);
        let mut values = rounded.into_iter();
        let discounts: Vec<Discount> = self
            .discounts
            .into_iter()
            .map(|(kind, label, _)| Ok(Discount { kind, label, amount: money(values.next().unwrap_or(0))? }))
            .collect::<Result<_, MoneyError>>()?;
        let mut next = |e: &Option<Exact>| e.map(|_| money(values.next().unwrap_or(0))).transpose();
        let (shipping, fees) = (next(&self.shipping)?, next(&self.fees)?);
        let tax = if self.tax_included { self.tax.map(|t| t.round()).transpose()? } else { next(&self.tax)? };
        let discount = Money::sum(cur, discounts.iter().map(|d| d.amount))?;
        Ok(Totals {
            subtotal: money(subtotal)?,
            discount: (!discounts.is_empty()).then_some(discount),
            discounts,
            shipping,
            fees,
            tax,
            tax_included: self.tax_included,
            total: money(total)?,
        })
    }
}

/// Fills `line_total` and `discount` of each line and returns the totals.
///
/// A bundle (lines sharing a `bundle` tag) earns `bundle_percent` off each of
/// its lines while at least two of them are in the cart; remove one and the
/// rest pay full price again. A line from an accepted post-checkout offer
/// keeps its `offer_percent` off one unit (the offer was for one; raising
/// the quantity buys the rest at full price); the larger of the two
/// discounts applies, never both. The cart's discounts are the bundle and
/// the offer discounts, each summed. The reference protocol has no taxes or
/// shipping yet, so total = subtotal − discount.
pub fn price_lines(currency: Currency, lines: &mut [CartLine], bundle_percent: u8) -> Result<Totals, CartError> {
    // Lines whose bundle tag is shared with another line (at most 100 lines:
    // counting beats a HashMap, whose code the browser would download).
    let bundled: Vec<bool> = lines.iter().map(|l| l.bundle.as_ref().is_some_and(|t| lines.iter().filter(|o| o.bundle.as_ref() == Some(t)).count() >= 2)).collect();
    let (mut bundles, mut offers) = (Money::zero(currency), Money::zero(currency));
    for (line, bundled) in lines.iter_mut().zip(bundled) {
        if line.unit_price.currency != currency {
            return Err(CartError::CurrencyMismatch { cart: currency, found: line.unit_price.currency });
        }
        line.line_total = line.unit_price.checked_mul(line.quantity)?;
        let bundle = if bundled && bundle_percent > 0 { percent_of(line.line_total, bundle_percent)?.amount } else { 0 };
        // An offer was for one unit: more of the same pay full price.
        let offer = if line.offer_percent > 0 { percent_of(line.unit_price, line.offer_percent)?.amount } else { 0 };
        let amount = bundle.max(offer);
        line.discount = (amount > 0).then(|| Money::new(amount, currency));
        if amount > 0 {
            let kind = if bundle >= offer { &mut bundles } else { &mut offers };
            *kind = kind.checked_add(Money::new(amount, currency))?;
        }
    }
    let subtotal = Money::sum(currency, lines.iter().map(|l| l.line_total))?;
    let discounts: Vec<Discount> = [(DiscountKind::Bundle, bundles), (DiscountKind::Offer, offers)]
        .into_iter()
        .filter(|(_, m)| m.amount != 0)
        .map(|(kind, amount)| Discount { kind, label: String::new(), amount })
        .collect();
    let discount = Money::sum(currency, discounts.iter().map(|d| d.amount))?;
    let total = Money::new(subtotal.amount.checked_sub(discount.amount).ok_or(MoneyError::Overflow)?, currency);
    Ok(Totals {
        subtotal,
        discount: (discount.amount != 0).then_some(discount),
        discounts,
        shipping: None,
        fees: None,
        tax: None,
        tax_included: false,
        total,
    })
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
    fn the_reference_carts_discounts_are_labelled_by_kind() {
        let mut ls = vec![
            CartLine { bundle: Some("b".into()), ..line(1, 1000) },
            CartLine { bundle: Some("b".into()), ..line(1, 2000) },
            CartLine { offer_percent: 20, ..line(1, 500) },
        ];
        let t = price_lines(Currency::EUR, &mut ls, 10).unwrap();
        let got: Vec<(DiscountKind, i64)> = t.discounts.iter().map(|d| (d.kind, d.amount.amount)).collect();
        assert_eq!(got, [(DiscountKind::Bundle, 300), (DiscountKind::Offer, 100)]);
        assert_eq!(t.discount.map(|d| d.amount), Some(400));
        Cart::new("c".into(), Currency::EUR, ls, t).expect("the reference cart adds up");
    }

    fn eur(text: &str) -> Exact {
        Exact::from_major(text, Currency::EUR).unwrap()
    }

    fn figures(subtotal: &str, discounts: &[&str], shipping: Option<&str>, tax: Option<&str>, tax_included: bool, total: &str) -> Figures {
        Figures {
            subtotal: eur(subtotal),
            discounts: discounts.iter().map(|d| (DiscountKind::Code, format!("C{d}"), eur(d))).collect(),
            shipping: shipping.map(eur),
            fees: None,
            tax: tax.map(eur),
            tax_included,
            total: eur(total),
        }
    }

    /// Issue 13: Medusa sends 2.985 off 19.90 and a total of 16.915; each
    /// rounded alone shows 19.90 − 2.99 = 16.92, which does not add up.
    #[test]
    fn sub_cent_figures_are_rounded_once_and_still_add_up() {
        let t = figures("19.90", &["2.985"], None, None, false, "16.915").settle().unwrap();
        assert_eq!((t.subtotal.amount, t.discounts[0].amount.amount, t.total.amount), (1990, 298, 1692));
        // Tax added, as Medusa's 10 % sales-tax region: 19.90 − 2.985 + 1.6915 = 18.6065.
        let t = figures("19.90", &["2.985"], None, Some("1.6915"), false, "18.6065").settle().unwrap();
        assert_eq!((t.discounts[0].amount.amount, t.tax.unwrap().amount, t.total.amount), (298, 169, 1861));
        // Tax included is not a term of the sum; it is only rounded.
        let t = figures("178.90", &["17.89"], Some("6.125"), Some("33.425"), true, "167.135").settle().unwrap();
        assert_eq!((t.shipping.unwrap().amount, t.tax.unwrap().amount, t.total.amount), (613, 3343, 16714));
        assert_eq!(t.subtotal.amount - t.discount.unwrap().amount + t.shipping.unwrap().amount, t.total.amount);
        // Two discounts that each round up: the one that gained most gives a cent back.
        let t = figures("10.00", &["0.335", "0.345"], None, None, false, "9.32").settle().unwrap();
        let got: Vec<i64> = t.discounts.iter().map(|d| d.amount.amount).collect();
        assert_eq!(got, [33, 35]);
    }

    #[test]
    fn figures_that_do_not_add_up_are_refused() {
        let e = figures("19.90", &["2.00"], None, None, false, "16.90").settle().unwrap_err();
        assert!(matches!(e, SumError::Total { .. }), "{e}");
        assert_eq!(e.to_string(), "subtotal − discount + shipping + fees + tax comes to 17.90 EUR, the total says 16.90 EUR");
        let mut f = figures("1.00", &[], None, None, false, "1.00");
        f.shipping = Some(Exact::from_major("1", Currency::USD).unwrap());
        assert!(matches!(f.settle(), Err(SumError::Money(MoneyError::CurrencyMismatch(..)))));
        // A cart whose lines, discounts or total disagree is refused by Cart::new.
        let mut ls = vec![line(2, 500)];
        let mut t = price_lines(Currency::EUR, &mut ls, 0).unwrap();
        t.total = Money::new(999, Currency::EUR);
        assert!(matches!(Cart::new("c".into(), Currency::EUR, ls.clone(), t.clone()), Err(SumError::Total { .. })));
        t.total = t.subtotal;
        t.subtotal = Money::new(1, Currency::EUR);
        assert!(matches!(Cart::new("c".into(), Currency::EUR, ls.clone(), t.clone()), Err(SumError::Lines { .. })));
        t.subtotal = t.total;
        t.discount = Some(Money::new(1, Currency::EUR));
        assert!(matches!(Cart::new("c".into(), Currency::EUR, ls, t), Err(SumError::Discounts { .. })));
    }

    proptest::proptest! {
        /// Whatever sub-cent figures a backend sends, if they add up exactly
        /// the settled ones add up to the cent, each within a cent of its own.
        #[test]
        fn settled_figures_always_add_up(sub in 0i128..10_000_000_000, d in proptest::collection::vec(0i128..1_000_000_000, 0..4), sh in proptest::option::of(0i128..100_000_000), tax in proptest::option::of(0i128..1_000_000_000), inc: bool) {
            let e = |micros: i128| Exact { micros, currency: Currency::EUR };
            let total = sub - d.iter().sum::<i128>() + sh.unwrap_or(0) + if inc { 0 } else { tax.unwrap_or(0) };
            let f = Figures {
                subtotal: e(sub),
                discounts: d.iter().map(|&x| (DiscountKind::Promotion, String::new(), e(x))).collect(),
                shipping: sh.map(e),
                fees: None,
                tax: tax.map(e),
                tax_included: inc,
                total: e(total),
            };
            let t = f.clone().settle().unwrap();
            let near = |m: Money, x: Exact| (i128::from(m.amount) * Exact::scale() - x.micros).abs() < Exact::scale() * 3 / 2;
            proptest::prop_assert!(near(t.total, f.total) && near(t.subtotal, f.subtotal));
            for (got, want) in t.discounts.iter().zip(&f.discounts) {
                proptest::prop_assert!(near(got.amount, want.2));
            }
            let mut cart = Cart::empty("c".into(), Currency::EUR);
            cart.lines = vec![CartLine::delivered("l".into(), "v".into(), 1, t.subtotal, t.subtotal)];
            cart.set_totals(t);
            proptest::prop_assert_eq!(cart.check_sums(), Ok(()));
        }
    }

    #[test]
    fn fulfillment_wire_shape() {
        let p = Fulfillment::Pickup { store_id: "s1".into() };
        assert_eq!(serde_json::to_string(&p).unwrap(), r#"{"type":"pickup","store_id":"s1"}"#);
        assert_eq!(serde_json::to_string(&Fulfillment::Delivery).unwrap(), r#"{"type":"delivery"}"#);
    }

    fn priced(lines: &mut [CartLine], rule: &ShippingRule) -> Totals {
        let mut t = price_lines(rule.rate.currency, lines, 0).unwrap();
        rule.apply(&mut t, lines).unwrap();
        t
    }

    #[test]
    fn delivery_is_free_exactly_at_the_threshold_in_every_minor_unit() {
        for (code, rate, over) in [("EUR", 490, 5_000), ("JPY", 500, 5_000), ("KWD", 1_500, 20_000)] {
            let cur = Currency::new(code).unwrap();
            let rule = ShippingRule { rate: Money::new(rate, cur), free_over: Money::new(over, cur) };
            let line = |price: i64| CartLine::delivered("l".into(), "v".into(), 1, Money::new(price, cur), Money::zero(cur));
            let below = priced(&mut [line(over - 1)], &rule);
            assert_eq!((below.shipping, below.total), (Some(Money::new(rate, cur)), Money::new(over - 1 + rate, cur)), "{code}");
            assert_eq!(rule.progress(&below), Some(FreeShipping { remaining: Money::new(1, cur), permille: 999 }), "{code}");
            let at = priced(&mut [line(over)], &rule);
            assert_eq!((at.shipping, at.total), (Some(Money::zero(cur)), Money::new(over, cur)), "{code}");
            assert_eq!(rule.progress(&at), Some(FreeShipping { remaining: Money::zero(cur), permille: 1000 }), "{code}");
            let half = priced(&mut [line(over / 2)], &rule);
            assert_eq!(rule.progress(&half).unwrap().permille, 500, "{code}");
        }
    }

    #[test]
    fn savings_are_every_discount_and_each_sale_against_its_compare_at_price() {
        let mut sale = line(2, 1_900);
        sale.compare_at = Some(Money::new(2_400, Currency::EUR));
        let mut cheaper = line(1, 1_000);
        cheaper.compare_at = Some(Money::new(900, Currency::EUR)); // not a sale: ignored
        let mut lines = vec![sale, cheaper, line(1, 500)];
        let totals = price_lines(Currency::EUR, &mut lines, 0).unwrap();
        let mut cart = Cart::new("c".into(), Currency::EUR, lines, totals).unwrap();
        assert_eq!(cart.savings(), 1_000);
        cart.discount = Some(Money::new(250, Currency::EUR));
        assert_eq!(cart.savings(), 1_250);
    }

    #[test]
    fn notes() {
        assert_eq!(validate_note("  Ring twice.\r\nLeave at the door\t<b>x</b> ").unwrap(), "Ring twice.\nLeave at the door\t<b>x</b>");
        assert_eq!(validate_note("").unwrap(), "");
        assert_eq!(validate_note(&"ж".repeat(500)).unwrap().chars().count(), 500);
        assert!(validate_note(&"ж".repeat(501)).is_err());
        for bad in ["a\u{0}b", "a\u{1b}[31mb", "a\rb", "a\u{2028}b", "\u{7f}"] {
            assert!(validate_note(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn discounts_count_against_the_threshold_and_pickup_ships_nothing() {
        let rule = ShippingRule { rate: Money::new(490, Currency::EUR), free_over: Money::new(5_000, Currency::EUR) };
        // 2 × 26.00 in a 10 % bundle: 52.00 − 5.20 = 46.80 of merchandise, not free.
        let mut bundled = [line(1, 2_600), line(1, 2_600)];
        for l in &mut bundled {
            l.bundle = Some("b".into());
        }
        let mut t = price_lines(Currency::EUR, &mut bundled, 10).unwrap();
        rule.apply(&mut t, &bundled).unwrap();
        assert_eq!((t.shipping, t.total), (Some(Money::new(490, Currency::EUR)), Money::new(4_680 + 490, Currency::EUR)));
        assert_eq!(rule.progress(&t).unwrap().remaining, Money::new(320, Currency::EUR));
        let mut pickup = [CartLine { fulfillment: Fulfillment::Pickup { store_id: "s".into() }, ..line(1, 100) }];
        let t = priced(&mut pickup, &rule);
        assert_eq!((t.shipping, t.total), (None, Money::new(100, Currency::EUR)));
        // A rule in another currency neither charges nor shows progress.
        let usd = ShippingRule { rate: Money::new(1, Currency::new("USD").unwrap()), free_over: Money::new(9, Currency::new("USD").unwrap()) };
        let t = priced(&mut [line(1, 100)], &ShippingRule { ..rule });
        assert!(usd.progress(&t).is_none());
        let mut t2 = t.clone();
        usd.apply(&mut t2, &[line(1, 100)]).unwrap();
        assert_eq!(t2, t);
    }
}
