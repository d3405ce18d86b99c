//! Association rules from frequent itemsets.

use super::mine::Itemset;
use std::collections::HashMap;

/// A → C with the counts it was computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub antecedent: Vec<u32>,
    pub consequent: Vec<u32>,
    pub count: u32,
    pub antecedent_count: u32,
    pub consequent_count: u32,
    pub n: u32,
}

impl Rule {
    fn s(&self, count: u32) -> f64 {
        f64::from(count) / f64::from(self.n)
    }
    /// s(A∪C).
    pub fn support(&self) -> f64 {
        self.s(self.count)
    }
    /// s(A∪C) / s(A), computed from the supports as the reference does.
    pub fn confidence(&self) -> f64 {
        self.support() / self.s(self.antecedent_count)
    }
    /// confidence / s(C).
    pub fn lift(&self) -> f64 {
        self.confidence() / self.s(self.consequent_count)
    }
    /// s(A∪C) − s(A)·s(C).
    pub fn leverage(&self) -> f64 {
        self.support() - self.s(self.antecedent_count) * self.s(self.consequent_count)
    }
    /// (1 − s(C)) / (1 − confidence); infinite when the rule always holds.
    pub fn conviction(&self) -> f64 {
        let conf = self.confidence();
        if conf >= 1.0 { f64::INFINITY } else { (1.0 - self.s(self.consequent_count)) / (1.0 - conf) }
    }
}

/// Every rule A → C with A∪C a frequent itemset (A, C non-empty and disjoint)
/// and confidence ≥ `min_confidence`. `itemsets` must be downward closed, as
/// [`super::frequent_itemsets`] returns them.
pub fn rules(itemsets: &[Itemset], n: u32, min_confidence: f64) -> Vec<Rule> {
    let counts: HashMap<&[u32], u32> = itemsets.iter().map(|s| (s.items.as_slice(), s.count)).collect();
    let mut out = Vec::new();
    let mut a = Vec::new();
    let mut c = Vec::new();
    for set in itemsets.iter().filter(|s| s.items.len() >= 2 && s.items.len() < 32) {
        let k = set.items.len();
        for mask in 1..(1u32 << k) - 1 {
            a.clear();
            c.clear();
            for (bit, &item) in set.items.iter().enumerate() {
                if mask & (1 << bit) != 0 { a.push(item) } else { c.push(item) }
            }
            let (Some(&ac), Some(&cc)) = (counts.get(a.as_slice()), counts.get(c.as_slice())) else { continue };
            let rule = Rule { antecedent: a.clone(), consequent: c.clone(), count: set.count, antecedent_count: ac, consequent_count: cc, n };
            if rule.confidence() >= min_confidence {
                out.push(rule);
            }
        }
    }
    out
}
