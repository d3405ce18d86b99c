//! The figures of `crosscart report offers`: per experiment arm, rates with
//! Wilson score intervals, a mean with a normal-approximation interval, and
//! each arm's difference from the holdout group.

use serde::Serialize;

/// z for a two-sided 95 % interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// A point estimate with its 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

/// Share `k / n` with the Wilson score interval (sound near 0 and 1 and for
/// small n, unlike the Wald interval). None when `n` is 0.
pub fn proportion(k: u64, n: u64) -> Option<Estimate> {
    if n == 0 {
        return None;
    }
    let (k, n) = (k.min(n) as f64, n as f64);
    let p = k / n;
    let z2 = Z95 * Z95;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z95 / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(Estimate { value: p, low: (centre - half).max(0.0), high: (centre + half).min(1.0) })
}

/// Running sums for a mean: n, Σx, Σx².
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Sums {
    pub n: u64,
    pub sum: f64,
    pub sum_sq: f64,
}

impl Sums {
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        self.sum += x;
        self.sum_sq += x * x;
    }

    /// The mean with mean ± z·s/√n (sample standard deviation). None when
    /// empty; a zero-width interval for a single value.
    pub fn mean(&self) -> Option<Estimate> {
        if self.n == 0 {
            return None;
        }
        let n = self.n as f64;
        let mean = self.sum / n;
        let var = if self.n > 1 { ((self.sum_sq - n * mean * mean) / (n - 1.0)).max(0.0) } else { 0.0 };
        let half = Z95 * (var / n).sqrt();
        Some(Estimate { value: mean, low: mean - half, high: mean + half })
    }
}

/// Difference of two shares `k1/n1 − k2/n2` with the Newcombe (hybrid
/// Wilson) interval. None when either group is empty.
pub fn difference(k1: u64, n1: u64, k2: u64, n2: u64) -> Option<Estimate> {
    let (a, b) = (proportion(k1, n1)?, proportion(k2, n2)?);
    let d = a.value - b.value;
    let low = d - ((a.value - a.low).powi(2) + (b.high - b.value).powi(2)).sqrt();
    let high = d + ((a.high - a.value).powi(2) + (b.value - b.low).powi(2)).sqrt();
    Some(Estimate { value: d, low, high })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 5e-4
    }

    fn check(e: Option<Estimate>, value: f64, low: f64, high: f64) {
        let e = e.expect("an estimate");
        assert!(close(e.value, value) && close(e.low, low) && close(e.high, high), "{e:?} vs {value} [{low}, {high}]");
    }

    #[test]
    fn wilson_intervals_match_published_values() {
        // Newcombe (1998), table I: 81/263 → 0.2553–0.3662; 15/148 → 0.0624–0.1605; 0/20 → 0–0.1611.
        check(proportion(81, 263), 81.0 / 263.0, 0.2553, 0.3662);
        check(proportion(15, 148), 15.0 / 148.0, 0.0624, 0.1605);
        check(proportion(0, 20), 0.0, 0.0, 0.1611);
        check(proportion(20, 20), 1.0, 0.8389, 1.0);
        assert_eq!(proportion(3, 0), None);
    }

    #[test]
    fn newcombe_difference_matches_published_values() {
        // Newcombe (1998b), example (c): 56/70 − 48/80 → 0.2000, 0.0524–0.3339.
        check(difference(56, 70, 48, 80), 0.2, 0.0524, 0.3339);
        assert_eq!(difference(1, 0, 1, 2), None);
    }

    #[test]
    fn means() {
        let mut s = Sums::default();
        assert_eq!(s.mean(), None);
        s.push(4.0);
        check(s.mean(), 4.0, 4.0, 4.0);
        for x in [2.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0] {
            s.push(x);
        }
        // Values 4 2 4 4 5 5 7 9: mean 5, sample sd √(32/7) = 2.138; half-width 1.96·2.138/√8 = 1.4816.
        check(s.mean(), 5.0, 5.0 - 1.4816, 5.0 + 1.4816);
    }
}
