//! Frequent itemsets: a co-count fast path for pairs and Eclat for longer sets.

use super::Baskets;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MineParams {
    /// In (0, 1]: the share of baskets an itemset must appear in.
    pub min_support: f64,
    /// An absolute floor on the count as well (noise guard); 1 disables it.
    pub min_count: u32,
    /// Largest itemset size; 0 means unlimited.
    pub max_len: usize,
}

impl Default for MineParams {
    fn default() -> Self {
        MineParams { min_support: 0.01, min_count: 1, max_len: 0 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MineError {
    #[error("min_support must be in (0, 1], got {0}")]
    BadSupport(String),
    #[error("there are no baskets to mine")]
    NoBaskets,
}

/// A frequent itemset: item ids in ascending id order and how many baskets hold them all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Itemset {
    pub items: Vec<u32>,
    pub count: u32,
}

impl MineParams {
    fn check(&self, baskets: &Baskets) -> Result<u32, MineError> {
        if !(self.min_support > 0.0 && self.min_support <= 1.0) {
            return Err(MineError::BadSupport(self.min_support.to_string()));
        }
        if baskets.is_empty() {
            return Err(MineError::NoBaskets);
        }
        Ok(self.min_count_for(baskets.len()))
    }

    /// The count an itemset needs among `n` baskets: ⌈min_support · n⌉ as the
    /// reference implementation computes it, and at least `min_count`.
    pub fn min_count_for(&self, n: usize) -> u32 {
        let by_support = (self.min_support * n as f64).ceil().max(1.0) as u32;
        by_support.max(self.min_count).max(1)
    }
}

/// Items frequent on their own, with their counts.
fn frequent_items(baskets: &Baskets, params: &MineParams, min: u32) -> (Vec<u32>, Vec<u32>) {
    let mut counts = vec![0u32; baskets.item_count()];
    for b in baskets.iter() {
        for &i in b {
            counts[i as usize] += 1;
        }
    }
    let n = baskets.len() as f64;
    let frequent: Vec<u32> = (0..counts.len() as u32)
        .filter(|&i| {
            let c = counts[i as usize];
            c >= min && c as f64 / n >= params.min_support
        })
        .collect();
    (frequent, counts)
}

/// All frequent itemsets up to `max_len` (Eclat over tid-lists, items taken in
/// ascending support so the lists shrink fast). Sorted by size, then items.
pub fn frequent_itemsets(baskets: &Baskets, params: &MineParams) -> Result<Vec<Itemset>, MineError> {
    if params.max_len == 2 {
        return pairs_as_itemsets(baskets, params);
    }
    let min = params.check(baskets)?;
    let (mut frequent, counts) = frequent_items(baskets, params, min);
    frequent.sort_by_key(|&i| (counts[i as usize], i));
    let slot: HashMap<u32, usize> = frequent.iter().enumerate().map(|(s, &i)| (i, s)).collect();
    let mut tids: Vec<Vec<u32>> = frequent.iter().map(|&i| Vec::with_capacity(counts[i as usize] as usize)).collect();
    for (t, b) in baskets.iter().enumerate() {
        for i in b {
            if let Some(&s) = slot.get(i) {
                tids[s].push(t as u32);
            }
        }
    }
    let max_len = if params.max_len == 0 { usize::MAX } else { params.max_len };
    let mut out = Vec::new();
    let class: Vec<(u32, Vec<u32>)> = frequent.into_iter().zip(tids).collect();
    let mut prefix = Vec::new();
    eclat(&mut prefix, &class, min, max_len, &mut out);
    for set in &mut out {
        set.items.sort_unstable();
    }
    out.sort_by(|a, b| a.items.len().cmp(&b.items.len()).then_with(|| a.items.cmp(&b.items)));
    Ok(out)
}

fn eclat(prefix: &mut Vec<u32>, class: &[(u32, Vec<u32>)], min: u32, max_len: usize, out: &mut Vec<Itemset>) {
    for (k, (item, tids)) in class.iter().enumerate() {
        prefix.push(*item);
        out.push(Itemset { items: prefix.clone(), count: tids.len() as u32 });
        if prefix.len() < max_len {
            let next: Vec<(u32, Vec<u32>)> = class[k + 1..]
                .iter()
                .filter_map(|(other, other_tids)| {
                    let common = intersect(tids, other_tids);
                    (common.len() as u32 >= min).then_some((*other, common))
                })
                .collect();
            if !next.is_empty() {
                eclat(prefix, &next, min, max_len, out);
            }
        }
        prefix.pop();
    }
}

fn intersect(a: &[u32], b: &[u32]) -> Vec<u32> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(a.len().min(b.len()));
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

/// Frequent items and pairs from the co-count fast path, in the same shape
/// and order as [`frequent_itemsets`] gives them.
fn pairs_as_itemsets(baskets: &Baskets, params: &MineParams) -> Result<Vec<Itemset>, MineError> {
    let min = params.check(baskets)?;
    let pc = pair_counts(baskets, params)?;
    let (frequent, _) = frequent_items(baskets, params, min);
    let mut out: Vec<Itemset> = frequent.into_iter().map(|i| Itemset { items: vec![i], count: pc.item_counts[i as usize] }).collect();
    out.extend(pc.pairs.into_iter().map(|(a, b, count)| Itemset { items: vec![a, b], count }));
    Ok(out)
}

/// Item counts and co-counts of frequent pairs: the widget's fast path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairCounts {
    /// Number of baskets.
    pub n: u32,
    /// Count of every item (frequent or not), by item id.
    pub item_counts: Vec<u32>,
    /// Frequent pairs `(a, b, count)` with `a < b`, sorted.
    pub pairs: Vec<(u32, u32, u32)>,
}

/// Counts every pair of frequent items in one pass over the baskets: a dense
/// triangular table when the frequent items are few enough, a hash map otherwise.
pub fn pair_counts(baskets: &Baskets, params: &MineParams) -> Result<PairCounts, MineError> {
    let min = params.check(baskets)?;
    let (frequent, item_counts) = frequent_items(baskets, params, min);
    let f = frequent.len();
    let mut slot = vec![u32::MAX; baskets.item_count()];
    for (s, &i) in frequent.iter().enumerate() {
        slot[i as usize] = s as u32;
    }
    let mut row: Vec<u32> = Vec::new();
    let mut pairs = Vec::new();
    const DENSE_LIMIT: usize = 4 << 20; // 16 MiB of u32 counters
    let cells = f * f.saturating_sub(1) / 2;
    if cells <= DENSE_LIMIT {
        let mut table = vec![0u32; cells];
        // Index of (x, y), x < y < f, in the row-major upper triangle.
        let at = |x: usize, y: usize| x * (2 * f - x - 1) / 2 + (y - x - 1);
        for b in baskets.iter() {
            row.clear();
            row.extend(b.iter().map(|&i| slot[i as usize]).filter(|&s| s != u32::MAX));
            row.sort_unstable();
            for (k, &x) in row.iter().enumerate() {
                for &y in &row[k + 1..] {
                    table[at(x as usize, y as usize)] += 1;
                }
            }
        }
        for x in 0..f {
            for y in x + 1..f {
                let c = table[at(x, y)];
                if c >= min {
                    let (a, b) = (frequent[x].min(frequent[y]), frequent[x].max(frequent[y]));
                    pairs.push((a, b, c));
                }
            }
        }
    } else {
        let mut map: HashMap<u64, u32> = HashMap::new();
        for b in baskets.iter() {
            row.clear();
            row.extend(b.iter().copied().filter(|&i| slot[i as usize] != u32::MAX));
            for (k, &x) in row.iter().enumerate() {
                for &y in &row[k + 1..] {
                    *map.entry((u64::from(x) << 32) | u64::from(y)).or_default() += 1;
                }
            }
        }
        pairs.extend(map.into_iter().filter(|&(_, c)| c >= min).map(|(k, c)| ((k >> 32) as u32, k as u32, c)));
    }
    pairs.sort_unstable();
    Ok(PairCounts { n: baskets.len() as u32, item_counts, pairs })
}
