//! Opening hours at a moment: "open now, closes 21:00", "opens tomorrow
//! 10:00", and when a pickup can be ready.
//!
//! Core has no time-zone database: the edge passes a [`Zone`] that answers the
//! store zone's UTC offset at an instant (the browser asks `Intl`, native code
//! a tz database). Everything else — weekdays, holidays, hours past midnight,
//! the walk to the next opening — is computed here, in the store's local time.

use super::{Interval, OpeningHours};

const DAY: i64 = 1440;
const MINUTE_MS: i64 = 60_000;
/// Latest close an interval may have: the next day's midnight.
pub const MAX_CLOSE: u16 = 2 * DAY as u16;
/// How far ahead the next opening is looked for.
const HORIZON_DAYS: i64 = 14;

/// The UTC offset of one time zone at an instant.
pub trait Zone {
    /// Minutes east of UTC at `utc_ms` (Kyiv in summer: 180).
    fn offset_minutes(&self, utc_ms: i64) -> i32;
}

/// A zone that never changes its offset (tests, or `Etc/GMT-2`).
#[derive(Debug, Clone, Copy)]
pub struct FixedOffset(pub i32);

impl Zone for FixedOffset {
    fn offset_minutes(&self, _utc_ms: i64) -> i32 {
        self.0
    }
}

impl<F: Fn(i64) -> i32> Zone for F {
    fn offset_minutes(&self, utc_ms: i64) -> i32 {
        self(utc_ms)
    }
}

/// Days since 1970-01-01 for a proleptic Gregorian date.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date `(year, month, day)` of a day number from [`days_from_civil`].
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if month <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, month, day)
}

/// Day of the week, Monday = 0.
pub fn weekday(days: i64) -> u8 {
    (days + 3).rem_euclid(7) as u8
}

/// Parses `YYYY-MM-DD` into a day number; `None` if it is not a real date.
pub fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<u32>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let days = days_from_civil(i64::from(y), m, d);
    (civil_from_days(days) == (i64::from(y), m, d)).then_some(days)
}

/// Why opening hours are refused when a catalog is loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoursError {
    #[error("opening hours need a time zone")]
    NoTimeZone,
    #[error("opening hours need seven days (Monday first), got {0}")]
    NotSevenDays(usize),
    #[error("interval {open}-{close} must open before it closes, and close by {MAX_CLOSE} minutes (next day's midnight)")]
    BadInterval { open: u16, close: u16 },
    #[error("exception date {0:?} is not a YYYY-MM-DD date")]
    BadDate(String),
}

impl OpeningHours {
    /// Whether these hours say anything: a time zone and a seven-day week.
    /// A store without them has unknown hours — never "closed".
    pub fn is_known(&self) -> bool {
        !self.timezone.is_empty() && self.weekly.len() == 7
    }

    pub fn validate(&self) -> Result<(), HoursError> {
        if self.timezone.is_empty() {
            return Err(HoursError::NoTimeZone);
        }
        if self.weekly.len() != 7 {
            return Err(HoursError::NotSevenDays(self.weekly.len()));
        }
        let all = self.weekly.iter().flatten().chain(self.exceptions.iter().flat_map(|e| &e.intervals));
        if let Some(bad) = all.into_iter().find(|i| !valid_interval(i)) {
            return Err(HoursError::BadInterval { open: bad.open, close: bad.close });
        }
        match self.exceptions.iter().find(|e| parse_date(&e.date).is_none()) {
            Some(e) => Err(HoursError::BadDate(e.date.clone())),
            None => Ok(()),
        }
    }

    fn intervals_on(&self, day: i64) -> &[Interval] {
        let exception = self.exceptions.iter().find(|e| parse_date(&e.date) == Some(day));
        match exception {
            Some(e) => &e.intervals,
            None => &self.weekly[usize::from(weekday(day))],
        }
    }

    /// Open spans in minutes after local midnight of `today`, from the day
    /// before (its hours may run past midnight) to `days` ahead; sorted,
    /// overlapping and touching spans merged.
    fn spans(&self, today: i64, days: i64) -> Vec<(i64, i64)> {
        let mut spans: Vec<(i64, i64)> = (-1..=days)
            .flat_map(|d| self.intervals_on(today + d).iter().filter(|i| valid_interval(i)).map(move |i| (d * DAY + i64::from(i.open), d * DAY + i64::from(i.close))))
            .collect();
        spans.sort_unstable();
        let mut merged: Vec<(i64, i64)> = Vec::with_capacity(spans.len());
        for (open, close) in spans {
            match merged.last_mut() {
                Some(last) if open <= last.1 => last.1 = last.1.max(close),
                _ => merged.push((open, close)),
            }
        }
        merged
    }
}

fn valid_interval(i: &Interval) -> bool {
    i.open < i.close && i.close <= MAX_CLOSE
}

/// A local wall-clock moment relative to "today" in the store's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    /// 0 = today, 1 = tomorrow, ...
    pub day: i64,
    /// Minutes after local midnight, 0..1440.
    pub minute: u16,
    /// Monday = 0.
    pub weekday: u8,
    pub utc_ms: i64,
}

impl LocalTime {
    /// `HH:MM`, 24-hour.
    pub fn hhmm(&self) -> String {
        format!("{:02}:{:02}", self.minute / 60, self.minute % 60)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenStatus {
    /// The store gave no usable hours.
    Unknown,
    /// Open now; `closes` is `None` when it stays open past the horizon.
    Open { closes: Option<LocalTime> },
    /// Closed now; `opens` is `None` when it does not open within two weeks.
    Closed { opens: Option<LocalTime> },
}

/// "Now" in a zone: the local day number and the minute of that day.
struct Clock<'z> {
    zone: &'z dyn Zone,
    today: i64,
    minute: i64,
}

impl<'z> Clock<'z> {
    fn new(zone: &'z dyn Zone, now_ms: i64) -> Self {
        let local = now_ms.div_euclid(MINUTE_MS) + i64::from(zone.offset_minutes(now_ms));
        Clock { zone, today: local.div_euclid(DAY), minute: local.rem_euclid(DAY) }
    }

    /// The moment at `m` minutes after today's local midnight. Local times
    /// are mapped to UTC with the offset in force there (two passes, so a DST
    /// change between now and then is honoured).
    fn at(&self, m: i64) -> LocalTime {
        let local_min = self.today * DAY + m;
        let guess = local_min - i64::from(self.zone.offset_minutes((local_min) * MINUTE_MS));
        let utc_min = local_min - i64::from(self.zone.offset_minutes(guess * MINUTE_MS));
        let day = m.div_euclid(DAY);
        LocalTime { day, minute: m.rem_euclid(DAY) as u16, weekday: weekday(self.today + day), utc_ms: utc_min * MINUTE_MS }
    }
}

/// Whether the store is open at `now_ms`, and until / from when.
pub fn open_status(hours: &OpeningHours, zone: &dyn Zone, now_ms: i64) -> OpenStatus {
    if !hours.is_known() {
        return OpenStatus::Unknown;
    }
    let clock = Clock::new(zone, now_ms);
    let spans = hours.spans(clock.today, HORIZON_DAYS);
    let horizon_end = (HORIZON_DAYS + 1) * DAY;
    if let Some(&(_, close)) = spans.iter().find(|(o, c)| *o <= clock.minute && clock.minute < *c) {
        return OpenStatus::Open { closes: (close < horizon_end).then(|| clock.at(close)) };
    }
    OpenStatus::Closed { opens: spans.iter().find(|(o, _)| *o > clock.minute).map(|&(o, _)| clock.at(o)) }
}

/// Minutes before closing within which an order is not promised the same day.
const PICKUP_CUTOFF_MIN: i64 = 30;

/// When an order placed at `now_ms` can be collected: `lead_hours` later
/// (rounded up to the quarter hour), moved to the next opening if the store
/// is closed then or closes within 30 minutes. `None` if the hours are
/// unknown or the store does not open within two weeks of that.
pub fn pickup_ready(hours: &OpeningHours, zone: &dyn Zone, now_ms: i64, lead_hours: u32) -> Option<LocalTime> {
    if !hours.is_known() {
        return None;
    }
    let clock = Clock::new(zone, now_ms);
    let ready = clock.minute + i64::from(lead_hours) * 60;
    let ready = (ready + 14) / 15 * 15;
    let days = ready.div_euclid(DAY) + HORIZON_DAYS;
    let spans = hours.spans(clock.today, days);
    spans.iter().find_map(|&(open, close)| {
        if close - PICKUP_CUTOFF_MIN <= ready || close - open <= PICKUP_CUTOFF_MIN {
            None
        } else {
            Some(clock.at(ready.max(open)))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::HoursException;

    fn iv(open: (u16, u16), close: (u16, u16)) -> Interval {
        Interval { open: open.0 * 60 + open.1, close: close.0 * 60 + close.1 }
    }

    /// Mon–Sat 10–20, Sunday closed; Friday and Saturday until 01:00.
    fn hours() -> OpeningHours {
        let mut weekly = vec![vec![iv((10, 0), (20, 0))]; 6];
        weekly[4] = vec![iv((10, 0), (25, 0))];
        weekly[5] = vec![iv((10, 0), (25, 0))];
        weekly.push(vec![]);
        OpeningHours {
            timezone: "Test/Zone".into(),
            weekly,
            exceptions: vec![
                HoursException { date: "2026-12-25".into(), intervals: vec![] },
                HoursException { date: "2026-12-24".into(), intervals: vec![iv((10, 0), (14, 0))] },
            ],
        }
    }

    /// UTC milliseconds of a local time at a fixed offset.
    fn at(date: &str, h: i64, m: i64, offset_min: i64) -> i64 {
        (parse_date(date).unwrap() * DAY + h * 60 + m - offset_min) * MINUTE_MS
    }

    fn describe(s: OpenStatus) -> String {
        let t = |t: LocalTime| format!("d{} {}", t.day, t.hhmm());
        match s {
            OpenStatus::Unknown => "unknown".into(),
            OpenStatus::Open { closes } => format!("open, closes {}", closes.map_or("never".into(), t)),
            OpenStatus::Closed { opens } => format!("closed, opens {}", opens.map_or("never".into(), t)),
        }
    }

    #[test]
    fn civil_dates_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(weekday(0), 3, "1970-01-01 was a Thursday");
        assert_eq!(weekday(parse_date("2026-11-23").unwrap()), 0, "2026-11-23 is a Monday");
        for d in [-800_000, -1, 0, 59, 11_016, 20_000, 2_000_000] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
        assert_eq!(parse_date("2028-02-29"), Some(days_from_civil(2028, 2, 29)));
        assert_eq!(parse_date("2026-02-29"), None);
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("26-1-1"), None);
    }

    fn check_status(date: &str, h: i64, m: i64, expected: &str) {
        let zone = FixedOffset(120);
        let got = describe(open_status(&hours(), &zone, at(date, h, m, 120)));
        assert_eq!(got, expected, "{date} {h:02}:{m:02}");
    }

    #[test]
    fn status_table() {
        // 2026-11-23 is a Monday.
        check_status("2026-11-23", 9, 59, "closed, opens d0 10:00");
        check_status("2026-11-23", 10, 0, "open, closes d0 20:00");
        check_status("2026-11-23", 19, 59, "open, closes d0 20:00");
        check_status("2026-11-23", 20, 0, "closed, opens d1 10:00");
        // Friday: open past midnight.
        check_status("2026-11-27", 23, 30, "open, closes d1 01:00");
        // Saturday 00:30 is still Friday's late opening.
        check_status("2026-11-28", 0, 30, "open, closes d0 01:00");
        check_status("2026-11-28", 1, 0, "closed, opens d0 10:00");
        // Sunday 00:30 belongs to Saturday's late opening; then closed Sunday.
        check_status("2026-11-29", 0, 30, "open, closes d0 01:00");
        check_status("2026-11-29", 12, 0, "closed, opens d1 10:00");
        // Holidays: Christmas Eve short, Christmas closed.
        check_status("2026-12-24", 13, 0, "open, closes d0 14:00");
        check_status("2026-12-24", 15, 0, "closed, opens d2 10:00");
    }

    #[test]
    fn same_instant_in_two_zones() {
        // 2026-11-23 08:30 UTC: 09:30 in Berlin (+60, closed), 10:30 in Kyiv (+120, open).
        let now = at("2026-11-23", 8, 30, 0);
        assert_eq!(describe(open_status(&hours(), &FixedOffset(60), now)), "closed, opens d0 10:00");
        assert_eq!(describe(open_status(&hours(), &FixedOffset(120), now)), "open, closes d0 20:00");
        // Across the date line the local day differs: 2026-11-23 23:30 UTC is Tuesday 12:30 at +13.
        let late = at("2026-11-23", 23, 30, 0);
        let s = open_status(&hours(), &FixedOffset(13 * 60), late);
        assert_eq!(describe(s), "open, closes d0 20:00");
        let OpenStatus::Open { closes: Some(c) } = s else { unreachable!() };
        assert_eq!(c.weekday, 1, "Tuesday");
        assert_eq!(c.utc_ms, at("2026-11-24", 20, 0, 13 * 60));
    }

    #[test]
    fn dst_change_moves_the_utc_instant() {
        // A zone at +60 until 2026-03-29 01:00 UTC, +120 after (Central Europe).
        let switch = at("2026-03-29", 1, 0, 0);
        let zone = move |utc: i64| if utc < switch { 60 } else { 120 };
        // Saturday 2026-03-28 21:00 local (+60): closed... no, Saturday runs to 01:00.
        let now = at("2026-03-28", 21, 0, 60);
        let OpenStatus::Open { closes: Some(c) } = open_status(&hours(), &zone, now) else { panic!() };
        assert_eq!(c.hhmm(), "01:00");
        assert_eq!(c.utc_ms, at("2026-03-29", 0, 0, 0), "01:00 local is still +60");
        // Monday 10:00 local is after the switch: 08:00 UTC.
        let OpenStatus::Closed { opens: Some(o) } = open_status(&hours(), &zone, at("2026-03-29", 12, 0, 120)) else { panic!() };
        assert_eq!((o.day, o.hhmm()), (1, "10:00".to_string()));
        assert_eq!(o.utc_ms, at("2026-03-30", 8, 0, 0));
    }

    #[test]
    fn unknown_and_never() {
        let mut h = hours();
        h.timezone.clear();
        assert_eq!(open_status(&h, &FixedOffset(0), 0), OpenStatus::Unknown);
        assert_eq!(pickup_ready(&h, &FixedOffset(0), 0, 2), None);
        let h = OpeningHours { timezone: "UTC".into(), weekly: vec![vec![]; 7], exceptions: vec![] };
        assert_eq!(open_status(&h, &FixedOffset(0), 0), OpenStatus::Closed { opens: None });
        let h = OpeningHours { timezone: "UTC".into(), weekly: vec![vec![Interval { open: 0, close: 1440 }]; 7], exceptions: vec![] };
        assert_eq!(open_status(&h, &FixedOffset(0), 0), OpenStatus::Open { closes: None }, "open around the clock");
    }

    fn check_pickup(date: &str, h: i64, m: i64, lead: u32, expected: &str) {
        let got = pickup_ready(&hours(), &FixedOffset(120), at(date, h, m, 120), lead).map_or("none".into(), |t| format!("d{} {}", t.day, t.hhmm()));
        assert_eq!(got, expected, "{date} {h:02}:{m:02} +{lead}h");
    }

    #[test]
    fn pickup_table() {
        check_pickup("2026-11-23", 11, 5, 2, "d0 13:15");
        check_pickup("2026-11-23", 8, 0, 2, "d0 10:00");
        // Ready 19:45 is within 30 minutes of closing: tomorrow at opening.
        check_pickup("2026-11-23", 17, 45, 2, "d1 10:00");
        check_pickup("2026-11-23", 21, 0, 2, "d1 10:00");
        // Saturday evening: Sunday closed, so Monday.
        check_pickup("2026-11-28", 23, 0, 3, "d2 10:00");
        // A two-day transfer.
        check_pickup("2026-11-23", 12, 0, 48, "d2 12:00");
        // Christmas: the 24th closes at 14:00, the 25th is closed.
        check_pickup("2026-12-24", 12, 0, 2, "d2 10:00");
    }

    #[test]
    fn validation() {
        assert_eq!(hours().validate(), Ok(()));
        let mut h = hours();
        h.weekly.pop();
        assert_eq!(h.validate(), Err(HoursError::NotSevenDays(6)));
        let mut h = hours();
        h.weekly[0] = vec![Interval { open: 600, close: 500 }];
        assert!(matches!(h.validate(), Err(HoursError::BadInterval { .. })));
        let mut h = hours();
        h.exceptions[0].date = "25.12.2026".into();
        assert!(matches!(h.validate(), Err(HoursError::BadDate(_))));
    }
}
