//! Nearest-k over 10,000 stores, natively: the k-d tree against a brute-force
//! scan (every store's haversine distance, then a partial sort — what a widget
//! that ranks a fetched store list does), on the same stores and queries.
//! Run by `cargo xtask bench stock`; writes the stores as JSON for the browser half.
//! usage: stores_bench [OUT_JSON]

use crosscart_core::store::{nearby, GeoIndex, GeoPoint, OpeningHours, StockQuery, Store};
use std::time::Instant;

const STORES: usize = 10_000;
const QUERIES: usize = 20_000;
const K: usize = 10;

/// A small deterministic generator (no dependency; the figures must be repeatable).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Mostly Europe (where the shops are), a tenth anywhere on Earth.
    fn point(&mut self) -> GeoPoint {
        if self.next() < 0.9 {
            GeoPoint { lat: 36.0 + self.next() * 34.0, lon: -10.0 + self.next() * 50.0 }
        } else {
            GeoPoint { lat: (self.next() * 2.0 - 1.0).asin().to_degrees(), lon: self.next() * 360.0 - 180.0 }
        }
    }
}

fn quantiles(mut t: Vec<f64>) -> (f64, f64, f64) {
    t.sort_by(f64::total_cmp);
    let q = |p: f64| t[((p * t.len() as f64) as usize).min(t.len() - 1)];
    (q(0.5), q(0.99), t[t.len() - 1])
}

fn main() {
    let mut rng = Lcg(20_261_122);
    let stores: Vec<Store> = (0..STORES)
        .map(|i| Store {
            id: format!("s{i}"),
            name: format!("Store {i}"),
            address: String::new(),
            city: String::new(),
            postal_code: String::new(),
            country: "DE".into(),
            location: rng.point(),
            hours: OpeningHours::default(),
            phone: String::new(),
            pickup_lead_hours: 2,
            transfer_hours: None,
        })
        .collect();
    let queries: Vec<GeoPoint> = (0..QUERIES).map(|_| rng.point()).collect();
    let points: Vec<GeoPoint> = stores.iter().map(|s| s.location).collect();

    let t0 = Instant::now();
    let index = GeoIndex::new(&points);
    let build_ms = t0.elapsed().as_secs_f64() * 1e3;

    let mut checksum = 0.0;
    let tree: Vec<f64> = queries
        .iter()
        .map(|q| {
            let s = Instant::now();
            let r = index.nearest(q, K, |_| true);
            let t = s.elapsed().as_secs_f64() * 1e6;
            checksum += r[K - 1].1;
            t
        })
        .collect();
    let mut brute_checksum = 0.0;
    let brute: Vec<f64> = queries
        .iter()
        .map(|q| {
            let s = Instant::now();
            let mut d: Vec<(f64, usize)> = points.iter().enumerate().map(|(i, p)| (q.distance_m(p), i)).collect();
            d.select_nth_unstable_by(K - 1, |a, b| a.0.total_cmp(&b.0));
            let mut top = d[..K].to_vec();
            top.sort_by(|a, b| a.0.total_cmp(&b.0));
            let t = s.elapsed().as_secs_f64() * 1e6;
            brute_checksum += top[K - 1].0;
            t
        })
        .collect();
    assert!((checksum - brute_checksum).abs() < 1e-3 * QUERIES as f64, "the tree and the scan disagree");
    // The element's whole ranking: k nearest plus the nearest store with stock (30 % have it).
    let stock: Vec<u32> = (0..STORES).map(|i| if i % 10 < 3 { 5 } else { 0 }).collect();
    let ranking: Vec<f64> = queries
        .iter()
        .map(|q| {
            let s = Instant::now();
            let r = nearby(&stores, &index, |i| stock[i], &StockQuery { at: *q, requested: 1, limit: 5, low_threshold: 3, warehouse: 0 });
            std::hint::black_box(r);
            s.elapsed().as_secs_f64() * 1e6
        })
        .collect();

    let (t50, t99, tmax) = quantiles(tree);
    let (b50, b99, bmax) = quantiles(brute);
    let (r50, r99, rmax) = quantiles(ranking);
    println!("native nearest-k: {STORES} stores (90 % in Europe), {QUERIES} queries, k = {K}; index built in {build_ms:.2} ms");
    println!("  k-d tree     p50 {t50:8.2} µs   p99 {t99:8.2} µs   max {tmax:8.1} µs");
    println!("  brute force  p50 {b50:8.2} µs   p99 {b99:8.2} µs   max {bmax:8.1} µs   (haversine to every store + partial sort)");
    println!("  ratio        p50 {:.0}× faster, p99 {:.0}× faster than brute force", b50 / t50, b99 / t99);
    println!("  full ranking (5 nearest + nearest with stock, 30 % stocked): p50 {r50:.2} µs, p99 {r99:.2} µs, max {rmax:.1} µs");

    if let Some(out) = std::env::args().nth(1) {
        let json = serde_json::to_string(&stores).expect("stores serialize");
        std::fs::write(&out, json).expect("write stores");
    }
}
