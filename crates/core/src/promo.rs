//! Discount codes: the rules of the reference server's promotions, pure.
//!
//! A promotion takes a percentage or a fixed amount off the cart's subtotal
//! after its other discounts (bundles, offers), from an optional start to an
//! optional end, above an optional minimum, up to a number of orders in all
//! and per customer, and alone unless it says it combines. The server keeps
//! them and counts the uses; what a code is worth and why it is refused are
//! decided here, so the CLI, the server and the tests agree.

use crate::cart::{percent_of, Discount, DiscountKind, Totals};
use crate::money::{Currency, Money, MoneyError};
use serde::{Deserialize, Serialize};

/// Longest code accepted (codes are matched without regard to case).
pub const MAX_CODE_LEN: usize = 40;
/// Codes one cart may hold at once.
pub const MAX_CODES_PER_CART: usize = 5;

/// What a promotion takes off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Value {
    /// 1–100 % of the subtotal after other discounts.
    Percent(u8),
    /// A fixed amount, at most the subtotal after other discounts; only in its currency.
    Amount(Money),
}

/// A promotion as the shop defined it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Promotion {
    /// Upper case, `A-Z0-9-_`, 1–40 characters.
    pub code: String,
    pub value: Value,
    /// Subtotal (after other discounts) the cart must reach, in the cart's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_subtotal: Option<Money>,
    /// Unix ms; before it the code is not valid yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<i64>,
    /// Unix ms; from it on the code has expired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<i64>,
    /// Orders that may use it in all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_limit: Option<u32>,
    /// Orders one customer (by e-mail) may use it for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_customer_limit: Option<u32>,
    /// May be used together with other codes.
    #[serde(default)]
    pub combinable: bool,
}

/// Why a code does not apply. The reference protocol's error codes, which
/// every adapter maps its backend's refusals to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No such code (or not in this currency).
    Unknown,
    NotStarted,
    Expired,
    /// The subtotal after other discounts is below this.
    Minimum(Money),
    /// Its orders are all used.
    UsedUp,
    /// This customer has used it as often as allowed.
    UsedByYou,
    /// It does not combine with a code already in the cart (or that one not with it).
    NotCombinable,
    /// The cart already holds as many codes as allowed.
    TooMany,
    /// The backend refused it for a reason of its own.
    NotApplicable,
}

impl Refusal {
    /// The protocol's error code.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Unknown => "code_unknown",
            Refusal::NotStarted => "code_not_started",
            Refusal::Expired => "code_expired",
            Refusal::Minimum(_) => "code_minimum",
            Refusal::UsedUp => "code_used_up",
            Refusal::UsedByYou => "code_used_by_you",
            Refusal::NotCombinable => "code_not_combinable",
            Refusal::TooMany => "code_too_many",
            Refusal::NotApplicable => "code_not_applicable",
        }
    }

    /// From the protocol's error code.
    pub fn from_code(code: &str) -> Option<Refusal> {
        Some(match code {
            "code_unknown" => Refusal::Unknown,
            "code_not_started" => Refusal::NotStarted,
            "code_expired" => Refusal::Expired,
            "code_used_up" => Refusal::UsedUp,
            "code_used_by_you" => Refusal::UsedByYou,
            "code_not_combinable" => Refusal::NotCombinable,
            "code_too_many" => Refusal::TooMany,
            "code_not_applicable" => Refusal::NotApplicable,
            // The amount travels in the message; the element says it without.
            "code_minimum" => Refusal::Minimum(Money::zero(Currency::EUR)),
            _ => return None,
        })
    }
}

/// A code as typed: trimmed and upper-cased; `None` if it cannot be a code.
pub fn normalize(code: &str) -> Option<String> {
    let c = code.trim().to_ascii_uppercase();
    let ok = !c.is_empty() && c.len() <= MAX_CODE_LEN && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then_some(c)
}

/// What the code's checks need to know besides the promotion.
pub struct Context {
    pub now_ms: i64,
    pub currency: Currency,
    /// Subtotal after bundle and offer discounts.
    pub base: Money,
    /// Orders that used the code so far.
    pub uses: u32,
    /// Orders this customer used it for (0 while the customer is unknown).
    pub customer_uses: u32,
}

impl Promotion {
    /// Whether the shop's definition makes sense (what `crosscart promo create` checks).
    pub fn validate(&self) -> Result<(), String> {
        if normalize(&self.code).as_deref() != Some(self.code.as_str()) {
            return Err(format!("{:?}: a code is 1 to {MAX_CODE_LEN} of A-Z, 0-9, - and _", self.code));
        }
        match self.value {
            Value::Percent(p) if !(1..=100).contains(&p) => return Err(format!("{p} %: a percentage is 1 to 100")),
            Value::Amount(m) if m.amount <= 0 => return Err("the amount must be more than 0".into()),
            _ => {}
        }
        if let (Value::Amount(a), Some(min)) = (self.value, self.min_subtotal)
            && a.currency != min.currency
        {
            return Err("the amount and the minimum must be in one currency".into());
        }
        if self.min_subtotal.is_some_and(|m| m.amount < 0) {
            return Err("the minimum cannot be negative".into());
        }
        if let (Some(s), Some(e)) = (self.starts_at, self.ends_at)
            && e <= s
        {
            return Err("the end must come after the start".into());
        }
        if self.usage_limit == Some(0) || self.per_customer_limit == Some(0) {
            return Err("a usage limit is at least 1".into());
        }
        Ok(())
    }

    /// Whether the code applies now (usage and timing first, then the amount).
    pub fn check(&self, cx: &Context) -> Result<(), Refusal> {
        if let Value::Amount(m) = self.value
            && m.currency != cx.currency
        {
            return Err(Refusal::Unknown);
        }
        if self.starts_at.is_some_and(|t| cx.now_ms < t) {
            return Err(Refusal::NotStarted);
        }
        if self.ends_at.is_some_and(|t| cx.now_ms >= t) {
            return Err(Refusal::Expired);
        }
        if self.usage_limit.is_some_and(|n| cx.uses >= n) {
            return Err(Refusal::UsedUp);
        }
        if self.per_customer_limit.is_some_and(|n| cx.customer_uses >= n) {
            return Err(Refusal::UsedByYou);
        }
        if let Some(min) = self.min_subtotal
            && (min.currency != cx.currency || cx.base.amount < min.amount)
        {
            return Err(Refusal::Minimum(min));
        }
        Ok(())
    }

    /// What it takes off `base` (never more than `base`).
    pub fn amount(&self, base: Money) -> Result<Money, MoneyError> {
        let off = match self.value {
            Value::Percent(p) => percent_of(base, p).map_err(|_| MoneyError::Overflow)?.amount,
            Value::Amount(m) => m.amount,
        };
        Ok(Money::new(off.clamp(0, base.amount.max(0)), base.currency))
    }
}

/// Whether `code` may join the codes already in a cart.
pub fn may_join(new: &Promotion, held: &[&Promotion]) -> Result<(), Refusal> {
    if held.len() >= MAX_CODES_PER_CART {
        return Err(Refusal::TooMany);
    }
    if !held.is_empty() && (!new.combinable || held.iter().any(|p| !p.combinable)) {
        return Err(Refusal::NotCombinable);
    }
    Ok(())
}

/// Adds the codes' discounts to `totals` (each on what the ones before left),
/// in the order they were entered; a code whose conditions do not hold now
/// (the subtotal fell below its minimum, it expired) stays in the cart and
/// takes nothing off. `uses(code)` gives (all uses, this customer's uses).
pub fn apply(totals: &mut Totals, currency: Currency, codes: &[Promotion], now_ms: i64, uses: impl Fn(&str) -> (u32, u32)) -> Result<(), MoneyError> {
    let mut base = Money::new(totals.total.amount, currency);
    let mut taken = 0i64;
    for p in codes {
        let (all, mine) = uses(&p.code);
        let cx = Context { now_ms, currency, base, uses: all, customer_uses: mine };
        if p.check(&cx).is_err() {
            continue;
        }
        let off = p.amount(base)?;
        if off.amount == 0 {
            continue;
        }
        base = Money::new(base.amount - off.amount, currency);
        taken = taken.checked_add(off.amount).ok_or(MoneyError::Overflow)?;
        totals.discounts.push(Discount { kind: DiscountKind::Code, label: p.code.clone(), amount: off });
    }
    if taken > 0 {
        let before = totals.discount.map_or(0, |d| d.amount);
        totals.discount = Some(Money::new(before.checked_add(taken).ok_or(MoneyError::Overflow)?, currency));
        totals.total = Money::new(totals.total.amount - taken, currency);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    const EUR: Currency = Currency::EUR;

    fn eur(a: i64) -> Money {
        Money::new(a, EUR)
    }

    fn promo(code: &str, value: Value) -> Promotion {
        Promotion { code: code.into(), value, min_subtotal: None, starts_at: None, ends_at: None, usage_limit: None, per_customer_limit: None, combinable: false }
    }

    fn cx(base: i64) -> Context {
        Context { now_ms: 1_000, currency: EUR, base: eur(base), uses: 0, customer_uses: 0 }
    }

    #[test]
    fn codes_are_trimmed_upper_cased_and_plain() {
        assert_eq!(normalize("  tenoff "), Some("TENOFF".into()));
        assert_eq!(normalize("SUMMER-25_x"), Some("SUMMER-25_X".into()));
        for bad in ["", "   ", "TEN OFF", "<script>", "ТЕН", &"A".repeat(41)] {
            assert_eq!(normalize(bad), None, "{bad}");
        }
    }

    #[test]
    fn each_rule_refuses_with_its_reason() {
        let mut p = promo("X", Value::Percent(10));
        assert_eq!(p.check(&cx(100)), Ok(()));
        p.starts_at = Some(2_000);
        assert_eq!(p.check(&cx(100)), Err(Refusal::NotStarted));
        p.starts_at = Some(1_000);
        p.ends_at = Some(1_000);
        assert_eq!(p.check(&cx(100)), Err(Refusal::Expired), "the end is exclusive");
        p.ends_at = Some(1_001);
        assert_eq!(p.check(&cx(100)), Ok(()));
        p.usage_limit = Some(2);
        assert_eq!(p.check(&Context { uses: 2, ..cx(100) }), Err(Refusal::UsedUp));
        p.per_customer_limit = Some(1);
        assert_eq!(p.check(&Context { customer_uses: 1, ..cx(100) }), Err(Refusal::UsedByYou));
        p.min_subtotal = Some(eur(5_000));
        assert_eq!(p.check(&cx(4_999)), Err(Refusal::Minimum(eur(5_000))));
        assert_eq!(p.check(&cx(5_000)), Ok(()));
        let usd = promo("U", Value::Amount(Money::new(500, Currency::USD)));
        assert_eq!(usd.check(&cx(10_000)), Err(Refusal::Unknown), "an amount in another currency is no code here");
    }

    #[test]
    fn amounts_never_exceed_the_base() {
        assert_eq!(promo("P", Value::Percent(10)).amount(eur(17_890)), Ok(eur(1_789)));
        assert_eq!(promo("P", Value::Percent(100)).amount(eur(999)), Ok(eur(999)));
        assert_eq!(promo("A", Value::Amount(eur(2_000))).amount(eur(1_500)), Ok(eur(1_500)));
        assert_eq!(promo("A", Value::Amount(eur(2_000))).amount(eur(0)), Ok(eur(0)));
    }

    #[test]
    fn codes_combine_only_when_all_say_so() {
        let mut a = promo("A", Value::Percent(10));
        let mut b = promo("B", Value::Amount(eur(500)));
        assert_eq!(may_join(&a, &[]), Ok(()));
        assert_eq!(may_join(&b, &[&a]), Err(Refusal::NotCombinable));
        b.combinable = true;
        assert_eq!(may_join(&b, &[&a]), Err(Refusal::NotCombinable), "the held one must combine too");
        a.combinable = true;
        assert_eq!(may_join(&b, &[&a]), Ok(()));
        let held: Vec<&Promotion> = std::iter::repeat_n(&a, MAX_CODES_PER_CART).collect();
        assert_eq!(may_join(&b, &held), Err(Refusal::TooMany));
    }

    #[test]
    fn applied_codes_stack_on_what_the_others_left_and_sum_exactly() {
        let mut t = Totals { subtotal: eur(20_000), discount: Some(eur(1_000)), discounts: vec![Discount { kind: DiscountKind::Bundle, label: String::new(), amount: eur(1_000) }], shipping: None, fees: None, tax: None, tax_included: false, total: eur(19_000) };
        let a = Promotion { combinable: true, ..promo("TENOFF", Value::Percent(10)) };
        let b = Promotion { combinable: true, min_subtotal: Some(eur(50_000)), ..promo("BIG", Value::Amount(eur(5_000))) };
        let c = Promotion { combinable: true, ..promo("FIVE", Value::Amount(eur(500))) };
        apply(&mut t, EUR, &[a, b, c], 1_000, |_| (0, 0)).unwrap();
        assert_eq!(t.discounts.iter().map(|d| (d.label.as_str(), d.amount.amount)).collect::<Vec<_>>(), [("", 1_000), ("TENOFF", 1_900), ("FIVE", 500)], "BIG is below its minimum: held, nothing off");
        assert_eq!(t.discount, Some(eur(3_400)));
        assert_eq!(t.total, eur(20_000 - 3_400));
        let sum: i64 = t.discounts.iter().map(|d| d.amount.amount).sum();
        assert_eq!(sum, t.discount.unwrap().amount);
    }

    #[test]
    fn definitions_are_checked() {
        assert_eq!(promo("TENOFF", Value::Percent(10)).validate(), Ok(()));
        assert!(promo("tenoff", Value::Percent(10)).validate().is_err(), "codes are stored upper case");
        assert!(promo("X", Value::Percent(0)).validate().is_err());
        assert!(promo("X", Value::Percent(101)).validate().is_err());
        assert!(promo("X", Value::Amount(eur(0))).validate().is_err());
        assert!(Promotion { min_subtotal: Some(Money::new(100, Currency::USD)), ..promo("X", Value::Amount(eur(5))) }.validate().is_err());
        assert!(Promotion { starts_at: Some(5), ends_at: Some(5), ..promo("X", Value::Percent(5)) }.validate().is_err());
        assert!(Promotion { usage_limit: Some(0), ..promo("X", Value::Percent(5)) }.validate().is_err());
    }

    #[test]
    fn refusal_codes_round_trip() {
        for r in [Refusal::Unknown, Refusal::NotStarted, Refusal::Expired, Refusal::UsedUp, Refusal::UsedByYou, Refusal::NotCombinable, Refusal::TooMany, Refusal::NotApplicable] {
            assert_eq!(Refusal::from_code(r.code()), Some(r.clone()));
        }
        assert_eq!(Refusal::from_code("code_minimum").map(|r| r.code()), Some("code_minimum"));
        assert_eq!(Refusal::from_code("version_conflict"), None);
    }
}
