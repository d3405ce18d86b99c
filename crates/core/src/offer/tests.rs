use super::*;
use crate::money::Currency;

const NOW: i64 = 1_790_000_000_000;

fn ids(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn viewed(p: &str, minutes_ago: i64) -> Viewed {
    Viewed { product_id: p.into(), at: NOW - minutes_ago * MINUTE_MS }
}

/// Runs [`select`] and returns "product:reason" strings.
fn pick(bought: &[&str], complements: &[(&str, f32)], seen: &[Viewed], out_of_stock: &[&str], max: usize) -> Vec<String> {
    let bought = ids(bought);
    let complements: Vec<(String, f32)> = complements.iter().map(|(p, s)| (p.to_string(), *s)).collect();
    let policy = Policy { max_items: max, ..Policy::default() };
    let c = Candidates { bought: &bought, complements: &complements, viewed: seen };
    select(c, &policy, NOW, |p| !out_of_stock.contains(&p))
        .into_iter()
        .map(|p| format!("{}:{}", p.product_id, match p.reason { Reason::Both => "both", Reason::Complement => "fbt", Reason::Viewed => "viewed" }))
        .collect()
}

#[test]
fn selection_table() {
    // Complements by score.
    assert_eq!(pick(&["boots"], &[("socks", 2.0), ("laces", 5.0), ("wax", 3.0)], &[], &[], 3), ["laces:fbt", "wax:fbt", "socks:fbt"]);
    // At most N.
    assert_eq!(pick(&["boots"], &[("socks", 2.0), ("laces", 5.0), ("wax", 3.0)], &[], &[], 2), ["laces:fbt", "wax:fbt"]);
    // Never what was just bought (a complement of one bought item that is another bought item).
    assert_eq!(pick(&["boots", "socks"], &[("socks", 9.0), ("laces", 1.5)], &[viewed("boots", 5)], &[], 3), ["laces:fbt"]);
    // Out of stock is skipped, and the next one takes its place.
    assert_eq!(pick(&["boots"], &[("socks", 2.0), ("laces", 5.0), ("wax", 3.0)], &[], &["laces"], 2), ["wax:fbt", "socks:fbt"]);
    // A complement the customer also viewed comes first, even with a lower score.
    assert_eq!(pick(&["boots"], &[("laces", 5.0), ("socks", 1.2)], &[viewed("socks", 60)], &[], 3), ["socks:both", "laces:fbt"]);
    // Viewed-only items fill the rest, most recent first; old views do not count.
    assert_eq!(
        pick(&["boots"], &[("laces", 5.0)], &[viewed("hat", 90), viewed("scarf", 10), viewed("gloves", 60 * 24 * 45)], &[], 3),
        ["laces:fbt", "scarf:viewed", "hat:viewed"]
    );
    // With more complements than places, the newest view still gets the last one.
    assert_eq!(
        pick(&["boots"], &[("socks", 2.0), ("laces", 5.0), ("wax", 3.0)], &[viewed("hat", 90), viewed("scarf", 10)], &[], 3),
        ["laces:fbt", "wax:fbt", "scarf:viewed"]
    );
    // ... unless a viewed complement already stands for the customer's interest.
    assert_eq!(
        pick(&["boots"], &[("socks", 2.0), ("laces", 5.0), ("wax", 3.0)], &[viewed("socks", 90), viewed("scarf", 10)], &[], 3),
        ["socks:both", "laces:fbt", "wax:fbt"]
    );
    // A complement of two bought items outranks one of a single item.
    assert_eq!(pick(&["boots", "coat"], &[("laces", 3.0), ("brush", 2.0), ("brush", 2.0)], &[], &[], 3), ["brush:fbt", "laces:fbt"]);
    // Ties by id, so every channel gets the same offer; NaN scores count as nothing.
    assert_eq!(pick(&["boots"], &[("b", 1.0), ("a", 1.0), ("c", f32::NAN)], &[], &[], 3), ["a:fbt", "b:fbt", "c:fbt"]);
    // Nothing to offer.
    assert!(pick(&["boots"], &[], &[], &[], 3).is_empty());
    assert!(pick(&["boots"], &[("laces", 2.0)], &[viewed("laces", 1)], &["laces"], 3).is_empty());
    // A view "from the future" (a device clock ahead) is ignored.
    assert!(pick(&["boots"], &[], &[Viewed { product_id: "hat".into(), at: NOW + DAY_MS }], &[], 3).is_empty());
}

#[test]
fn caps_table() {
    let p = Policy::default();
    let past = |days_ago: i64, dismissed| PastOffer { created_at: NOW - days_ago * DAY_MS, dismissed };
    assert_eq!(cap(&p, &[], NOW - MINUTE_MS, NOW), CapDecision::Allowed);
    // One offer per 7 days.
    assert_eq!(cap(&p, &[past(3, false)], NOW, NOW), CapDecision::Capped { until: NOW + 4 * DAY_MS });
    assert_eq!(cap(&p, &[past(8, false)], NOW, NOW), CapDecision::Allowed);
    // A dismissal is remembered for 30 days.
    assert_eq!(cap(&p, &[past(8, true)], NOW, NOW), CapDecision::Capped { until: NOW + 22 * DAY_MS });
    assert_eq!(cap(&p, &[past(31, true)], NOW, NOW), CapDecision::Allowed);
    // The latest limit wins.
    assert_eq!(cap(&p, &[past(20, true), past(1, false)], NOW, NOW), CapDecision::Capped { until: NOW + 10 * DAY_MS });
    // Old orders get nothing: the offer is about what was just bought.
    assert_eq!(cap(&p, &[], NOW - 8 * DAY_MS, NOW), CapDecision::TooLate);
    // Exactly at the end of the gap the cap is over.
    assert_eq!(cap(&p, &[past(7, false)], NOW, NOW), CapDecision::Allowed);
}

#[test]
fn assignment_is_stable_and_balanced() {
    let exp = Experiment::default();
    exp.validate().unwrap();
    let mut counts = std::collections::HashMap::new();
    let n = 100_000;
    for i in 0..n {
        let unit = unit_id(&format!("customer{i}@example.com"), "o");
        let a = exp.assign(&unit);
        // Stable: the same unit, the same group, whatever the casing or spacing of the e-mail.
        assert_eq!(a, exp.assign(&unit_id(&format!("  Customer{i}@Example.COM "), "other-order")));
        *counts.entry(a.name().to_owned()).or_insert(0u32) += 1;
    }
    // 10 % holdout and two equal arms, within 1 percentage point over 100,000 ids.
    let share = |name: &str| f64::from(counts[name]) / f64::from(n);
    assert!((share(HOLDOUT) - 0.10).abs() < 0.01, "{counts:?}");
    assert!((share("discount-10") - 0.45).abs() < 0.01, "{counts:?}");
    assert!((share("no-discount") - 0.45).abs() < 0.01, "{counts:?}");
    // Weights are honoured.
    let mut weighted = exp.clone();
    weighted.holdout_bp = 0;
    weighted.arms[0].weight = 3;
    let first = (0..20_000).filter(|i| weighted.assign(&format!("u{i}")).name() == "discount-10").count();
    assert!((first as f64 / 20_000.0 - 0.75).abs() < 0.015, "{first}");
    // Another experiment splits the same units independently.
    let mut other = exp.clone();
    other.id = "post-checkout-2".into();
    let same = (0..20_000).filter(|i| exp.assign(&format!("u{i}")).name() == other.assign(&format!("u{i}")).name()).count();
    // Independent: P(same) = 0.1² + 0.45² + 0.45² = 0.415.
    assert!((same as f64 / 20_000.0 - 0.415).abs() < 0.02, "{same}");
}

#[test]
fn assignment_edges() {
    let mut exp = Experiment { holdout_bp: 10_000, ..Experiment::default() };
    assert_eq!(exp.assign("anyone"), Assignment::Holdout);
    exp.holdout_bp = 0;
    exp.arms.truncate(1);
    assert_eq!(exp.assign("anyone").name(), "discount-10");
    // The hash is fixed across platforms and releases (a changed hash would reshuffle running experiments); 2735 is FNV-1a + SplitMix64 computed independently.
    assert_eq!(hash64(&[b"post-checkout-1", b"\0", b"email:ada@example.com"]) % 10_000, 2_735);
    assert_eq!(unit_id("", "o-1"), "order:o-1");
    for (bad, why) in [
        (Experiment { arms: vec![], ..Experiment::default() }, "at least one arm"),
        (Experiment { holdout_bp: 10_001, ..Experiment::default() }, "more than 100 %"),
        (Experiment { id: " ".into(), ..Experiment::default() }, "needs an id"),
    ] {
        assert!(bad.validate().unwrap_err().contains(why), "{bad:?}");
    }
    let mut greedy = Experiment::default();
    greedy.arms[0].percent_off = 95;
    assert!(greedy.validate().unwrap_err().contains("95 %"));
    greedy.arms[0].percent_off = 10;
    greedy.arms[0].name = HOLDOUT.into();
    assert!(greedy.validate().is_err());
}

#[test]
fn loyalty_points() {
    let eur = |a| Money::new(a, Currency::EUR);
    assert_eq!(points_earned(eur(15_900), 1), 159);
    assert_eq!(points_earned(eur(15_999), 1), 159); // rounded down
    assert_eq!(points_earned(eur(15_999), 10), 1599);
    assert_eq!(points_earned(eur(99), 1), 0);
    assert_eq!(points_earned(eur(-500), 1), 0);
    assert_eq!(points_earned(Money::new(1500, Currency::new("JPY").unwrap()), 1), 1500);
    assert_eq!(points_earned(Money::new(1500, Currency::new("KWD").unwrap()), 1), 1);
    assert_eq!(points_earned(eur(i64::MAX), u32::MAX), u64::try_from(i128::from(i64::MAX) * i128::from(u32::MAX) / 100).unwrap_or(u64::MAX));
}

#[test]
fn countdown_survives_clock_skew() {
    let expires = NOW + 15 * MINUTE_MS;
    // A device 3 hours behind (or in another zone with a wrong clock) sees the same time left.
    let device = NOW - 3 * 3_600_000;
    assert_eq!(remaining_ms(expires, NOW, device, device), 15 * MINUTE_MS);
    assert_eq!(remaining_ms(expires, NOW, device, device + 60_000), 14 * MINUTE_MS);
    // After the end: zero, never negative.
    assert_eq!(remaining_ms(expires, NOW, device, device + 16 * MINUTE_MS), 0);
    // A reload five minutes later asks the server again.
    assert_eq!(remaining_ms(expires, NOW + 5 * MINUTE_MS, 42, 42), 10 * MINUTE_MS);
    assert_eq!(countdown_text(15 * MINUTE_MS), "15:00");
    assert_eq!(countdown_text(14 * MINUTE_MS + 59_001), "15:00");
    assert_eq!(countdown_text(14 * MINUTE_MS + 58_001), "14:59");
    assert_eq!(countdown_text(61 * MINUTE_MS + 1000), "1:01:01");
    assert_eq!(countdown_text(0), "0:00");
    assert_eq!(countdown_text(-5), "0:00");
}

#[test]
fn offer_wire_shape() {
    let json = r#"{"order_id":"o1","order_number":1042,"status":"open","experiment":"e","variant":"discount-10","percent_off":10,
        "expires_at":5,"server_time":1,"items":[{"product_id":"p","variant_id":"v","title":"Strap","price":{"amount":2900,"currency":"EUR"},
        "offer_price":{"amount":2610,"currency":"EUR"},"available":true,"reason":"complement"}],"loyalty":{"earned":159,"balance":null}}"#;
    let o: Offer = serde_json::from_str(json).unwrap();
    assert_eq!(o.status, OfferStatus::Open);
    assert_eq!(o.items[0].offer_price.amount, 2610);
    assert_eq!(o.loyalty, Loyalty { earned: 159, balance: None });
    assert!(serde_json::from_str::<Offer>(r#"{"order_id":"o1","status":"open"}"#).is_err());
}
