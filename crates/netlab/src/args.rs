//! Numbers a user types on the command line, with limits that `--help` states.
//!
//! A duration typed as seconds is a float (`--interval 0.2`), and a float can be anything: `-1`, `nan`, `inf`,
//! `1e300`, or `18446744073709551615`, which `Duration::from_secs_f64` cannot hold and panics on. Every program
//! reads such a value through [`seconds`], with the limits its `--help` gives, and refuses the rest in one line.

use std::time::Duration;

/// Reads `text` as a number of seconds from `min` to `max`, for clap's `value_parser`:
///
/// ```
/// use std::time::Duration;
/// assert_eq!(netlab::args::seconds("0.25", 0.1, 3600.0), Ok(Duration::from_millis(250)));
/// assert!(netlab::args::seconds("nan", 0.1, 3600.0).is_err());
/// ```
pub fn seconds(text: &str, min: f64, max: f64) -> Result<Duration, String> {
    let limits = || format!("a number of seconds from {min} to {max}");
    let value: f64 = text.trim().parse().map_err(|_| limits())?;
    // Written so that NaN, which compares false with everything, fails too.
    if !(value >= min && value <= max) {
        return Err(limits());
    }
    Duration::try_from_secs_f64(value).map_err(|_| limits())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_within_the_limits_and_nothing_else() {
        assert_eq!(seconds("5", 0.1, 3600.0), Ok(Duration::from_secs(5)));
        assert_eq!(seconds(" 0.1 ", 0.1, 3600.0), Ok(Duration::from_millis(100)));
        assert_eq!(seconds("3600", 0.1, 3600.0), Ok(Duration::from_secs(3600)));
        for bad in [
            "0.09",
            "3600.5",
            "-1",
            "0",
            "nan",
            "NaN",
            "inf",
            "-inf",
            "1e300",
            "18446744073709551615",
            "",
            "x",
        ] {
            assert_eq!(
                seconds(bad, 0.1, 3600.0),
                Err("a number of seconds from 0.1 to 3600".to_string()),
                "{bad:?}"
            );
        }
    }
}
