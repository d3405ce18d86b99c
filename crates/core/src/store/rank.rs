//! Which stores to offer for a pickup, in which order.
//!
//! The order answers "where can I collect this, soonest and closest": stores
//! that hold the requested quantity now, nearest first; then stores that can
//! get it by a transfer from the warehouse; then the rest — shown with their
//! level, never as blank lines. The nearest store that has the item is always
//! in the list, even if it lies beyond the `limit` nearest, so a nearby store
//! that is out of stock never hides one a little further away that has it.

use super::index::GeoIndex;
use super::{GeoPoint, Store};
use serde::{Deserialize, Serialize};

/// What a shopper sees for a store's stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    InStock,
    /// 1..=`low_threshold` units.
    Low,
    Out,
}

impl Level {
    pub fn of(available: u32, low_threshold: u32) -> Level {
        match available {
            0 => Level::Out,
            n if n <= low_threshold => Level::Low,
            _ => Level::InStock,
        }
    }
}

/// Whether the requested quantity can be collected at a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pickup {
    /// On the shelf now; ready after the store's pickup lead time.
    Now,
    /// Not enough here, but the warehouse can send it (`Store::transfer_hours`).
    Transfer,
    Unavailable,
}

/// Default for "low stock": this many units or fewer.
pub const DEFAULT_LOW_THRESHOLD: u32 = 3;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StockQuery {
    pub at: GeoPoint,
    /// Units wanted (at least 1).
    pub requested: u32,
    /// How many nearest stores to list (the nearest store that has it is added).
    pub limit: usize,
    pub low_threshold: u32,
    /// Units in the warehouse that stores can order in; 0 if unknown.
    pub warehouse: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StoreStock {
    /// Position in the store list the index was built from.
    pub store: usize,
    pub distance_m: f64,
    pub available: u32,
    pub level: Level,
    pub pickup: Pickup,
}

/// Stores near `query.at` ranked for pickup; `available(i)` is store `i`'s
/// free quantity (stock less reservations). The first entry, if its pickup
/// is not `Unavailable`, is the one to offer.
pub fn nearby(stores: &[Store], index: &GeoIndex, available: impl Fn(usize) -> u32, query: &StockQuery) -> Vec<StoreStock> {
    let requested = query.requested.max(1);
    let transferable = |i: usize| query.warehouse >= requested && stores[i].transfer_hours.is_some();
    let mut picked = index.nearest(&query.at, query.limit, |_| true);
    let has_it = index.nearest(&query.at, 1, |i| available(i) >= requested);
    let extra = if has_it.is_empty() { index.nearest(&query.at, 1, transferable) } else { has_it };
    for e in extra {
        if !picked.iter().any(|p| p.0 == e.0) {
            picked.push(e);
        }
    }
    let mut ranked: Vec<StoreStock> = picked
        .into_iter()
        .map(|(store, distance_m)| {
            let available = available(store);
            let pickup = if available >= requested {
                Pickup::Now
            } else if transferable(store) {
                Pickup::Transfer
            } else {
                Pickup::Unavailable
            };
            StoreStock { store, distance_m, available, level: Level::of(available, query.low_threshold), pickup }
        })
        .collect();
    ranked.sort_by(|a, b| a.pickup.cmp(&b.pickup).then(a.distance_m.total_cmp(&b.distance_m)).then(a.store.cmp(&b.store)));
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::OpeningHours;

    fn store(id: &str, lat: f64, lon: f64, transfer: Option<u32>) -> Store {
        Store {
            id: id.into(),
            name: id.into(),
            address: String::new(),
            city: String::new(),
            postal_code: String::new(),
            country: "UA".into(),
            location: GeoPoint { lat, lon },
            hours: OpeningHours::default(),
            phone: String::new(),
            pickup_lead_hours: 2,
            transfer_hours: transfer,
        }
    }

    /// Four stores on a line east of the shopper, 1, 2, 3 and 40 km away.
    fn stores() -> Vec<Store> {
        let km = 1.0 / 71.0; // degrees of longitude per km at 50° N, roughly
        vec![store("a", 50.0, 30.0 + km, Some(48)), store("b", 50.0, 30.0 + 2.0 * km, None), store("c", 50.0, 30.0 + 3.0 * km, Some(24)), store("far", 50.0, 30.0 + 40.0 * km, None)]
    }

    fn rank(stock: [u32; 4], requested: u32, limit: usize, warehouse: u32) -> Vec<(String, Pickup, Level)> {
        let stores = stores();
        let index = GeoIndex::new(&stores.iter().map(|s| s.location).collect::<Vec<_>>());
        let q = StockQuery { at: GeoPoint { lat: 50.0, lon: 30.0 }, requested, limit, low_threshold: 3, warehouse };
        nearby(&stores, &index, |i| stock[i], &q).into_iter().map(|s| (stores[s.store].id.clone(), s.pickup, s.level)).collect()
    }

    fn ids(r: &[(String, Pickup, Level)]) -> Vec<&str> {
        r.iter().map(|x| x.0.as_str()).collect()
    }

    #[test]
    fn nearest_out_of_stock_second_in_stock_offers_the_second() {
        // The Dawn bug: the nearest store is out, the next one has it.
        let r = rank([0, 5, 0, 9], 1, 3, 0);
        assert_eq!(ids(&r), ["b", "a", "c"]);
        assert_eq!(r[0].1, Pickup::Now);
        assert_eq!(r[1], ("a".into(), Pickup::Unavailable, Level::Out), "shown as out of stock, not as a blank line");
    }

    #[test]
    fn nearest_with_stock_beyond_the_limit_is_added() {
        let r = rank([0, 0, 0, 9], 1, 2, 0);
        assert_eq!(ids(&r), ["far", "a", "b"]);
        assert_eq!(r[0].1, Pickup::Now);
    }

    #[test]
    fn quantity_and_levels() {
        // Two wanted: "a" has one (low, cannot fulfil), "c" has two.
        let r = rank([1, 0, 2, 20], 2, 3, 0);
        assert_eq!(r.iter().map(|x| (x.0.as_str(), x.1, x.2)).collect::<Vec<_>>(), [("c", Pickup::Now, Level::Low), ("a", Pickup::Unavailable, Level::Low), ("b", Pickup::Unavailable, Level::Out)]);
        let r = rank([9, 0, 0, 0], 1, 1, 0);
        assert_eq!((r[0].1, r[0].2), (Pickup::Now, Level::InStock));
    }

    #[test]
    fn warehouse_transfer_when_no_store_has_it() {
        let r = rank([0, 0, 0, 0], 1, 3, 10);
        assert_eq!(r.iter().map(|x| (x.0.as_str(), x.1)).collect::<Vec<_>>(), [("a", Pickup::Transfer), ("c", Pickup::Transfer), ("b", Pickup::Unavailable)]);
        // Not enough in the warehouse either: nothing to offer.
        let r = rank([0, 0, 0, 0], 11, 3, 10);
        assert!(r.iter().all(|x| x.1 == Pickup::Unavailable));
        assert_eq!(ids(&r), ["a", "b", "c"], "the rest by distance");
    }

    #[test]
    fn empty_and_zero() {
        let index = GeoIndex::new(&[]);
        let q = StockQuery { at: GeoPoint { lat: 0.0, lon: 0.0 }, requested: 1, limit: 5, low_threshold: 3, warehouse: 0 };
        assert!(nearby(&[], &index, |_| 0, &q).is_empty());
        assert_eq!(Level::of(0, 3), Level::Out);
        assert_eq!(Level::of(3, 3), Level::Low);
        assert_eq!(Level::of(4, 3), Level::InStock);
    }
}
