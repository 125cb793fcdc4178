//! A local timestamp shaped like Python's `time.ctime()` — seed §3.2.1, the chat prints one per message.
//!
//! The C library's `ctime` pads the day of the month with a space, not a zero: `Wed Nov  5 03:16:51 2026`.
//! Matching that exactly lets a student diff our chat's output against the Python chat's.

use chrono::{DateTime, Local, TimeZone};

/// `now` in the local time zone, as `ctime()` prints it.
pub fn ctime_now() -> String {
    ctime(&Local::now())
}

/// Any moment, as `ctime()` prints it: weekday, month, space-padded day, 24-hour time, year.
pub fn ctime<Tz: TimeZone>(moment: &DateTime<Tz>) -> String
where
    Tz::Offset: std::fmt::Display,
{
    moment.format("%a %b %e %H:%M:%S %Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{FixedOffset, Utc};

    #[test]
    fn matches_the_shape_of_python_ctime() {
        let t = Utc.with_ymd_and_hms(2026, 11, 25, 3, 16, 51).unwrap();
        assert_eq!(ctime(&t), "Wed Nov 25 03:16:51 2026");
    }

    #[test]
    fn single_digit_days_are_space_padded_like_c() {
        let t = Utc.with_ymd_and_hms(2026, 11, 5, 23, 0, 9).unwrap();
        assert_eq!(ctime(&t), "Thu Nov  5 23:00:09 2026");
    }

    #[test]
    fn uses_the_zone_it_is_given() {
        let east8 = FixedOffset::east_opt(8 * 3600).unwrap();
        let t = Utc
            .with_ymd_and_hms(2026, 12, 31, 20, 0, 0)
            .unwrap()
            .with_timezone(&east8);
        assert_eq!(ctime(&t), "Fri Jan  1 04:00:00 2027");
    }

    #[test]
    fn now_has_five_fields_and_a_four_digit_year() {
        let stamp = ctime_now();
        let fields: Vec<&str> = stamp.split_whitespace().collect();
        assert_eq!(fields.len(), 5, "{stamp:?}");
        assert_eq!(fields[3].len(), 8, "{stamp:?}");
        assert!(fields[4].parse::<u32>().unwrap() >= 2024, "{stamp:?}");
    }
}
