//! The miner against hand-computed answers and against brute force.

use crosscart_core::fbt::{frequent_itemsets, pair_counts, parse, rules, Baskets, Format, MineError, MineParams, Rule};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn baskets(rows: &[&[&str]]) -> Baskets {
    let mut b = Baskets::new();
    for r in rows {
        b.push(r);
    }
    b
}

fn textbook() -> Baskets {
    baskets(&[
        &["bread", "milk"],
        &["bread", "diaper", "beer", "eggs"],
        &["milk", "diaper", "beer", "cola"],
        &["bread", "milk", "diaper", "beer"],
        &["bread", "milk", "diaper", "cola"],
    ])
}

fn names(b: &Baskets, ids: &[u32]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|&i| b.name(i).to_owned()).collect();
    v.sort();
    v
}

fn find<'a>(b: &Baskets, rs: &'a [Rule], a: &[&str], c: &[&str]) -> &'a Rule {
    rs.iter().find(|r| names(b, &r.antecedent) == a && names(b, &r.consequent) == c).unwrap_or_else(|| panic!("no rule {a:?} -> {c:?}"))
}

fn close(x: f64, y: f64) -> bool {
    (x == y) || ((x - y).abs() <= 1e-12 * y.abs().max(1.0))
}

#[test]
fn textbook_itemsets_and_rules() {
    let b = textbook();
    let p = MineParams { min_support: 0.6, min_count: 1, max_len: 0 };
    let sets = frequent_itemsets(&b, &p).unwrap();
    let got: BTreeMap<Vec<String>, u32> = sets.iter().map(|s| (names(&b, &s.items), s.count)).collect();
    let want: BTreeMap<Vec<String>, u32> = [
        (vec!["bread"], 4), (vec!["milk"], 4), (vec!["diaper"], 4), (vec!["beer"], 3),
        (vec!["bread", "milk"], 3), (vec!["bread", "diaper"], 3), (vec!["diaper", "milk"], 3), (vec!["beer", "diaper"], 3),
    ]
    .into_iter()
    .map(|(k, v)| (k.into_iter().map(String::from).collect(), v))
    .collect();
    assert_eq!(got, want);

    let rs = rules(&sets, b.len() as u32, 0.0);
    assert_eq!(rs.len(), 8, "two rules per frequent pair");
    let r = find(&b, &rs, &["diaper"], &["beer"]);
    assert!(close(r.support(), 0.6) && close(r.confidence(), 0.75) && close(r.lift(), 1.25));
    assert!(close(r.leverage(), 0.12) && close(r.conviction(), 1.6));
    let r = find(&b, &rs, &["beer"], &["diaper"]);
    assert!(close(r.confidence(), 1.0) && close(r.lift(), 1.25));
    assert!(r.conviction().is_infinite(), "a rule that always holds has infinite conviction");
    assert_eq!(rules(&sets, 5, 0.8).len(), 1, "only beer -> diaper reaches confidence 0.8");
}

#[test]
fn max_len_and_min_count() {
    let b = textbook();
    let p = MineParams { min_support: 0.4, min_count: 1, max_len: 0 };
    let all = frequent_itemsets(&b, &p).unwrap();
    assert!(all.iter().any(|s| s.items.len() == 3), "bread, milk, diaper appear together twice");
    let pairs_only = frequent_itemsets(&b, &MineParams { max_len: 2, ..p }).unwrap();
    assert!(pairs_only.iter().all(|s| s.items.len() <= 2));
    let strict = frequent_itemsets(&b, &MineParams { min_count: 4, ..p }).unwrap();
    assert!(strict.iter().all(|s| s.count >= 4));
    assert_eq!(strict.len(), 3);
}

#[test]
fn bad_parameters_and_degenerate_input() {
    let b = textbook();
    for ms in [0.0, -0.1, 1.5, f64::NAN] {
        let e = frequent_itemsets(&b, &MineParams { min_support: ms, ..Default::default() }).unwrap_err();
        assert!(matches!(e, MineError::BadSupport(_)));
    }
    assert_eq!(frequent_itemsets(&Baskets::new(), &MineParams::default()).unwrap_err(), MineError::NoBaskets);
    // One-item baskets: items, no pairs, no rules.
    let singles = baskets(&[&["a"], &["b"], &["a"]]);
    let sets = frequent_itemsets(&singles, &MineParams { min_support: 0.1, ..Default::default() }).unwrap();
    assert_eq!(sets.len(), 2);
    assert!(rules(&sets, 3, 0.0).is_empty());
    assert!(pair_counts(&singles, &MineParams { min_support: 0.1, ..Default::default() }).unwrap().pairs.is_empty());
    // Duplicates inside a basket count once.
    let dup = parse("1 1 1 2\n1 2 2\n", Format::Fimi).unwrap();
    let sets = frequent_itemsets(&dup, &MineParams { min_support: 1.0, ..Default::default() }).unwrap();
    assert!(sets.iter().all(|s| s.count == 2));
}

/// Brute force: every subset of every basket, counted.
fn brute_force(b: &Baskets, p: &MineParams) -> BTreeMap<Vec<u32>, u32> {
    let mut counts: BTreeMap<Vec<u32>, u32> = BTreeMap::new();
    for basket in b.iter() {
        let k = basket.len();
        for mask in 1u32..(1 << k) {
            let set: Vec<u32> = (0..k).filter(|i| mask & (1 << i) != 0).map(|i| basket[i]).collect();
            if p.max_len == 0 || set.len() <= p.max_len {
                *counts.entry(set).or_default() += 1;
            }
        }
    }
    let min = p.min_count_for(b.len());
    let n = b.len() as f64;
    counts.retain(|set, c| *c >= min && (set.len() > 1 || f64::from(*c) / n >= p.min_support));
    counts
}

fn arb_baskets() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(prop::collection::vec(0u8..9, 0..7), 1..40)
}

proptest! {
    #[test]
    fn eclat_and_pairs_match_brute_force(raw in arb_baskets(), ms in 0.02f64..0.6, max_len in 0usize..4, min_count in 1u32..4) {
        let mut b = Baskets::new();
        for r in &raw {
            let items: Vec<String> = r.iter().map(|i| i.to_string()).collect();
            b.push(&items);
        }
        let p = MineParams { min_support: ms, min_count, max_len };
        let want = brute_force(&b, &p);
        let got: BTreeMap<Vec<u32>, u32> = frequent_itemsets(&b, &p).unwrap().into_iter().map(|s| (s.items, s.count)).collect();
        prop_assert_eq!(&got, &want);

        let pc = pair_counts(&b, &p).unwrap();
        let want_pairs: Vec<(u32, u32, u32)> = brute_force(&b, &MineParams { max_len: 2, ..p })
            .into_iter().filter(|(s, _)| s.len() == 2).map(|(s, c)| (s[0], s[1], c)).collect();
        prop_assert_eq!(pc.pairs, want_pairs);

        // Every rule's counts agree with the brute-force supports.
        let sets = frequent_itemsets(&b, &p).unwrap();
        for r in rules(&sets, b.len() as u32, 0.0) {
            let mut all = [r.antecedent.clone(), r.consequent.clone()].concat();
            all.sort_unstable();
            prop_assert_eq!(Some(&r.count), want.get(&all));
            prop_assert_eq!(Some(&r.antecedent_count), want.get(&r.antecedent));
            prop_assert!(r.confidence() <= 1.0 + 1e-12);
        }
    }
}
