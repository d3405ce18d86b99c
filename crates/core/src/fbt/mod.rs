//! "Frequently bought together": baskets, frequent itemsets and association rules.
//!
//! Pure and deterministic, so the same miner runs natively (`crosscart rules`,
//! the server) and in WebAssembly. Definitions, for N baskets:
//!
//! * support s(X) = count(X) / N
//! * for a rule A → C: support s(A∪C), confidence s(A∪C) / s(A),
//!   lift confidence / s(C), leverage s(A∪C) − s(A)·s(C),
//!   conviction (1 − s(C)) / (1 − confidence), infinite when confidence is 1.
//!
//! Thresholds follow the reference implementation (mlxtend's `fpgrowth` and
//! `association_rules`): an itemset is frequent when its count is at least
//! ⌈min_support · N⌉ (single items must also have count / N ≥ min_support),
//! and a rule is kept when its confidence is at least `min_confidence`.
//!
//! Pairs, what the widget needs most, take a fast path ([`pair_counts`]:
//! co-count rows over frequent items); longer itemsets come from Eclat on
//! tid-lists ([`frequent_itemsets`]).

mod input;
mod mine;
pub mod model;
mod rules;

pub use input::{parse, Format, InputError};
pub use mine::{frequent_itemsets, pair_counts, Itemset, MineError, MineParams, PairCounts};
pub use model::{build_model, Model, ModelError};
pub use rules::{rules, Rule};

use std::cmp::Ordering;
use std::collections::HashMap;

/// Baskets with items interned to dense ids (`0..items.len()`), each basket
/// sorted and without duplicates, stored back to back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baskets {
    /// Item id → the item's name as it appeared in the input.
    names: Vec<String>,
    index: HashMap<String, u32>,
    offsets: Vec<u32>,
    data: Vec<u32>,
}

impl Baskets {
    pub fn new() -> Self {
        Baskets { offsets: vec![0], ..Default::default() }
    }

    /// Adds one basket; repeated items count once, as in a one-hot table.
    pub fn push<S: AsRef<str>>(&mut self, items: &[S]) {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        let start = self.data.len();
        for item in items {
            let id = self.intern(item.as_ref());
            self.data.push(id);
        }
        self.data[start..].sort_unstable();
        let mut w = start;
        for r in start..self.data.len() {
            if r == start || self.data[r] != self.data[w - 1] {
                self.data[w] = self.data[r];
                w += 1;
            }
        }
        self.data.truncate(w);
        self.offsets.push(self.data.len() as u32);
    }

    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.index.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), id);
        id
    }

    /// Number of baskets (N).
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn basket(&self, i: usize) -> &[u32] {
        &self.data[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }
    pub fn iter(&self) -> impl Iterator<Item = &[u32]> {
        (0..self.len()).map(|i| self.basket(i))
    }
    /// Number of distinct items.
    pub fn item_count(&self) -> usize {
        self.names.len()
    }
    pub fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }
    pub fn id(&self, name: &str) -> Option<u32> {
        self.index.get(name).copied()
    }

    /// Display rank of every item id: numeric order when every name is an
    /// integer (of any length), otherwise byte order of the names.
    pub fn display_ranks(&self) -> Vec<u32> {
        let numeric = !self.names.is_empty() && self.names.iter().all(|n| is_integer(n));
        let mut ids: Vec<u32> = (0..self.names.len() as u32).collect();
        ids.sort_by(|&a, &b| {
            let (x, y) = (self.name(a), self.name(b));
            if numeric { cmp_integers(x, y) } else { x.cmp(y) }
        });
        let mut rank = vec![0; ids.len()];
        for (r, id) in ids.into_iter().enumerate() {
            rank[id as usize] = r as u32;
        }
        rank
    }
}

fn is_integer(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Compares two integers written in decimal, of any length.
fn cmp_integers(a: &str, b: &str) -> Ordering {
    let (na, nb) = (a.starts_with('-'), b.starts_with('-'));
    let mag = |s: &str| {
        let d = s.trim_start_matches('-').trim_start_matches('0');
        (d.len(), d.to_owned())
    };
    let by_magnitude = mag(a).cmp(&mag(b));
    match (na, nb) {
        (false, false) => by_magnitude.then_with(|| a.cmp(b)),
        (true, true) => by_magnitude.reverse().then_with(|| a.cmp(b)),
        (true, false) => if mag(a).0 == 0 && mag(b).0 == 0 { a.cmp(b) } else { Ordering::Less },
        (false, true) => if mag(a).0 == 0 && mag(b).0 == 0 { a.cmp(b) } else { Ordering::Greater },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baskets_dedup_and_intern() {
        let mut b = Baskets::new();
        b.push(&["milk", "bread", "milk"]);
        b.push::<&str>(&[]);
        b.push(&["bread"]);
        assert_eq!(b.len(), 3);
        assert_eq!(b.item_count(), 2);
        assert_eq!(b.basket(0).len(), 2, "a repeated item counts once");
        assert!(b.basket(1).is_empty());
        assert_eq!(b.basket(2), &[b.id("bread").unwrap()]);
    }

    fn check_order(names: &[&str], expected: &[&str]) {
        let mut b = Baskets::new();
        b.push(names);
        let ranks = b.display_ranks();
        let mut ids: Vec<u32> = (0..b.item_count() as u32).collect();
        ids.sort_by_key(|&i| ranks[i as usize]);
        let got: Vec<&str> = ids.iter().map(|&i| b.name(i)).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn display_order() {
        check_order(&["10", "9", "100", "2"], &["2", "9", "10", "100"]);
        check_order(&["-3", "2", "-10", "0"], &["-10", "-3", "0", "2"]);
        check_order(&["123456789012345678901234567890", "99"], &["99", "123456789012345678901234567890"]);
        check_order(&["b", "a", "10", "9"], &["10", "9", "a", "b"]);
    }
}
