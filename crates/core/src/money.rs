//! Money: integer minor units plus an ISO 4217 currency. Never floating point.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// An ISO 4217 alphabetic currency code, e.g. `EUR`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    pub const EUR: Currency = Currency(*b"EUR");
    pub const USD: Currency = Currency(*b"USD");
    pub const UAH: Currency = Currency(*b"UAH");

    /// Parses a three-letter upper-case code.
    pub fn new(code: &str) -> Result<Self, MoneyError> {
        let b = code.as_bytes();
        if b.len() == 3 && b.iter().all(u8::is_ascii_uppercase) {
            Ok(Currency([b[0], b[1], b[2]]))
        } else {
            Err(MoneyError::BadCurrency(code.chars().take(16).collect()))
        }
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII upper-case letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Digits after the decimal point (ISO 4217 minor unit exponent).
    pub fn exponent(&self) -> u32 {
        match &self.0 {
            b"BIF" | b"CLP" | b"DJF" | b"GNF" | b"ISK" | b"JPY" | b"KMF" | b"KRW" | b"PYG"
            | b"RWF" | b"UGX" | b"UYI" | b"VND" | b"VUV" | b"XAF" | b"XOF" | b"XPF" => 0,
            b"BHD" | b"IQD" | b"JOD" | b"KWD" | b"LYD" | b"OMR" | b"TND" => 3,
            _ => 2,
        }
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Currency::new(&s).map_err(serde::de::Error::custom)
    }
}
impl crate::json::FromJson for Currency {
    fn from_json(v: &crate::json::Value) -> Result<Self, crate::json::JsonError> {
        let s = String::from_json(v)?;
        Currency::new(&s).map_err(|e| crate::json::JsonError::invalid(e.to_string()))
    }
}
impl crate::json::ToJson for Currency {
    fn write_json(&self, out: &mut String) {
        crate::json::write_str(out, self.as_str());
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("not an ISO 4217 currency code: \"{0}\"")]
    BadCurrency(String),
    #[error("cannot combine {0} with {1}")]
    CurrencyMismatch(Currency, Currency),
    #[error("amount out of range")]
    Overflow,
    #[error("not a decimal amount: \"{0}\"")]
    BadAmount(String),
}

/// An amount of money in minor units (cents, kopecks) of one currency.
///
/// Serialized as `{"amount": 1999, "currency": "EUR"}`: the amount is an
/// integer count of minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub amount: i64,
    pub currency: Currency,
}
crate::json_object!(Money { req amount, req currency });

impl Money {
    pub const fn new(amount: i64, currency: Currency) -> Self {
        Money { amount, currency }
    }
    pub const fn zero(currency: Currency) -> Self {
        Money { amount: 0, currency }
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch(self.currency, other.currency));
        }
        let amount = self.amount.checked_add(other.amount).ok_or(MoneyError::Overflow)?;
        Ok(Money::new(amount, self.currency))
    }

    pub fn checked_mul(self, quantity: u32) -> Result<Money, MoneyError> {
        let amount = self.amount.checked_mul(i64::from(quantity)).ok_or(MoneyError::Overflow)?;
        Ok(Money::new(amount, self.currency))
    }

    /// Sums amounts of one currency; an empty iterator gives zero of `currency`.
    pub fn sum<I: IntoIterator<Item = Money>>(currency: Currency, items: I) -> Result<Money, MoneyError> {
        items.into_iter().try_fold(Money::zero(currency), Money::checked_add)
    }

    /// The exact decimal amount, e.g. `"19.99"`, `"-0.05"`, `"1500"` for JPY.
    ///
    /// This is what the browser hands to `Intl.NumberFormat` (which takes
    /// decimal strings exactly), so no float ever touches a price.
    pub fn to_decimal_string(&self) -> String {
        let exp = self.currency.exponent();
        let neg = self.amount < 0;
        let abs = self.amount.unsigned_abs();
        let mut out = String::new();
        if neg {
            out.push('-');
        }
        if exp == 0 {
            out.push_str(&abs.to_string());
        } else {
            let div = 10u64.pow(exp);
            out.push_str(&(abs / div).to_string());
            out.push('.');
            let frac = (abs % div).to_string();
            for _ in frac.len()..exp as usize {
                out.push('0');
            }
            out.push_str(&frac);
        }
        out
    }
}

impl Money {
    /// Parses a decimal amount in major units, e.g. `"12"`, `"12.5"`,
    /// `"-0.05"`, `"1e2"` (as a JSON number's text), exactly: digits beyond
    /// the currency's minor unit round half away from zero (`"0.125"` EUR is
    /// 13 cents), never through a float.
    pub fn from_major(text: &str, currency: Currency) -> Result<Money, MoneyError> {
        let minor = scaled_major(text, currency.exponent())?;
        Ok(Money::new(i64::try_from(minor).map_err(|_| MoneyError::Overflow)?, currency))
    }

    /// An amount already in minor units, given as text (`"1999"`) by APIs
    /// that send integers as strings; `minor_unit` is the exponent the API
    /// states, converted to the currency's own.
    pub fn from_minor(text: &str, minor_unit: u32, currency: Currency) -> Result<Money, MoneyError> {
        let t = text.trim();
        if t.is_empty() || !t.trim_start_matches('-').bytes().all(|b| b.is_ascii_digit()) || minor_unit > 18 {
            return Err(MoneyError::BadAmount(t.chars().take(40).collect()));
        }
        Money::from_major(&format!("{t}e-{minor_unit}"), currency)
    }
}

/// A decimal amount in major units (`"12.5"`, `"-0.05"`, `"1e2"`) as an
/// integer count of 10^-`digits` major units, digits beyond that rounded half
/// away from zero, never through a float.
fn scaled_major(text: &str, digits: u32) -> Result<i128, MoneyError> {
    let bad = || MoneyError::BadAmount(text.chars().take(40).collect());
    let t = text.trim();
    let (mantissa, exp10) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], t[i + 1..].parse::<i32>().map_err(|_| bad())?),
        None => (t, 0),
    };
    let (neg, digits_text) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa.strip_prefix('+').unwrap_or(mantissa)),
    };
    let (int, frac) = digits_text.split_once('.').unwrap_or((digits_text, ""));
    if int.is_empty() && frac.is_empty() || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) || !(-40..=40).contains(&exp10) {
        return Err(bad());
    }
    // All digits as one integer, and where the decimal point falls among them.
    let all: String = int.chars().chain(frac.chars()).collect();
    let all = all.trim_start_matches('0');
    let point = frac.len() as i32 - exp10; // digits after the point
    let shift = digits as i32 - point;
    let value: i128 = if all.is_empty() { 0 } else { all.parse::<i128>().map_err(|_| MoneyError::Overflow)? };
    let scaled = if shift >= 0 {
        value.checked_mul(10i128.checked_pow(shift as u32).ok_or(MoneyError::Overflow)?).ok_or(MoneyError::Overflow)?
    } else {
        let div = 10i128.checked_pow((-shift) as u32).ok_or(MoneyError::Overflow)?;
        (value + div / 2) / div
    };
    Ok(if neg { -scaled } else { scaled })
}

/// Digits below the minor unit an [`Exact`] keeps.
pub const EXACT_DIGITS: u32 = 6;

/// An amount as a backend computed it, below the minor unit (Medusa sends
/// `2.985` off and a total of `16.915`): millionths of a minor unit. Figures
/// are rounded to [`Money`] once, together, by `cart::Figures::settle`, so
/// the rounded figures still add up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Exact {
    pub micros: i128,
    pub currency: Currency,
}

impl Exact {
    const SCALE: i128 = 10i128.pow(EXACT_DIGITS);

    /// Refuses what would not round to a [`Money`], so sums of figures
    /// stay far inside `i128`.
    pub fn from_major(text: &str, currency: Currency) -> Result<Exact, MoneyError> {
        let micros = scaled_major(text, currency.exponent() + EXACT_DIGITS)?;
        if micros.unsigned_abs() > i64::MAX.unsigned_abs() as u128 * Exact::SCALE as u128 {
            return Err(MoneyError::Overflow);
        }
        Ok(Exact { micros, currency })
    }

    pub fn zero(currency: Currency) -> Exact {
        Exact { micros: 0, currency }
    }

    /// Rounded half away from zero to the minor unit.
    pub fn round(self) -> Result<Money, MoneyError> {
        let half = Exact::SCALE / 2;
        let minor = if self.micros >= 0 { (self.micros + half) / Exact::SCALE } else { (self.micros - half) / Exact::SCALE };
        Ok(Money::new(i64::try_from(minor).map_err(|_| MoneyError::Overflow)?, self.currency))
    }

    pub(crate) fn scale() -> i128 {
        Exact::SCALE
    }
}

impl From<Money> for Exact {
    fn from(m: Money) -> Exact {
        Exact { micros: i128::from(m.amount) * Exact::SCALE, currency: m.currency }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to_decimal_string(), self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_decimal(amount: i64, code: &str, expected: &str) {
        let m = Money::new(amount, Currency::new(code).unwrap());
        assert_eq!(m.to_decimal_string(), expected, "{amount} {code}");
    }

    #[test]
    fn exact_amounts_keep_sub_cent_digits_and_refuse_absurd_ones() {
        let eur = |t: &str| Exact::from_major(t, Currency::EUR);
        assert_eq!(eur("16.915").map(|e| e.micros), Ok(1_691_500_000));
        assert_eq!(eur("16.915").and_then(Exact::round), Ok(Money::new(1692, Currency::EUR)));
        assert_eq!(eur("-2.985").and_then(Exact::round), Ok(Money::new(-299, Currency::EUR)));
        assert_eq!(eur("92233720368547758.07").and_then(Exact::round), Ok(Money::new(i64::MAX, Currency::EUR)));
        for absurd in ["92233720368547758.08", "1e40", "-1e30"] {
            assert_eq!(eur(absurd), Err(MoneyError::Overflow), "{absurd}");
        }
    }

    #[test]
    fn decimal_strings() {
        check_decimal(0, "EUR", "0.00");
        check_decimal(5, "EUR", "0.05");
        check_decimal(1999, "EUR", "19.99");
        check_decimal(-5, "USD", "-0.05");
        check_decimal(-123456, "UAH", "-1234.56");
        check_decimal(1500, "JPY", "1500");
        check_decimal(1, "KWD", "0.001");
        check_decimal(i64::MIN, "EUR", "-92233720368547758.08");
    }

    fn check_currency(code: &str, ok: bool) {
        assert_eq!(Currency::new(code).is_ok(), ok, "{code:?}");
    }

    #[test]
    fn currency_codes() {
        check_currency("EUR", true);
        check_currency("eur", false);
        check_currency("EURO", false);
        check_currency("", false);
        check_currency("E€", false);
        check_currency("<b>", false);
    }

    #[test]
    fn arithmetic_refuses_mixed_currency_and_overflow() {
        let eur = Money::new(100, Currency::EUR);
        let usd = Money::new(100, Currency::USD);
        assert_eq!(eur.checked_add(usd), Err(MoneyError::CurrencyMismatch(Currency::EUR, Currency::USD)));
        assert_eq!(Money::new(i64::MAX, Currency::EUR).checked_add(eur), Err(MoneyError::Overflow));
        assert_eq!(Money::new(i64::MAX / 2 + 1, Currency::EUR).checked_mul(2), Err(MoneyError::Overflow));
        assert_eq!(eur.checked_mul(3), Ok(Money::new(300, Currency::EUR)));
        assert_eq!(Money::sum(Currency::EUR, []), Ok(Money::zero(Currency::EUR)));
    }

    #[test]
    fn serde_shape() {
        let m = Money::new(1999, Currency::EUR);
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"amount":1999,"currency":"EUR"}"#);
        assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
        assert!(serde_json::from_str::<Money>(r#"{"amount":19.99,"currency":"EUR"}"#).is_err());
        assert!(serde_json::from_str::<Money>(r#"{"amount":1,"currency":"euro"}"#).is_err());
    }

    proptest::proptest! {
        #[test]
        fn decimal_string_round_trips(amount in proptest::num::i64::ANY, code in proptest::sample::select(vec!["EUR", "JPY", "KWD"])) {
            let m = Money::new(amount, Currency::new(code).unwrap());
            let s = m.to_decimal_string();
            let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
            let back: i128 = digits.parse::<i128>().unwrap() * if s.starts_with('-') { -1 } else { 1 };
            proptest::prop_assert_eq!(back, i128::from(amount));
            let frac_len = s.split('.').nth(1).map_or(0, str::len) as u32;
            proptest::prop_assert_eq!(frac_len, m.currency.exponent());
        }
    }

    fn major(text: &str, code: &str) -> Result<i64, MoneyError> {
        Money::from_major(text, Currency::new(code).unwrap()).map(|m| m.amount)
    }

    #[test]
    fn major_units_parse_exactly() {
        // 0.1 + 0.2 in floats is 0.30000000000000004; as decimals it is 30 cents.
        assert_eq!(major("0.1", "EUR").unwrap() + major("0.2", "EUR").unwrap(), 30);
        assert_eq!(major("0.30000000000000004", "EUR"), Ok(30));
        assert_eq!(major("12", "EUR"), Ok(1200));
        assert_eq!(major("12.5", "EUR"), Ok(1250));
        assert_eq!(major("19.99", "USD"), Ok(1999));
        assert_eq!(major("-0.05", "EUR"), Ok(-5));
        assert_eq!(major("1500", "JPY"), Ok(1500));
        assert_eq!(major("1500.4", "JPY"), Ok(1500));
        assert_eq!(major("1500.5", "JPY"), Ok(1501), "half away from zero");
        assert_eq!(major("-1500.5", "JPY"), Ok(-1501));
        assert_eq!(major("1.234", "KWD"), Ok(1234));
        assert_eq!(major("0.125", "EUR"), Ok(13));
        assert_eq!(major("0.124999", "EUR"), Ok(12));
        assert_eq!(major("1e2", "EUR"), Ok(10000));
        assert_eq!(major("1.5E-1", "EUR"), Ok(15));
        assert_eq!(major("007.10", "EUR"), Ok(710));
        assert_eq!(major(".5", "EUR"), Ok(50));
        assert_eq!(major("92233720368547758.07", "EUR"), Ok(i64::MAX));
        assert_eq!(major("92233720368547758.08", "EUR"), Err(MoneyError::Overflow));
        assert_eq!(major("1e40", "EUR"), Err(MoneyError::Overflow));
        for bad in ["", "-", ".", "12,50", "1.2.3", "NaN", "Infinity", "0x10", "1e", "1e999", "12 EUR", "<b>1</b>"] {
            assert!(matches!(major(bad, "EUR"), Err(MoneyError::BadAmount(_))), "{bad:?}");
        }
    }

    #[test]
    fn minor_units_with_an_exponent() {
        let eur = Currency::EUR;
        assert_eq!(Money::from_minor("1999", 2, eur).unwrap().amount, 1999);
        // An API that counts tenths of a cent for EUR, and whole yen with a stated exponent of 0.
        assert_eq!(Money::from_minor("19995", 3, eur).unwrap().amount, 2000);
        assert_eq!(Money::from_minor("1500", 0, Currency::new("JPY").unwrap()).unwrap().amount, 1500);
        assert_eq!(Money::from_minor("-250", 2, eur).unwrap().amount, -250);
        for bad in ["", "12.5", "1e3", "abc"] {
            assert!(Money::from_minor(bad, 2, eur).is_err(), "{bad:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn major_round_trips_minor(amount in -1_000_000_000_000i64..1_000_000_000_000, code in proptest::sample::select(vec!["EUR", "JPY", "KWD"])) {
            let m = Money::new(amount, Currency::new(code).unwrap());
            proptest::prop_assert_eq!(Money::from_major(&m.to_decimal_string(), m.currency), Ok(m));
        }
    }
}
