//! Reading the timestamps the server writes (RFC 3339, e.g. `2026-12-07T21:29:09.123456Z`)
//! without chrono's general-purpose parser: the SPA's first load reads `Me`, and that parser
//! alone would be a tenth of the app's own code there. Fields opt in with
//! `#[serde(deserialize_with = "crate::time::rfc3339")]` (or `calendar_date` for an optional
//! `YYYY-MM-DD`); the result is exactly chrono's.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Deserializer};

/// Deserializes an RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS`, an optional fraction of a
/// second, then `Z` or an offset `±HH:MM`.
pub fn rfc3339<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse(&text).ok_or_else(|| serde::de::Error::custom("expected an RFC 3339 date-time"))
}

/// Deserializes an optional calendar date, `YYYY-MM-DD`.
pub fn calendar_date<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<NaiveDate>, D::Error> {
    Option::<String>::deserialize(deserializer)?
        .map(|text| {
            parse_date(&text).ok_or_else(|| serde::de::Error::custom("expected YYYY-MM-DD"))
        })
        .transpose()
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    (text.len() == 10).then_some(())?;
    let date = parse(&format!("{text}T00:00:00Z"))?;
    Some(date.date_naive())
}

/// Parses an RFC 3339 date-time (see [`rfc3339`]).
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    let digits = |from: usize, len: usize| -> Option<u32> {
        let part = b.get(from..from + len)?;
        part.iter().try_fold(0_u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let at = |i: usize, c: u8| b.get(i).is_some_and(|x| x.eq_ignore_ascii_case(&c));
    if !(at(4, b'-') && at(7, b'-') && at(10, b'T') && at(13, b':') && at(16, b':')) {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(digits(0, 4)? as i32, digits(5, 2)?, digits(8, 2)?)?;
    let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
    let mut i = 19;
    let mut nanos = 0;
    if at(i, b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            if i - start < 9 {
                nanos = nanos * 10 + u32::from(b[i] - b'0');
            }
            i += 1;
        }
        if i == start {
            return None;
        }
        nanos *= 10_u32.pow(9_u32.saturating_sub((i - start) as u32));
    }
    let offset_minutes = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if i + 6 == b.len() && at(i + 3, b':') => {
            let minutes = (digits(i + 1, 2)? * 60 + digits(i + 4, 2)?) as i64;
            if *sign == b'-' { -minutes } else { minutes }
        }
        _ => return None,
    };
    let local = date.and_hms_nano_opt(hour, minute, second, nanos)?;
    Some((local - Duration::minutes(offset_minutes)).and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_chrono_writes_and_agrees_with_chrono() {
        for text in [
            "2026-12-07T21:29:09Z",
            "2026-12-07T21:29:09.1Z",
            "2026-12-07T21:29:09.123Z",
            "2026-12-07T21:29:09.123456Z",
            "2026-12-07T21:29:09.123456789Z",
            "2026-03-29T01:30:00+02:00",
            "2026-10-25T01:30:00-05:30",
            "2000-02-29t00:00:00z",
            "1999-12-31T23:59:59.999999999+00:00",
        ] {
            let ours = parse(text).unwrap_or_else(|| panic!("{text} not read"));
            let chrono = DateTime::parse_from_rfc3339(text)
                .unwrap()
                .with_timezone(&Utc);
            assert_eq!(ours, chrono, "{text}");
        }
        let now = Utc::now();
        let written = serde_json::to_string(&now).unwrap();
        assert_eq!(parse(written.trim_matches('"')), Some(now));
    }

    #[test]
    fn reads_calendar_dates() {
        assert_eq!(
            parse_date("2030-01-31"),
            NaiveDate::from_ymd_opt(2030, 1, 31)
        );
        for bad in [
            "2030-1-31",
            "2030-02-30",
            "2030-01-31T00:00:00Z",
            "31/01/2030",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn refuses_what_is_not_rfc_3339() {
        for text in [
            "",
            "2026-12-07",
            "2026-12-07T21:29:09",
            "2026-12-07 21:29:09Z",
            "2026-13-07T21:29:09Z",
            "2026-02-30T21:29:09Z",
            "2026-12-07T25:29:09Z",
            "2026-12-07T21:29:09.Z",
            "2026-12-07T21:29:09+0200",
            "2026-12-07T21:29:09Zjunk",
            "२०२६-12-07T21:29:09Z",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }
}
