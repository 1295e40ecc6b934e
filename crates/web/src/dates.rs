//! Dates and times as people read them, formatted by the browser's `Intl` (through `js-sys`):
//! chrono's own formatting machinery stays out of the wasm. Times are shown in the reader's
//! time zone; calendar dates (a due date) as they are.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use wasm_bindgen::JsValue;

fn format(millis: f64, fields: &[(&str, &str)]) -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(millis));
    let options = js_sys::Object::new();
    for (key, value) in fields {
        let _ = js_sys::Reflect::set(&options, &(*key).into(), &(*value).into());
    }
    date.to_locale_string("en-GB", &options).into()
}

const DAY_MONTH_YEAR: [(&str, &str); 3] =
    [("day", "numeric"), ("month", "short"), ("year", "numeric")];

/// "3 Mar 2026, 14:02" in the reader's time zone.
pub fn local_time(at: DateTime<Utc>) -> String {
    let [day, month, year] = DAY_MONTH_YEAR;
    format(
        at.timestamp_millis() as f64,
        &[day, month, year, ("hour", "2-digit"), ("minute", "2-digit")],
    )
}

/// "14:02" in the reader's time zone.
pub fn local_clock(at: DateTime<Utc>) -> String {
    format(
        at.timestamp_millis() as f64,
        &[("hour", "2-digit"), ("minute", "2-digit")],
    )
}

/// "3 March 2026": the day something happened, in the reader's time zone.
pub fn local_day(at: DateTime<Utc>) -> String {
    format(
        at.timestamp_millis() as f64,
        &[("day", "numeric"), ("month", "long"), ("year", "numeric")],
    )
}

/// "3 Mar 2026": a calendar date (no time zone to convert).
pub fn calendar_date(date: NaiveDate) -> String {
    let millis = js_sys::Date::utc(f64::from(date.year()), f64::from(date.month0()))
        + f64::from(date.day0()) * 86_400_000.0;
    let [day, month, year] = DAY_MONTH_YEAR;
    format(millis, &[day, month, year, ("timeZone", "UTC")])
}
