//! The compact model file: per item, its top-k complements with counts and scores.
//!
//! Layout (little-endian), version 1:
//!
//! ```text
//! magic "CCFBT\0" · version u16 · baskets u32 · items u32 · top_k u16 · reserved u16
//! names        items × (varint length, UTF-8 bytes)
//! counts       items × varint                      (baskets holding the item)
//! complements  items × (varint k, k × (varint item, varint pair count, f32 score))
//! bundles      items × (varint m, m × (varint size, size × varint item, varint count))
//! crc32        u32 over everything before it (IEEE)
//! ```
//!
//! [`Model::load`] checks magic, version and checksum, then indexes the bytes
//! in place: names are `&str` slices of the buffer and complements are read
//! on demand, so a browser copies the file into WASM memory once and never
//! again. Every malformed or truncated file is an error, never a panic.

use super::{Baskets, Itemset, PairCounts};
use std::collections::HashMap;

pub const MAGIC: &[u8; 6] = b"CCFBT\0";
pub const VERSION: u16 = 1;
const HEADER: usize = 6 + 2 + 4 + 4 + 2 + 2;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("not a Crosscart bought-together model (bad magic)")]
    BadMagic,
    #[error("model version {0} is not supported (this build reads version {VERSION})")]
    UnsupportedVersion(u16),
    #[error("the model file is truncated ({0})")]
    Truncated(&'static str),
    #[error("the model file is corrupt: checksum mismatch")]
    Checksum,
    #[error("the model file is corrupt: {0}")]
    Corrupt(&'static str),
}

/// Display score of a rule A → C: the Wilson lower bound (95 %) of its
/// confidence divided by the support of C — a lift that shrinks when the
/// evidence is thin. Lift keeps best-sellers (high s(C)) from topping every
/// list; the lower bound keeps a couple of chance co-purchases of rare items
/// from outranking an established complement.
pub fn score(pair_count: u32, antecedent_count: u32, consequent_count: u32, n: u32) -> f64 {
    if antecedent_count == 0 || n == 0 || consequent_count == 0 {
        return 0.0;
    }
    let (x, m) = (f64::from(pair_count), f64::from(antecedent_count));
    let p = x / m;
    let z = 1.959_963_984_540_054_f64;
    let z2 = z * z;
    let lower = (p + z2 / (2.0 * m) - z * (p * (1.0 - p) / m + z2 / (4.0 * m * m)).sqrt()) / (1.0 + z2 / m);
    lower.max(0.0) / (f64::from(consequent_count) / f64::from(n))
}

/// One complement of an item, as stored.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Complement<'a> {
    pub item: &'a str,
    /// Baskets holding both items.
    pub count: u32,
    pub score: f32,
}

fn put_varint(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// CRC-32 (IEEE 802.3, reflected), bitwise: small and fast enough for models.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

/// Builds the model from pair counts: for each item its `top_k` complements
/// by [`score`], ties broken by pair count, then by name. Only pairs whose
/// score exceeds 1 are kept — evidence that buying one makes the other more
/// likely — so an item with no real complement gets an empty list and the
/// widget can hide instead of showing best-sellers.
///
/// `bundles` are frequent itemsets of three or more items (from
/// [`super::frequent_itemsets`] with a larger `max_len`); each item keeps the
/// `top_k` most frequent bundles it belongs to. Pass `&[]` for a pairs-only model.
pub fn build_model(baskets: &Baskets, pairs: &PairCounts, bundles: &[Itemset], top_k: u16) -> Vec<u8> {
    let items = baskets.item_count();
    let mut rows: Vec<Vec<(u32, u32, f32)>> = vec![Vec::new(); items];
    for &(a, b, c) in &pairs.pairs {
        let (ca, cb) = (pairs.item_counts[a as usize], pairs.item_counts[b as usize]);
        for (from, to, s) in [(a, b, score(c, ca, cb, pairs.n)), (b, a, score(c, cb, ca, pairs.n))] {
            if s > 1.0 {
                rows[from as usize].push((to, c, s as f32));
            }
        }
    }
    for row in &mut rows {
        row.sort_by(|x, y| {
            y.2.total_cmp(&x.2).then(y.1.cmp(&x.1)).then_with(|| baskets.name(x.0).cmp(baskets.name(y.0)))
        });
        row.truncate(usize::from(top_k));
    }
    let mut out = Vec::with_capacity(HEADER + items * 16);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&pairs.n.to_le_bytes());
    out.extend_from_slice(&(items as u32).to_le_bytes());
    out.extend_from_slice(&top_k.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    for i in 0..items as u32 {
        let name = baskets.name(i).as_bytes();
        put_varint(&mut out, name.len() as u32);
        out.extend_from_slice(name);
    }
    for &c in &pairs.item_counts {
        put_varint(&mut out, c);
    }
    for row in &rows {
        put_varint(&mut out, row.len() as u32);
        for &(item, count, s) in row {
            put_varint(&mut out, item);
            put_varint(&mut out, count);
            out.extend_from_slice(&s.to_le_bytes());
        }
    }
    let mut member_of: Vec<Vec<usize>> = vec![Vec::new(); items];
    for (b, set) in bundles.iter().enumerate().filter(|(_, s)| s.items.len() >= 3) {
        for &i in &set.items {
            member_of[i as usize].push(b);
        }
    }
    for list in &mut member_of {
        list.sort_by(|&x, &y| bundles[y].count.cmp(&bundles[x].count).then_with(|| bundles[x].items.cmp(&bundles[y].items)));
        list.truncate(usize::from(top_k));
        put_varint(&mut out, list.len() as u32);
        for &b in list.iter() {
            put_varint(&mut out, bundles[b].items.len() as u32);
            for &i in &bundles[b].items {
                put_varint(&mut out, i);
            }
            put_varint(&mut out, bundles[b].count);
        }
    }
    let crc = crc32(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], ModelError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len()).ok_or(ModelError::Truncated(what))?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn varint(&mut self, what: &'static str) -> Result<u32, ModelError> {
        let mut v = 0u32;
        for shift in (0..35).step_by(7) {
            let b = *self.take(1, what)?.first().ok_or(ModelError::Truncated(what))?;
            if shift == 28 && b > 0x0f {
                return Err(ModelError::Corrupt("varint out of range"));
            }
            v |= u32::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(ModelError::Corrupt("varint too long"))
    }
    fn u16(&mut self, what: &'static str) -> Result<u16, ModelError> {
        let b = self.take(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self, what: &'static str) -> Result<u32, ModelError> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

struct Entry<'a> {
    name: &'a str,
    count: u32,
    /// Offset of this item's complement list in the buffer.
    complements_at: u32,
    /// Offset of this item's bundle list in the buffer.
    bundles_at: u32,
}

/// A loaded model, borrowing the file's bytes.
pub struct Model<'a> {
    bytes: &'a [u8],
    baskets: u32,
    top_k: u16,
    entries: Vec<Entry<'a>>,
    by_name: HashMap<&'a str, u32>,
}

impl<'a> Model<'a> {
    pub fn load(bytes: &'a [u8]) -> Result<Model<'a>, ModelError> {
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(if MAGIC.starts_with(bytes) { ModelError::Truncated("header") } else { ModelError::BadMagic });
        }
        if bytes.len() < HEADER + 4 {
            return Err(ModelError::Truncated("header"));
        }
        let version = u16::from_le_bytes([bytes[6], bytes[7]]);
        if version != VERSION {
            return Err(ModelError::UnsupportedVersion(version));
        }
        let (body, trailer) = bytes.split_at(bytes.len() - 4);
        if crc32(body) != u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]) {
            return Err(ModelError::Checksum);
        }
        let mut c = Cursor { bytes: body, pos: 8 };
        let baskets = c.u32("header")?;
        let items = c.u32("header")?;
        let top_k = c.u16("header")?;
        let _reserved = c.u16("header")?;
        // Each item needs at least three bytes (name length, count, complement count).
        if items as usize > body.len() / 3 {
            return Err(ModelError::Corrupt("item count larger than the file"));
        }
        let mut entries = Vec::with_capacity(items as usize);
        let mut by_name = HashMap::with_capacity(items as usize);
        for i in 0..items {
            let len = c.varint("names")? as usize;
            let name = std::str::from_utf8(c.take(len, "names")?).map_err(|_| ModelError::Corrupt("item name is not UTF-8"))?;
            if by_name.insert(name, i).is_some() {
                return Err(ModelError::Corrupt("duplicate item name"));
            }
            entries.push(Entry { name, count: 0, complements_at: 0, bundles_at: 0 });
        }
        for e in &mut entries {
            e.count = c.varint("counts")?;
        }
        for e in &mut entries {
            e.complements_at = c.pos as u32;
            let k = c.varint("complements")?;
            if k > u32::from(top_k) {
                return Err(ModelError::Corrupt("more complements than top_k"));
            }
            for _ in 0..k {
                if c.varint("complements")? >= items {
                    return Err(ModelError::Corrupt("complement refers to an unknown item"));
                }
                c.varint("complements")?;
                c.take(4, "complements")?;
            }
        }
        for (me, e) in entries.iter_mut().enumerate() {
            e.bundles_at = c.pos as u32;
            let m = c.varint("bundles")?;
            if m > u32::from(top_k) {
                return Err(ModelError::Corrupt("more bundles than top_k"));
            }
            for _ in 0..m {
                let size = c.varint("bundles")?;
                if !(3..=64).contains(&size) {
                    return Err(ModelError::Corrupt("bundle size out of range"));
                }
                let mut has_me = false;
                for _ in 0..size {
                    let i = c.varint("bundles")?;
                    if i >= items {
                        return Err(ModelError::Corrupt("bundle refers to an unknown item"));
                    }
                    has_me |= i as usize == me;
                }
                if !has_me {
                    return Err(ModelError::Corrupt("bundle listed under an item it does not hold"));
                }
                c.varint("bundles")?;
            }
        }
        if c.pos != body.len() {
            return Err(ModelError::Corrupt("trailing bytes after the bundles"));
        }
        Ok(Model { bytes: body, baskets, top_k, entries, by_name })
    }

    pub fn baskets(&self) -> u32 {
        self.baskets
    }
    pub fn items(&self) -> usize {
        self.entries.len()
    }
    pub fn top_k(&self) -> u16 {
        self.top_k
    }
    /// Baskets holding `item`, if the model knows it.
    pub fn item_count(&self, item: &str) -> Option<u32> {
        self.by_name.get(item).map(|&i| self.entries[i as usize].count)
    }

    /// The stored complements of `item`, best first; empty for an unknown item.
    pub fn complements(&self, item: &str) -> Vec<Complement<'a>> {
        let Some(&i) = self.by_name.get(item) else { return Vec::new() };
        let mut c = Cursor { bytes: self.bytes, pos: self.entries[i as usize].complements_at as usize };
        // The layout was validated in `load`, so these reads cannot fail.
        let k = c.varint("complements").unwrap_or(0);
        (0..k)
            .filter_map(|_| {
                let other = c.varint("complements").ok()?;
                let count = c.varint("complements").ok()?;
                let b = c.take(4, "complements").ok()?;
                Some(Complement { item: self.entries[other as usize].name, count, score: f32::from_le_bytes([b[0], b[1], b[2], b[3]]) })
            })
            .collect()
    }

    /// Frequent bundles of three or more items that hold `item`, most frequent
    /// first: (all the bundle's items, baskets holding them all).
    pub fn bundles(&self, item: &str) -> Vec<(Vec<&'a str>, u32)> {
        let Some(&i) = self.by_name.get(item) else { return Vec::new() };
        let mut c = Cursor { bytes: self.bytes, pos: self.entries[i as usize].bundles_at as usize };
        // Validated in `load`.
        let m = c.varint("bundles").unwrap_or(0);
        (0..m)
            .filter_map(|_| {
                let size = c.varint("bundles").ok()?;
                let names = (0..size).filter_map(|_| c.varint("bundles").ok().map(|x| self.entries[x as usize].name)).collect();
                Some((names, c.varint("bundles").ok()?))
            })
            .collect()
    }

    /// Complements of a whole set (a cart): each candidate's best score over
    /// the seeds, seeds themselves and `exclude` left out, best first.
    pub fn recommend(&self, seeds: &[&str], exclude: &[&str], limit: usize) -> Vec<Complement<'a>> {
        let mut best: HashMap<&'a str, Complement<'a>> = HashMap::new();
        for seed in seeds {
            for c in self.complements(seed) {
                if seeds.contains(&c.item) || exclude.contains(&c.item) {
                    continue;
                }
                let e = best.entry(c.item).or_insert(c);
                if c.score > e.score || (c.score == e.score && c.count > e.count) {
                    *e = c;
                }
            }
        }
        let mut out: Vec<Complement<'a>> = best.into_values().collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then(b.count.cmp(&a.count)).then_with(|| a.item.cmp(b.item)));
        out.truncate(limit);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fbt::{pair_counts, MineParams};

    fn model_bytes() -> Vec<u8> {
        let mut b = Baskets::new();
        for _ in 0..30 {
            b.push(&["camera", "sd-card", "bestseller"]);
        }
        for _ in 0..10 {
            b.push(&["camera", "tripod"]);
        }
        for _ in 0..200 {
            b.push(&["bestseller", "socks"]);
        }
        b.push(&["camera", "rare-lens"]);
        b.push(&["rare-lens"]);
        let pc = pair_counts(&b, &MineParams { min_support: 0.001, min_count: 1, max_len: 2 }).unwrap();
        let bundles: Vec<_> = crate::fbt::frequent_itemsets(&b, &MineParams { min_support: 0.001, min_count: 5, max_len: 3 })
            .unwrap()
            .into_iter()
            .filter(|s| s.items.len() == 3)
            .collect();
        build_model(&b, &pc, &bundles, 3)
    }

    #[test]
    fn round_trip_and_ranking() {
        let bytes = model_bytes();
        let m = Model::load(&bytes).unwrap();
        assert_eq!(m.baskets(), 242);
        assert_eq!(m.items(), 6);
        assert_eq!(m.item_count("camera"), Some(41));
        let names = |item: &str| m.complements(item).iter().map(|c| c.item).collect::<Vec<_>>();
        // The best-seller co-occurs with the camera 30 times but is in almost
        // every basket: no evidence of a complement, so it is not stored. The
        // SD card (30) and tripod (10) are; one chance co-purchase of a rare
        // lens is not.
        assert_eq!(names("camera"), ["sd-card", "tripod"]);
        assert_eq!(m.complements("camera")[0].count, 30);
        assert!(names("socks").iter().all(|n| *n != "camera"));
        assert!(names("nothing").is_empty());
        // The one triple bought often enough: camera + SD card + best-seller, 30 times.
        let bundles = m.bundles("camera");
        assert_eq!(bundles.len(), 1);
        let (mut items, count) = bundles[0].clone();
        items.sort_unstable();
        assert_eq!((items, count), (vec!["bestseller", "camera", "sd-card"], 30));
        assert_eq!(m.bundles("sd-card"), m.bundles("camera"));
        assert!(m.bundles("tripod").is_empty());
        let rec = |seeds: &[&str], exclude: &[&str]| m.recommend(seeds, exclude, 5).iter().map(|c| c.item).collect::<Vec<_>>();
        assert_eq!(rec(&["tripod"], &[]), ["camera"]);
        // Cart-seeded: what goes with the cart, minus what is in it.
        assert_eq!(rec(&["camera", "tripod"], &[]), ["sd-card"]);
        assert!(rec(&["camera"], &["sd-card", "tripod"]).is_empty());
    }

    #[test]
    fn bad_files_are_errors() {
        let bytes = model_bytes();
        assert_eq!(Model::load(b"PK\x03\x04 not a model").err(), Some(ModelError::BadMagic));
        assert_eq!(Model::load(b"").err(), Some(ModelError::Truncated("header")));
        for len in 0..bytes.len() {
            assert!(Model::load(&bytes[..len]).is_err(), "a file cut at {len} bytes loaded");
        }
        for i in 8..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x20;
            assert!(Model::load(&bad).is_err(), "a flipped byte at {i} went unnoticed");
        }
        let mut v2 = bytes.clone();
        v2[6] = 2;
        assert_eq!(Model::load(&v2).err(), Some(ModelError::UnsupportedVersion(2)));
    }

    #[test]
    fn crc_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    fn check_score(pair: u32, a: u32, c: u32, n: u32, lo: f64, hi: f64) {
        let s = score(pair, a, c, n);
        assert!((lo..=hi).contains(&s), "score({pair},{a},{c},{n}) = {s}");
    }

    #[test]
    fn scores() {
        check_score(0, 10, 10, 100, 0.0, 0.0);
        // 30 of 41 camera buyers took a card bought by 30 of 242: strong.
        check_score(30, 41, 30, 242, 4.0, 6.0);
        // A best-seller in 230 of 242 baskets: near or below 1 whatever the overlap.
        check_score(30, 41, 230, 242, 0.0, 1.0);
        // One chance co-purchase scores lower than ten real ones.
        assert!(score(1, 41, 2, 242) < score(10, 41, 10, 242));
        check_score(5, 0, 5, 10, 0.0, 0.0);
    }
}
