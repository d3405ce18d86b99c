//! Physical stores, their opening hours and per-store stock: where an item
//! can be collected, when, and how far away.

pub mod gazetteer;
pub mod hours;
pub mod index;
pub mod rank;

use crate::catalog::VariantId;
use serde::{Deserialize, Serialize};

pub use gazetteer::{Gazetteer, Place};
pub use hours::{open_status, pickup_ready, FixedOffset, LocalTime, OpenStatus, Zone};
pub use index::{parse_degrees, GeoError, GeoIndex};
pub use rank::{nearby, Level, Pickup, StockQuery, StoreStock};

/// Mean Earth radius in metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// WGS84 coordinates in degrees. (Coordinates are not money: floats are fine.)
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

crate::json_object!(GeoPoint { req lat, req lon });

impl GeoPoint {
    /// Great-circle distance in metres (haversine, mean Earth radius).
    pub fn distance_m(&self, other: &GeoPoint) -> f64 {
        const R: f64 = EARTH_RADIUS_M;
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * R * a.sqrt().atan2((1.0 - a).sqrt())
    }
}

/// One opening interval within a day, in minutes after local midnight.
/// `close` may exceed 1440 for hours that run past midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interval {
    pub open: u16,
    pub close: u16,
}

crate::json_object!(Interval { req open, req close });

/// A date whose hours differ from the weekly pattern (holiday, short day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoursException {
    /// `YYYY-MM-DD` in the store's time zone.
    pub date: String,
    /// Empty means closed all day.
    #[serde(default)]
    pub intervals: Vec<Interval>,
}

crate::json_object!(HoursException { req date, def intervals });

/// Empty (the default) means unknown hours: see [`OpeningHours::is_known`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct OpeningHours {
    /// IANA time zone name, e.g. `Europe/Kyiv`.
    #[serde(default)]
    pub timezone: String,
    /// Monday first; seven entries.
    #[serde(default)]
    pub weekly: Vec<Vec<Interval>>,
    #[serde(default)]
    pub exceptions: Vec<HoursException>,
}

crate::json_object!(OpeningHours { def timezone, def weekly, def exceptions });

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Store {
    pub id: String,
    pub name: String,
    pub address: String,
    pub city: String,
    #[serde(default)]
    pub postal_code: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub location: GeoPoint,
    #[serde(default)]
    pub hours: OpeningHours,
    #[serde(default)]
    pub phone: String,
    /// Typical hours from order to "ready for pickup" when the item is in stock.
    #[serde(default)]
    pub pickup_lead_hours: u32,
    /// Hours for the warehouse to bring an item here; `None`: no transfers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_hours: Option<u32>,
}

crate::json_object!(Store { req id, req name, req address, req city, def postal_code, req country, req location, def hours, def phone, def pickup_lead_hours, opt transfer_hours });

/// Units of one variant available at one store (stock less active reservations).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockLevel {
    pub store_id: String,
    pub variant_id: VariantId,
    pub quantity: u32,
}

/// Where one variant can be had: per store, and in the warehouse that
/// supplies stores by transfer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantStock {
    pub variant_id: VariantId,
    pub stock: Vec<StockLevel>,
    /// Units the warehouse can send to stores with `transfer_hours`.
    #[serde(default)]
    pub warehouse: u32,
    /// At or below this many units a store shows "low stock".
    #[serde(default = "default_low_threshold")]
    pub low_stock_threshold: u32,
    /// The shop does not count this variant (Medusa's `manage_inventory:
    /// false`, a gift card, a made-to-order item): every store has it, and
    /// `stock` is empty.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub untracked: bool,
}

/// [`VariantStock::free_at`] for a variant nobody counts: no limit.
pub const UNTRACKED: u32 = u32::MAX;

impl VariantStock {
    /// Free units at `store_id`: none where the list says nothing, and
    /// [`UNTRACKED`] for an untracked variant.
    pub fn free_at(&self, store_id: &str) -> u32 {
        if self.untracked {
            return UNTRACKED;
        }
        self.stock.iter().find(|l| l.store_id == store_id).map_or(0, |l| l.quantity)
    }
}

fn default_low_threshold() -> u32 {
    rank::DEFAULT_LOW_THRESHOLD
}

crate::json_object!(StockLevel { req store_id, req variant_id, req quantity });

impl crate::json::FromJson for VariantStock {
    fn from_json(v: &crate::json::Value) -> Result<Self, crate::json::JsonError> {
        let o = v.fields("variant stock")?;
        let low_stock_threshold = match o.value("low_stock_threshold") {
            Some(_) => o.req("low_stock_threshold")?,
            None => default_low_threshold(),
        };
        Ok(VariantStock { variant_id: o.req("variant_id")?, stock: o.req("stock")?, warehouse: o.or_default("warehouse")?, low_stock_threshold, untracked: o.or_default("untracked")? })
    }
}

impl crate::json::ToJson for VariantStock {
    fn write_json(&self, out: &mut String) {
        crate::json::ObjectWriter::new(out)
            .field("variant_id", &self.variant_id)
            .field("stock", &self.stock)
            .field("warehouse", &self.warehouse)
            .field("low_stock_threshold", &self.low_stock_threshold)
            .field_if(self.untracked, "untracked", &true)
            .end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_distance(a: (f64, f64), b: (f64, f64), expected_km: f64) {
        let d = GeoPoint { lat: a.0, lon: a.1 }.distance_m(&GeoPoint { lat: b.0, lon: b.1 }) / 1000.0;
        assert!((d - expected_km).abs() < expected_km * 0.005 + 0.01, "{a:?}->{b:?}: {d} km, expected {expected_km}");
    }

    #[test]
    fn distances() {
        check_distance((50.4501, 30.5234), (50.4501, 30.5234), 0.0);
        // Kyiv -> Lviv, about 468 km.
        check_distance((50.4501, 30.5234), (49.8397, 24.0297), 468.0);
        // Berlin -> Paris, about 878 km.
        check_distance((52.5200, 13.4050), (48.8566, 2.3522), 878.0);
    }
}
