//! Post-checkout offers: which complements to offer after an order, whether
//! to offer anything at all (frequency caps), which experiment arm a customer
//! is in, the loyalty points an order earns, and the countdown of a
//! time-limited discount. Everything here is a pure function of its inputs;
//! the server stores the decisions and the browser only shows them.

pub mod stats;

use crate::catalog::{Image, ProductId, VariantId};
use crate::money::Money;
use serde::{Deserialize, Serialize};

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 24 * 60 * MINUTE_MS;

/// The shop's offer rules. [`Policy::default`] holds the defaults argued for
/// in ARCHITECTURE.md ("Post-checkout offers").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Most items in one offer.
    pub max_items: usize,
    /// At most one offer per customer in this long.
    pub gap_ms: i64,
    /// After a dismissal, no offer for this long.
    pub dismissed_gap_ms: i64,
    /// An order older than this gets no offer (it is no longer "just bought").
    pub max_order_age_ms: i64,
    /// Items viewed longer ago than this are not "recently viewed".
    pub viewed_within_ms: i64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy { max_items: 3, gap_ms: 7 * DAY_MS, dismissed_gap_ms: 30 * DAY_MS, max_order_age_ms: 7 * DAY_MS, viewed_within_ms: 30 * DAY_MS }
    }
}

/// A product the customer looked at, and when (ms since the epoch).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewed {
    pub product_id: ProductId,
    pub at: i64,
}

/// Why an item is offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Bought together with the order's items, and viewed by the customer.
    Both,
    /// Bought together with the order's items.
    Complement,
    /// Viewed by the customer earlier.
    Viewed,
}

crate::json_enum!(Reason { Both = "both", Complement = "complement", Viewed = "viewed" });

/// One chosen item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pick {
    pub product_id: ProductId,
    pub reason: Reason,
}

/// What [`select`] chooses from.
#[derive(Debug, Clone, Copy)]
pub struct Candidates<'a> {
    /// The order's products.
    pub bought: &'a [ProductId],
    /// `(complement, score)` pairs from the bought-together model, for any
    /// bought product (a product complementing two bought items appears twice).
    pub complements: &'a [(ProductId, f32)],
    /// Recently viewed products, any order.
    pub viewed: &'a [Viewed],
}

/// Chooses at most `policy.max_items` products to offer after an order.
///
/// Products bought in the order and products `available` says are out of
/// stock are never offered. Ranking: complements the customer also viewed
/// first, then other complements, then other recently viewed products; within
/// a group by summed model score (complements of several bought items rise),
/// or by how recently viewed, then by id, so equal inputs give equal offers
/// on every channel.
pub fn select(c: Candidates<'_>, policy: &Policy, now_ms: i64, available: impl Fn(&str) -> bool) -> Vec<Pick> {
    let bought = |p: &str| c.bought.iter().any(|b| b == p);
    let recent: Vec<&Viewed> = c.viewed.iter().filter(|v| now_ms - v.at <= policy.viewed_within_ms && v.at <= now_ms).collect();
    let last_viewed = |p: &str| recent.iter().filter(|v| v.product_id == p).map(|v| v.at).max();
    // (reason, -score, -viewed_at, id)
    let mut ranked: Vec<(Reason, f32, i64, &str)> = Vec::new();
    for (product, _) in c.complements {
        if ranked.iter().any(|r| r.3 == product) || bought(product) || !available(product) {
            continue;
        }
        let score: f32 = c.complements.iter().filter(|(p, s)| p == product && s.is_finite()).map(|(_, s)| *s).sum();
        let seen = last_viewed(product);
        ranked.push((if seen.is_some() { Reason::Both } else { Reason::Complement }, score, seen.unwrap_or(0), product));
    }
    for v in &recent {
        if ranked.iter().any(|r| r.3 == v.product_id) || bought(&v.product_id) || !available(&v.product_id) {
            continue;
        }
        ranked.push((Reason::Viewed, 0.0, last_viewed(&v.product_id).unwrap_or(v.at), &v.product_id));
    }
    ranked.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)).then(b.2.cmp(&a.2)).then(a.3.cmp(b.3)));
    // The customer's own interest gets a seat: when no complement was also
    // viewed, the newest viewed product takes the last place.
    let has_both = ranked.first().is_some_and(|r| r.0 == Reason::Both);
    if !has_both && policy.max_items >= 2 && ranked.len() > policy.max_items
        && let Some(i) = ranked.iter().position(|r| r.0 == Reason::Viewed).filter(|&i| i >= policy.max_items) {
            let viewed = ranked.remove(i);
            ranked.insert(policy.max_items - 1, viewed);
        }
    ranked.into_iter().take(policy.max_items).map(|(reason, _, _, p)| Pick { product_id: p.to_owned(), reason }).collect()
}

/// An earlier offer to the same customer, as the cap sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastOffer {
    pub created_at: i64,
    pub dismissed: bool,
}

/// Whether a new order may get an offer now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CapDecision {
    Allowed,
    /// Another offer (or a dismissal) is too recent; allowed again from `until`.
    Capped { until: i64 },
    /// The order is too old for a post-checkout offer.
    TooLate,
}

/// The frequency cap: one offer per customer per `gap_ms`, none for
/// `dismissed_gap_ms` after a dismissal, none for old orders. Holdout
/// exposures count like shown offers, so the arms stay comparable.
pub fn cap(policy: &Policy, past: &[PastOffer], order_created_at: i64, now_ms: i64) -> CapDecision {
    if now_ms - order_created_at > policy.max_order_age_ms {
        return CapDecision::TooLate;
    }
    let until = past
        .iter()
        .map(|p| p.created_at.saturating_add(if p.dismissed { policy.dismissed_gap_ms } else { policy.gap_ms }))
        .filter(|&t| t > now_ms)
        .max();
    until.map_or(CapDecision::Allowed, |until| CapDecision::Capped { until })
}

/// One arm of an experiment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Arm {
    pub name: String,
    /// Relative share among the non-holdout units.
    pub weight: u32,
    /// Discount on the offered items, 0–90 %.
    pub percent_off: u8,
    /// How long the offer lasts from its first display.
    pub window_ms: i64,
}

/// An A/B test with a holdout group that sees no offer at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Experiment {
    pub id: String,
    /// Share of units held out, in basis points (1000 = 10 %).
    pub holdout_bp: u32,
    pub arms: Vec<Arm>,
}

impl Default for Experiment {
    fn default() -> Self {
        let arm = |name: &str, percent_off| Arm { name: name.into(), weight: 1, percent_off, window_ms: 15 * MINUTE_MS };
        Experiment { id: "post-checkout-1".into(), holdout_bp: 1000, arms: vec![arm("discount-10", 10), arm("no-discount", 0)] }
    }
}

/// Which group a unit is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignment<'a> {
    Holdout,
    Arm(&'a Arm),
}

impl Assignment<'_> {
    pub fn name(&self) -> &str {
        match self {
            Assignment::Holdout => HOLDOUT,
            Assignment::Arm(a) => &a.name,
        }
    }
}

/// The holdout group's name in reports and events.
pub const HOLDOUT: &str = "holdout";

impl Experiment {
    /// Assigns `unit` (see [`unit_id`]) deterministically: the same unit
    /// lands in the same group on every channel, device and server, and
    /// different experiments split units independently.
    pub fn assign(&self, unit: &str) -> Assignment<'_> {
        let bucket = (hash64(&[self.id.as_bytes(), b"\0", unit.as_bytes()]) % 10_000) as u32;
        let total: u64 = self.arms.iter().map(|a| u64::from(a.weight)).sum();
        if bucket < self.holdout_bp.min(10_000) || total == 0 {
            return Assignment::Holdout;
        }
        // Map the rest of the buckets onto the arms by weight.
        let rest = u64::from(10_000 - self.holdout_bp.min(10_000));
        let mut point = u64::from(bucket - self.holdout_bp.min(10_000)) * total / rest;
        for arm in &self.arms {
            if point < u64::from(arm.weight) {
                return Assignment::Arm(arm);
            }
            point -= u64::from(arm.weight);
        }
        Assignment::Holdout
    }

    /// Checks the experiment for mistakes a merchant could make.
    pub fn validate(&self) -> Result<(), String> {
        if self.id.trim().is_empty() {
            return Err("the experiment needs an id".into());
        }
        if self.holdout_bp > 10_000 {
            return Err(format!("holdout of {} basis points is more than 100 %", self.holdout_bp));
        }
        if self.arms.is_empty() {
            return Err("the experiment needs at least one arm".into());
        }
        for a in &self.arms {
            if a.name.trim().is_empty() || a.name == HOLDOUT {
                return Err(format!("arm name {:?} is not allowed", a.name));
            }
            if a.percent_off > crate::cart::MAX_BUNDLE_PERCENT {
                return Err(format!("arm {}: {} % off is more than {} %", a.name, a.percent_off, crate::cart::MAX_BUNDLE_PERCENT));
            }
            if a.window_ms < MINUTE_MS {
                return Err(format!("arm {}: an offer must last at least a minute", a.name));
            }
        }
        Ok(())
    }
}

/// The experiment unit of a customer: the e-mail address, trimmed and
/// lower-cased — the one identity every channel (web, app, counter) shares.
/// Without an e-mail the order itself is the unit.
pub fn unit_id(email: &str, order_id: &str) -> String {
    let email = email.trim().to_lowercase();
    if email.is_empty() { format!("order:{order_id}") } else { format!("email:{email}") }
}

/// FNV-1a over the parts, then the SplitMix64 finaliser for avalanche: a
/// stable hash on every platform (std's hasher is randomly keyed).
fn hash64(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// Loyalty points an order total earns: `per_unit` points per whole currency
/// unit (1 point per €1 by default), rounded down; refunds and zero totals earn none.
pub fn points_earned(total: Money, per_unit: u32) -> u64 {
    if total.amount <= 0 {
        return 0;
    }
    let scale = 10i128.pow(total.currency.exponent());
    u64::try_from(i128::from(total.amount) * i128::from(per_unit) / scale).unwrap_or(u64::MAX)
}

/// Milliseconds left of an offer that ends at `expires_at` (server clock),
/// as seen by a device whose clock may be wrong: `server_time` was the
/// server's clock when the device's clock read `received_at`, so the skew
/// cancels out. Never negative.
pub fn remaining_ms(expires_at: i64, server_time: i64, received_at: i64, now: i64) -> i64 {
    let server_now = server_time.saturating_add(now.saturating_sub(received_at));
    expires_at.saturating_sub(server_now).max(0)
}

/// `14:59`, or `1:02:03` past an hour; rounded up, so "0:00" means over.
pub fn countdown_text(ms: i64) -> String {
    let s = (ms.max(0) + 999) / 1000;
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    if h > 0 { format!("{h}:{m:02}:{s:02}") } else { format!("{m}:{s:02}") }
}

/// Where an order's offer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferStatus {
    /// Showing; may be accepted until `expires_at`.
    Open,
    Accepted,
    Dismissed,
    Expired,
    /// In the holdout group: nothing is shown.
    Holdout,
    /// No offer for this order: capped, too late, or nothing to offer.
    None,
}

crate::json_enum!(OfferStatus { Open = "open", Accepted = "accepted", Dismissed = "dismissed", Expired = "expired", Holdout = "holdout", None = "none" });

/// One offered item with the backend's prices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferItem {
    pub product_id: ProductId,
    pub variant_id: VariantId,
    pub title: String,
    #[serde(default)]
    pub variant_title: String,
    #[serde(default)]
    pub image: Option<Image>,
    pub price: Money,
    /// The price while the offer lasts (equal to `price` without a discount).
    pub offer_price: Money,
    /// In stock now (an item can sell out after the offer was made).
    pub available: bool,
    pub reason: Reason,
}

crate::json_object!(OfferItem { req product_id, req variant_id, req title, def variant_title, nul image, req price, req offer_price, req available, req reason });

/// Loyalty points of the order, and the customer's balance when the
/// request comes from that signed-in customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Loyalty {
    pub earned: u64,
    #[serde(default)]
    pub balance: Option<u64>,
}

crate::json_object!(Loyalty { req earned, nul balance });

/// An order's post-checkout offer, as the API answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    pub order_id: String,
    pub order_number: u64,
    pub status: OfferStatus,
    /// Why there is no offer (`capped`, `too_late`, `nothing_to_offer`), with [`OfferStatus::None`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub experiment: String,
    /// The arm's name, or [`HOLDOUT`].
    pub variant: String,
    #[serde(default)]
    pub percent_off: u8,
    /// When the offer ends (ms since the epoch, server clock).
    #[serde(default)]
    pub expires_at: i64,
    /// The server's clock when it answered, to correct the device's.
    pub server_time: i64,
    #[serde(default)]
    pub items: Vec<OfferItem>,
    #[serde(default)]
    pub loyalty: Loyalty,
    /// After acceptance: the cart the items went into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cart_id: Option<String>,
}

crate::json_object!(Offer {
    req order_id, req order_number, req status, opt reason, req experiment, req variant, def percent_off,
    def expires_at, req server_time, def items, def loyalty, opt cart_id,
});

/// What the browser reports about an offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferEvent {
    /// The dialog was shown (or, for the holdout group, would have been).
    Impression,
    Dismiss,
}

crate::json_enum!(OfferEvent { Impression = "impression", Dismiss = "dismiss" });

#[cfg(test)]
mod tests;
