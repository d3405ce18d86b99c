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

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("not an ISO 4217 currency code: {0:?}")]
    BadCurrency(String),
    #[error("cannot combine {0} with {1}")]
    CurrencyMismatch(Currency, Currency),
    #[error("amount out of range")]
    Overflow,
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
}
