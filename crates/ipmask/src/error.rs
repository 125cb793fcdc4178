//! The one error of ipmask: what was wrong with the input, and which part of it.
//!
//! Every function that takes something a person typed — an address, a mask, a prefix to split by, a list of
//! networks, counts of hosts — answers with this error, and every message names the part at fault (quoted, its
//! first 60 characters at most), so the program can print it as one short line. The binary treats it as bad input (exit code 2): nothing in ipmask touches
//! the network, so a wrong answer can only come from a wrong question.

use std::fmt;

use netlab::text::quote_short;

/// What was wrong with the input, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// `part` of an argument is wrong: `"/33": prefix 33 is out of range for IPv4 (0-32)`.
    Bad {
        /// The part at fault, as typed.
        part: String,
        /// Why.
        reason: String,
    },
    /// Line `line` of a list of networks (`ipmask agg` reading standard input) is wrong:
    /// `line 3 of standard input: "/33": prefix 33 is out of range for IPv4 (0-32)`.
    OnLine {
        /// Counted from 1, blank lines included.
        line: usize,
        /// The part at fault, as typed.
        part: String,
        /// Why.
        reason: String,
    },
    /// Line `line` of a list is longer than `limit` bytes: longer than any network written out.
    LineTooLong {
        /// Counted from 1.
        line: usize,
        /// The most bytes a line may have.
        limit: usize,
    },
    /// Line `line` of a list is not UTF-8 text; `shown` is its start, each undecodable byte as `\xNN`.
    NotText {
        /// Counted from 1.
        line: usize,
        /// The line's first bytes, printable.
        shown: String,
    },
}

impl Error {
    /// `part` is wrong, for `reason`.
    pub fn new(part: &str, reason: &str) -> Error {
        Error::Bad {
            part: part.to_string(),
            reason: reason.to_string(),
        }
    }

    /// The same error, found on line `line` of a list.
    pub fn on_line(self, line: usize) -> Error {
        match self {
            Error::Bad { part, reason } | Error::OnLine { part, reason, .. } => Error::OnLine { line, part, reason },
            Error::NotText { shown, .. } => Error::NotText { line, shown },
            Error::LineTooLong { limit, .. } => Error::LineTooLong { line, limit },
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The part quoted short: a 3 MB line makes an error of one short line, not 3 MB.
            Error::Bad { part, reason } => write!(f, "{}: {reason}", quote_short(part)),
            Error::OnLine { line, part, reason } => {
                write!(f, "line {line} of standard input: {}: {reason}", quote_short(part))
            }
            Error::NotText { line, shown } => write!(f, "line {line} of standard input is not UTF-8 text: {shown}"),
            Error::LineTooLong { line, limit } => {
                write!(
                    f,
                    "line {line} of standard input is longer than {limit} bytes, more than any network"
                )
            }
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_message_names_the_part_and_the_line() {
        let bad = Error::new("/33", "prefix 33 is out of range for IPv4 (0-32)");
        assert_eq!(bad.to_string(), "\"/33\": prefix 33 is out of range for IPv4 (0-32)");
        assert_eq!(
            bad.on_line(3).to_string(),
            "line 3 of standard input: \"/33\": prefix 33 is out of range for IPv4 (0-32)"
        );
        let not_text = Error::NotText {
            line: 2,
            shown: "\\xffoo".into(),
        };
        let long = Error::new(&"a".repeat(3_000_000), "not an IPv4 or IPv6 address").on_line(2);
        assert_eq!(
            long.to_string(),
            format!(
                "line 2 of standard input: {:?}…: not an IPv4 or IPv6 address",
                "a".repeat(60)
            ),
            "a long part is quoted short"
        );
        assert_eq!(
            not_text.to_string(),
            "line 2 of standard input is not UTF-8 text: \\xffoo"
        );
    }
}
