//! Small ordered collections over a sorted `Vec`: what the sync engine
//! keeps (a cart's ops, ids, lines — tens to hundreds of entries). The
//! same ordered iteration as `BTreeMap`/`BTreeSet`, binary search for
//! lookups, and a small fraction of their code in the browser build
//! (each `BTreeMap` instantiation costs several KiB of WebAssembly).
//! Inserting out of order moves the tail, so keep them for small sets.

use std::borrow::Borrow;

/// Sorts `v` by `less`: a heapsort, O(n log n) without allocating, and a
/// few hundred bytes of WebAssembly per element type where each of the
/// standard library's sort instantiations costs several KiB. Not stable, so
/// for keys that are unique (or where equal keys are interchangeable).
pub fn sort_by<T>(v: &mut [T], mut less: impl FnMut(&T, &T) -> bool) {
    heapsort(v, &mut less);
}

fn heapsort<T>(v: &mut [T], less: &mut dyn FnMut(&T, &T) -> bool) {
    fn sift<T>(v: &mut [T], mut root: usize, end: usize, less: &mut dyn FnMut(&T, &T) -> bool) {
        loop {
            let mut child = 2 * root + 1;
            if child >= end {
                return;
            }
            if child + 1 < end && less(&v[child], &v[child + 1]) {
                child += 1;
            }
            if !less(&v[root], &v[child]) {
                return;
            }
            v.swap(root, child);
            root = child;
        }
    }
    let n = v.len();
    for i in (0..n / 2).rev() {
        sift(v, i, n, less);
    }
    for end in (1..n).rev() {
        v.swap(0, end);
        sift(v, 0, end, less);
    }
}

/// A map ordered by key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortedMap<K, V>(Vec<(K, V)>);

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        SortedMap(Vec::new())
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    pub const fn new() -> Self {
        SortedMap(Vec::new())
    }

    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.0.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    /// Inserts or replaces; the previous value if there was one.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &self.0[i].1)
    }

    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(key).is_ok()
    }

    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| self.0.remove(i).1)
    }

    /// The value for `key`, inserted with `make` first if absent.
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        let i = match self.find(&key) {
            Ok(i) => i,
            Err(i) => {
                self.0.insert(i, (key, make()));
                i
            }
        };
        &mut self.0[i].1
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.0.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, v)| v)
    }
}

impl<K, V> IntoIterator for SortedMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// A set ordered by value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortedSet<T>(Vec<T>);

impl<T> Default for SortedSet<T> {
    fn default() -> Self {
        SortedSet(Vec::new())
    }
}

impl<T: Ord> SortedSet<T> {
    pub const fn new() -> Self {
        SortedSet(Vec::new())
    }

    /// Whether it was new.
    pub fn insert(&mut self, value: T) -> bool {
        match self.0.binary_search(&value) {
            Ok(_) => false,
            Err(i) => {
                self.0.insert(i, value);
                true
            }
        }
    }

    pub fn contains(&self, value: &T) -> bool {
        self.0.binary_search(value).is_ok()
    }

    /// Whether it was there.
    pub fn remove(&mut self, value: &T) -> bool {
        match self.0.binary_search(value) {
            Ok(i) => {
                self.0.remove(i);
                true
            }
            Err(_) => false,
        }
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }
}

impl<T: Ord> Extend<T> for SortedSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for v in iter {
            self.insert(v);
        }
    }
}

impl<T: Ord> FromIterator<T> for SortedSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut s = SortedSet::new();
        s.extend(iter);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_by_orders_like_the_standard_sort() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for n in [0usize, 1, 2, 3, 7, 16, 100, 1000] {
            let mut v: Vec<u64> = (0..n)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed % 50
                })
                .collect();
            let mut expected = v.clone();
            expected.sort_unstable();
            sort_by(&mut v, |a, b| a < b);
            assert_eq!(v, expected, "n = {n}");
        }
        let mut rev: Vec<u32> = (0..500).rev().collect();
        sort_by(&mut rev, |a, b| a < b);
        assert!(rev.windows(2).all(|w| w[0] < w[1]));
    }
    use std::collections::{BTreeMap, BTreeSet};

    /// The same answers as the standard ordered collections, on a seeded random workload.
    #[test]
    fn behaves_like_btree_collections() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % 64
        };
        let (mut map, mut btree) = (SortedMap::new(), BTreeMap::new());
        let (mut set, mut bset) = (SortedSet::new(), BTreeSet::new());
        for step in 0..5_000 {
            let (k, v) = (next(), step);
            match next() % 5 {
                0 | 1 => assert_eq!(map.insert(k, v), btree.insert(k, v)),
                2 => assert_eq!(map.remove(&k), btree.remove(&k)),
                3 => {
                    *map.get_or_insert_with(k, || v) += 1;
                    *btree.entry(k).or_insert(v) += 1;
                }
                _ => assert_eq!((map.get(&k), map.contains_key(&k)), (btree.get(&k), btree.contains_key(&k))),
            }
            match next() % 3 {
                0 => assert_eq!(set.insert(k), bset.insert(k)),
                1 => assert_eq!(set.remove(&k), bset.remove(&k)),
                _ => assert_eq!(set.contains(&k), bset.contains(&k)),
            }
        }
        assert!(map.iter().eq(btree.iter()));
        assert_eq!(map.len(), btree.len());
        assert!(set.iter().eq(bset.iter()));
        assert_eq!(set.len(), bset.len());
    }
}
