//! Nearest-k search over store locations.
//!
//! Points live on the unit sphere as 3-D vectors; the straight-line (chord)
//! distance between two such vectors grows with the great-circle distance, so
//! a k-d tree over them finds the nearest stores exactly — across the
//! antimeridian and near the poles too — without trigonometry per node.
//! The tree is implicit: a slice reordered so every range's middle element
//! splits it on the axis of widest spread.

use super::{GeoPoint, EARTH_RADIUS_M};

/// Why a location is refused.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum GeoError {
    // The values are not in the message: formatting floats would add ~10 KiB to the browser build.
    #[error("latitude must be between -90 and 90 and longitude between -180 and 180")]
    OutOfRange { lat: f64, lon: f64 },
}

/// Parses a decimal coordinate such as `-33.8688` (at most 9 decimals)
/// without the float parser, which would add ~15 KiB to the browser build.
pub fn parse_degrees(s: &str) -> Option<f64> {
    let s = s.trim();
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() && frac.is_empty() || int.len() > 3 || frac.len() > 9 || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let part: u64 = if frac.is_empty() { 0 } else { frac.parse().ok()? };
    let v = whole as f64 + part as f64 / 10f64.powi(frac.len() as i32);
    Some(if neg { -v } else { v })
}

impl GeoPoint {
    /// A point, refusing NaN, infinities and coordinates off the globe.
    pub fn new(lat: f64, lon: f64) -> Result<GeoPoint, GeoError> {
        if lat.is_finite() && lon.is_finite() && (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) {
            Ok(GeoPoint { lat, lon })
        } else {
            Err(GeoError::OutOfRange { lat, lon })
        }
    }

    pub fn validate(&self) -> Result<(), GeoError> {
        GeoPoint::new(self.lat, self.lon).map(|_| ())
    }

    fn unit(&self) -> [f64; 3] {
        let (lat, lon) = (self.lat.to_radians(), self.lon.to_radians());
        [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
    }
}

fn chord2(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)
}

/// Great-circle metres for a squared chord on the unit sphere.
fn chord2_to_m(c2: f64) -> f64 {
    2.0 * EARTH_RADIUS_M * (c2.sqrt() / 2.0).min(1.0).asin()
}

/// A static index of points; results name points by their input position.
#[derive(Debug, Clone, Default)]
pub struct GeoIndex {
    points: Vec<[f64; 3]>,
    ids: Vec<u32>,
    axes: Vec<u8>,
}

impl GeoIndex {
    /// Builds the index. Points that fail [`GeoPoint::validate`] are left out
    /// (they can never be found), so one bad record cannot poison the rest.
    pub fn new(points: &[GeoPoint]) -> GeoIndex {
        let mut items: Vec<(u32, [f64; 3])> = points.iter().enumerate().filter(|(_, p)| p.validate().is_ok()).map(|(i, p)| (i as u32, p.unit())).collect();
        let mut axes = vec![0u8; items.len()];
        build(&mut items, &mut axes);
        GeoIndex { ids: items.iter().map(|(i, _)| *i).collect(), points: items.into_iter().map(|(_, p)| p).collect(), axes }
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The `k` points nearest to `at` for which `keep(id)` holds, nearest
    /// first, with their great-circle distance in metres.
    pub fn nearest(&self, at: &GeoPoint, k: usize, keep: impl Fn(usize) -> bool) -> Vec<(usize, f64)> {
        if k == 0 || at.validate().is_err() {
            return Vec::new();
        }
        let mut best = Best { k, items: Vec::with_capacity(k + 1) };
        self.search(0, self.ids.len(), &at.unit(), &keep, &mut best);
        best.items.into_iter().map(|(c2, id)| (id as usize, chord2_to_m(c2))).collect()
    }

    fn search(&self, lo: usize, hi: usize, q: &[f64; 3], keep: &impl Fn(usize) -> bool, best: &mut Best) {
        if lo >= hi {
            return;
        }
        let mid = lo + (hi - lo) / 2;
        let p = &self.points[mid];
        if keep(self.ids[mid] as usize) {
            best.offer(chord2(q, p), self.ids[mid]);
        }
        let axis = usize::from(self.axes[mid]);
        let diff = q[axis] - p[axis];
        let (near, far) = if diff < 0.0 { ((lo, mid), (mid + 1, hi)) } else { ((mid + 1, hi), (lo, mid)) };
        self.search(near.0, near.1, q, keep, best);
        if best.wants(diff * diff) {
            self.search(far.0, far.1, q, keep, best);
        }
    }
}

/// The k best so far, sorted by squared chord (k is small: a list beats a heap).
struct Best {
    k: usize,
    items: Vec<(f64, u32)>,
}

impl Best {
    fn wants(&self, c2: f64) -> bool {
        self.items.len() < self.k || c2 < self.items[self.items.len() - 1].0
    }
    fn offer(&mut self, c2: f64, id: u32) {
        if self.wants(c2) {
            let at = self.items.partition_point(|(d, i)| (*d, *i) < (c2, id));
            self.items.insert(at, (c2, id));
            self.items.truncate(self.k);
        }
    }
}

fn build(items: &mut [(u32, [f64; 3])], axes: &mut [u8]) {
    if items.len() <= 1 {
        return;
    }
    let axis = (0..3)
        .map(|a| {
            let (lo, hi) = items.iter().fold((f64::MAX, f64::MIN), |(lo, hi), (_, p)| (lo.min(p[a]), hi.max(p[a])));
            (hi - lo, a)
        })
        .max_by(|x, y| x.0.total_cmp(&y.0))
        .map_or(0, |(_, a)| a);
    let mid = items.len() / 2;
    items.select_nth_unstable_by(mid, |x, y| x.1[axis].total_cmp(&y.1[axis]));
    axes[mid] = axis as u8;
    let (left, rest) = items.split_at_mut(mid);
    let (left_axes, rest_axes) = axes.split_at_mut(mid);
    build(left, left_axes);
    build(&mut rest[1..], &mut rest_axes[1..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn brute(points: &[GeoPoint], at: &GeoPoint, k: usize, keep: impl Fn(usize) -> bool) -> Vec<f64> {
        let mut d: Vec<f64> = points.iter().enumerate().filter(|(i, _)| keep(*i)).map(|(_, p)| at.distance_m(p)).collect();
        d.sort_by(f64::total_cmp);
        d.truncate(k);
        d
    }

    fn point() -> impl Strategy<Value = GeoPoint> {
        (-90.0f64..=90.0, -180.0f64..=180.0).prop_map(|(lat, lon)| GeoPoint { lat, lon })
    }

    /// Points clustered in a small region, so many distances are close.
    fn clustered() -> impl Strategy<Value = GeoPoint> {
        (49.0f64..51.0, 29.0f64..31.0).prop_map(|(lat, lon)| GeoPoint { lat, lon })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn nearest_k_equals_brute_force(points in prop::collection::vec(prop_oneof![point(), clustered()], 0..400), at in prop_oneof![point(), clustered()], k in 0usize..20, modulus in 1usize..5) {
            let index = GeoIndex::new(&points);
            let keep = |i: usize| i.is_multiple_of(modulus);
            let got = index.nearest(&at, k, keep);
            let want = brute(&points, &at, k, keep);
            prop_assert_eq!(got.len(), want.len());
            for ((id, d), w) in got.iter().zip(&want) {
                prop_assert!(keep(*id));
                prop_assert!((d - w).abs() < 1e-3, "{} vs {}", d, w);
                prop_assert!((at.distance_m(&points[*id]) - d).abs() < 1e-3);
            }
        }
    }

    #[test]
    fn antimeridian_and_poles() {
        let pts = [GeoPoint { lat: 0.0, lon: 179.9 }, GeoPoint { lat: 0.0, lon: 170.0 }, GeoPoint { lat: 89.9, lon: 0.0 }, GeoPoint { lat: 89.9, lon: 180.0 }];
        let index = GeoIndex::new(&pts);
        let got = index.nearest(&GeoPoint { lat: 0.0, lon: -179.9 }, 1, |_| true);
        assert_eq!(got[0].0, 0, "across the antimeridian");
        assert!((got[0].1 - 22_239.0).abs() < 50.0, "{}", got[0].1);
        let got = index.nearest(&GeoPoint { lat: 90.0, lon: 0.0 }, 2, |_| true);
        let mut ids: Vec<usize> = got.iter().map(|g| g.0).collect();
        ids.sort();
        assert_eq!(ids, vec![2, 3], "both near the pole whatever their longitude");
    }

    #[test]
    fn degrees() {
        assert_eq!(parse_degrees("52.52"), Some(52.52));
        assert_eq!(parse_degrees(" -33.8688 "), Some(-33.8688));
        assert_eq!(parse_degrees("+13"), Some(13.0));
        assert_eq!(parse_degrees(".5"), Some(0.5));
        for bad in ["", "-", ".", "1e5", "12,5", "1234", "nan", "1.0000000001", "--1"] {
            assert_eq!(parse_degrees(bad), None, "{bad}");
        }
    }

    #[test]
    fn bad_points_are_refused_or_skipped() {
        assert!(GeoPoint::new(91.0, 0.0).is_err());
        assert!(GeoPoint::new(0.0, -180.5).is_err());
        assert!(GeoPoint::new(f64::NAN, 0.0).is_err());
        assert!(GeoPoint::new(-90.0, 180.0).is_ok());
        let index = GeoIndex::new(&[GeoPoint { lat: 500.0, lon: 0.0 }, GeoPoint { lat: 1.0, lon: 1.0 }]);
        assert_eq!(index.len(), 1);
        assert_eq!(index.nearest(&GeoPoint { lat: 0.0, lon: 0.0 }, 5, |_| true).iter().map(|g| g.0).collect::<Vec<_>>(), vec![1]);
        assert!(index.nearest(&GeoPoint { lat: f64::INFINITY, lon: 0.0 }, 5, |_| true).is_empty());
    }
}
