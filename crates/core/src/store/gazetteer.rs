//! Typed place → coordinates, from a gazetteer shipped with the SDK (no
//! geocoding service). The file is tab-separated, one place per line:
//!
//! ```text
//! # country  postal-prefixes  names (| separated)       lat      lon      population (thousands)
//! DE         10,12,13,14      Berlin|Берлин             52.5200  13.4050  3755
//! ```
//!
//! A query of digits (spaces, `-` and a leading `LT-`/`D-` style country code
//! allowed) is a postal code: it matches places of countries whose codes have
//! that many digits, by longest prefix. Anything else is a name: exact
//! (case-, accent- and apostrophe-insensitive) before prefix matches. Ties go
//! to the preferred country, then to the larger place.

use super::index::parse_degrees;
use super::GeoPoint;

#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    /// The first name on the line (the local spelling).
    pub name: String,
    pub country: String,
    pub location: GeoPoint,
    pub population_k: u32,
    postal_prefixes: Vec<String>,
    /// Normalised names.
    keys: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("gazetteer line {line}: {reason}")]
pub struct GazetteerError {
    pub line: usize,
    pub reason: String,
}

#[derive(Debug, Clone, Default)]
pub struct Gazetteer {
    places: Vec<Place>,
}

/// Digits in a postal code, per country (ISO 3166-1 alpha-2).
fn postal_digits(country: &str) -> Option<usize> {
    Some(match country {
        "AT" | "BE" | "CH" | "DK" | "HU" | "LU" | "NO" => 4,
        "CZ" | "DE" | "EE" | "ES" | "FI" | "FR" | "IT" | "LT" | "PL" | "SK" | "UA" | "HR" | "MD" => 5,
        "LV" => 4,
        "RO" | "BY" | "KZ" => 6,
        _ => return None,
    })
}

impl Gazetteer {
    pub fn parse(text: &str) -> Result<Gazetteer, GazetteerError> {
        let mut places = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let err = |reason: &str| GazetteerError { line: n + 1, reason: reason.into() };
            let f: Vec<&str> = line.split('\t').collect();
            let [country, postal, names, lat, lon, pop] = f[..] else { return Err(err("expected 6 tab-separated fields")) };
            let (Some(lat), Some(lon)) = (parse_degrees(lat), parse_degrees(lon)) else { return Err(err("latitude and longitude must be decimal numbers")) };
            let location = GeoPoint::new(lat, lon).map_err(|e| err(&e.to_string()))?;
            let country = country.trim().to_ascii_uppercase();
            if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_alphabetic()) {
                return Err(err("country must be a two-letter code"));
            }
            let names: Vec<&str> = names.split('|').map(str::trim).filter(|s| !s.is_empty()).collect();
            let Some(first) = names.first() else { return Err(err("a place needs a name")) };
            let postal_prefixes: Vec<String> = postal.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
            if postal_prefixes.iter().any(|p| !p.bytes().all(|b| b.is_ascii_digit())) {
                return Err(err("postal prefixes are digits"));
            }
            places.push(Place {
                name: (*first).to_string(),
                country,
                location,
                population_k: pop.trim().parse().map_err(|_| err("population must be a whole number"))?,
                postal_prefixes,
                keys: names.iter().map(|s| normalize(s)).collect(),
            });
        }
        Ok(Gazetteer { places })
    }

    pub fn len(&self) -> usize {
        self.places.len()
    }

    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// Up to `limit` places for a typed postal code or name, best first.
    /// An empty result means "no such place here", for the UI to say so.
    pub fn search(&self, query: &str, preferred_country: Option<&str>, limit: usize) -> Vec<&Place> {
        let q = normalize(query);
        if q.is_empty() {
            return Vec::new();
        }
        let preferred = |p: &Place| preferred_country.is_some_and(|c| c.eq_ignore_ascii_case(&p.country));
        let mut scored: Vec<(u32, &Place)> = match postal_query(&q) {
            Some((hint, digits)) => self
                .places
                .iter()
                .filter(|p| postal_digits(&p.country) == Some(digits.len()) && hint.is_none_or(|h| country_hint_matches(h, &p.country)))
                .filter_map(|p| p.postal_prefixes.iter().filter(|pre| digits.starts_with(pre.as_str())).map(|pre| pre.len() as u32).max().map(|len| (len, p)))
                .collect(),
            None => self
                .places
                .iter()
                .filter_map(|p| {
                    if p.keys.contains(&q) {
                        Some((2, p))
                    } else if q.chars().count() >= 2 && p.keys.iter().any(|k| k.starts_with(&q)) {
                        Some((1, p))
                    } else {
                        None
                    }
                })
                .collect(),
        };
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(preferred(b.1).cmp(&preferred(a.1))).then(b.1.population_k.cmp(&a.1.population_k)).then(a.1.name.cmp(&b.1.name)));
        scored.into_iter().take(limit).map(|(_, p)| p).collect()
    }
}

/// `D-10969` and `LT-01103` name the country; `D` is Germany's old prefix.
fn country_hint_matches(hint: &str, country: &str) -> bool {
    hint.eq_ignore_ascii_case(country) || (hint == "d" && country == "DE") || (hint == "a" && country == "AT")
}

/// `(country hint, digits)` if the normalised query is a postal code. The
/// way a code is written names its country too: `110 00` is Czech (or
/// Slovak), `00-017` Polish.
fn postal_query(q: &str) -> Option<(Option<&str>, String)> {
    let (mut hint, rest) = match q.split_once('-') {
        Some((h, rest)) if !h.is_empty() && h.len() <= 2 && h.chars().all(|c| c.is_ascii_alphabetic()) => (Some(h), rest),
        _ => (None, q),
    };
    let shape: String = rest.chars().map(|c| if c.is_ascii_digit() { '9' } else { c }).collect();
    if hint.is_none() {
        hint = match shape.as_str() {
            "999 99" => Some("cz"),
            "99-999" => Some("pl"),
            _ => None,
        };
    }
    let digits: String = rest.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    (digits.len() >= 3 && digits.len() <= 6 && digits.bytes().all(|b| b.is_ascii_digit())).then_some((hint, digits))
}

/// Lower case, Latin accents and `ё` folded, apostrophes unified, spaces collapsed.
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.trim().chars().flat_map(char::to_lowercase) {
        let folded = match c {
            'ä' | 'á' | 'à' | 'â' | 'ą' | 'å' => "a",
            'ć' | 'č' | 'ç' => "c",
            'ď' => "d",
            'é' | 'è' | 'ê' | 'ë' | 'ę' | 'ě' | 'ė' => "e",
            'í' | 'ì' | 'î' | 'ï' | 'į' => "i",
            'ł' => "l",
            'ń' | 'ň' | 'ñ' => "n",
            'ö' | 'ó' | 'ò' | 'ô' | 'ő' => "o",
            'ř' => "r",
            'ś' | 'š' => "s",
            'ß' => "ss",
            'ť' => "t",
            'ü' | 'ú' | 'ù' | 'û' | 'ů' | 'ū' | 'ų' => "u",
            'ý' => "y",
            'ź' | 'ż' | 'ž' => "z",
            'ё' => "е",
            '’' | 'ʼ' | '`' | '\'' => "'",
            c if c.is_whitespace() => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
                continue;
            }
            c => {
                out.push(c);
                continue;
            }
        };
        out.push_str(folded);
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# test gazetteer\n\
        DE\t10,12,13,14\tBerlin|Берлин\t52.52\t13.405\t3755\n\
        DE\t1446,1447,1448\tPotsdam|Потсдам\t52.39\t13.06\t185\n\
        DE\t80,81\tMünchen|Munich|Мюнхен\t48.137\t11.575\t1512\n\
        AT\t10,11,12\tWien|Vienna|Вена|Відень\t48.208\t16.373\t1982\n\
        CZ\t1\tPraha|Prague|Прага\t50.075\t14.437\t1357\n\
        PL\t00,01,02,03,04\tWarszawa|Warsaw|Варшава\t52.23\t21.01\t1863\n\
        UA\t01,02,03,04\tКиїв|Kyiv|Kiev|Киев\t50.45\t30.524\t2952\n\
        UA\t79\tЛьвів|Lviv|Львов\t49.84\t24.03\t717\n\
        LT\t01,02,03,04,05,06,07,08,09,10,11,12,13,14\tVilnius|Вильнюс|Вільнюс\t54.687\t25.28\t592\n\
        UA\t\tКам'янець-Подільський|Kamianets-Podilskyi\t48.68\t26.58\t99\n";

    fn names(g: &Gazetteer, q: &str, pref: Option<&str>) -> Vec<String> {
        g.search(q, pref, 5).iter().map(|p| format!("{} {}", p.name, p.country)).collect()
    }

    #[test]
    fn postal_codes() {
        let g = Gazetteer::parse(TEXT).unwrap();
        assert_eq!(names(&g, "10969", None), ["Berlin DE", "Vilnius LT", "Praha CZ"], "5 digits: not Vienna; Vilnius and Prague use 10… too");
        assert_eq!(names(&g, "1060", None), ["Wien AT"], "4 digits: Austria");
        assert_eq!(names(&g, "14467", None), ["Potsdam DE", "Berlin DE", "Vilnius LT", "Praha CZ"], "longest prefix first");
        assert_eq!(names(&g, "110 00", None), ["Praha CZ"], "written the Czech way");
        assert_eq!(names(&g, "11000", None), ["Vilnius LT", "Praha CZ"]);
        assert_eq!(names(&g, "00-017", None), ["Warszawa PL"]);
        assert_eq!(names(&g, "79008", None), ["Львів UA"]);
        // 01001 is Kyiv, Warsaw and Vilnius alike: the preferred country wins, then size.
        assert_eq!(names(&g, "01001", Some("UA"))[0], "Київ UA");
        assert_eq!(names(&g, "01001", Some("LT"))[0], "Vilnius LT");
        assert_eq!(names(&g, "01001", None)[0], "Київ UA");
        assert_eq!(names(&g, "LT-01103", None), ["Vilnius LT"], "a country prefix narrows it");
        assert_eq!(names(&g, "D-10969", None), ["Berlin DE"]);
        assert!(names(&g, "99999", None).is_empty());
        assert!(names(&g, "123456789", None).is_empty());
    }

    #[test]
    fn names_in_any_script() {
        let g = Gazetteer::parse(TEXT).unwrap();
        assert_eq!(names(&g, "munchen", None), ["München DE"]);
        assert_eq!(names(&g, "  MÜNCHEN ", None), ["München DE"]);
        assert_eq!(names(&g, "киев", None), ["Київ UA"]);
        assert_eq!(names(&g, "Львов", None), ["Львів UA"]);
        assert_eq!(names(&g, "kam’yanets", None), Vec::<String>::new(), "no such spelling");
        assert_eq!(names(&g, "Кам’янець", None), ["Кам'янець-Подільський UA"], "typographic apostrophe");
        assert_eq!(names(&g, "vi", None), ["Wien AT", "Vilnius LT"], "prefixes, larger first");
        assert!(names(&g, "Atlantis", None).is_empty());
        assert!(names(&g, "   ", None).is_empty());
        assert!(names(&g, "<script>", None).is_empty());
    }

    #[test]
    fn bad_files_name_the_line() {
        assert_eq!(Gazetteer::parse("DE\t10\tBerlin\t52\n").unwrap_err().line, 1);
        assert!(Gazetteer::parse("# c\nDE\t10\tBerlin\t152\t13\t1\n").unwrap_err().reason.contains("latitude"));
        assert!(Gazetteer::parse("DE\tx1\tBerlin\t52\t13\t1\n").is_err());
        assert!(Gazetteer::parse("DEU\t10\tBerlin\t52\t13\t1\n").is_err());
        assert!(Gazetteer::parse("DE\t10\t\t52\t13\t1\n").is_err());
        assert!(Gazetteer::parse("").unwrap().is_empty());
    }

    #[test]
    fn shipped_gazetteer_parses_and_finds_every_demo_city() {
        let text = include_str!("../../../../www/src/gazetteer.tsv");
        let g = Gazetteer::parse(text).unwrap();
        assert!(g.len() >= 40, "{}", g.len());
        for (q, want) in [("10178", "Berlin"), ("20095", "Hamburg"), ("80331", "München"), ("1060", "Wien"), ("110 00", "Praha"), ("00-017", "Warszawa"), ("31-019", "Kraków"), ("LT-01103", "Vilnius"), ("79008", "Львів"), ("Kyiv", "Київ"), ("Kraków", "Kraków"), ("Lemberg", "Львів")] {
            let got = g.search(q, None, 1);
            assert_eq!(got.first().map(|p| p.name.as_str()), Some(want), "{q}");
        }
    }
}
