//! Lines of input with a limit on their length — seed §3.2.1's `input()` loop, made safe for any input.
//!
//! Python's `input()` and Rust's `read_line` both keep reading until a newline comes, however long that takes:
//! given a file with no newline in it, or `< /dev/zero`, they fill the memory and never hand back a line. Every
//! program here that reads lines (the chat, `ipmask agg`, the TFTP client's menu) knows the longest line it can
//! use, so [`LineReader`] stops there: it never holds more than the limit (plus one byte), and it says which line
//! was too long, so the program can print one clear error.
//!
//! ```
//! use netlab::lines::{LineError, LineReader};
//! let mut input = LineReader::new(&b"10.0.0.0/8\r\nthis one is far too long\nok\n"[..]);
//! assert_eq!(input.read_line(16).unwrap(), Some(b"10.0.0.0/8".to_vec()));
//! assert!(matches!(input.read_line(16), Err(LineError::TooLong { line: 2, limit: 16 })));
//! // The rest of the long line is skipped, never taken for a line of its own.
//! assert_eq!(input.read_line(16).unwrap(), Some(b"ok".to_vec()));
//! assert_eq!(input.read_line(16).unwrap(), None);
//! ```

use std::fmt;
use std::io::{self, BufRead};

/// Why no line was read.
#[derive(Debug)]
pub enum LineError {
    /// Line `line` (counted from 1) is longer than `limit` bytes, its line ending not counted.
    TooLong {
        /// The line's number, counted from 1.
        line: usize,
        /// The most bytes a line may have.
        limit: usize,
    },
    /// The input itself could not be read.
    Io(io::Error),
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineError::TooLong { line, limit } => write!(f, "line {line} is longer than {limit} bytes"),
            LineError::Io(e) => write!(f, "cannot read: {e}"),
        }
    }
}

impl std::error::Error for LineError {}

/// Reads lines of bytes — not UTF-8 text: a line in another encoding is still a line — each at most as long as
/// the caller says, and counts them.
#[derive(Debug)]
pub struct LineReader<R> {
    input: R,
    /// Lines read so far, the one refused included.
    lines: usize,
    /// The last line was too long and its end has not been read yet.
    in_long_line: bool,
}

impl<R: BufRead> LineReader<R> {
    /// Reads lines from `input` (standard input's lock, a `&[u8]`, a `BufReader`, ...).
    pub fn new(input: R) -> LineReader<R> {
        LineReader {
            input,
            lines: 0,
            in_long_line: false,
        }
    }

    /// How many lines have been read: the number of the last one, counted from 1.
    pub fn lines_read(&self) -> usize {
        self.lines
    }

    /// The next line, without its line ending (`\n`, or `\r\n`); the last line may have none. `None` at the end
    /// of the input.
    ///
    /// A line of more than `limit` bytes is [`LineError::TooLong`] as soon as the limit is passed, so the memory
    /// used stays bounded even when no newline ever comes. A caller that stops there loses nothing it wanted; a
    /// caller that goes on simply calls again: the rest of the long line is skipped first (read and dropped up
    /// to its newline), so it is never mistaken for a new line.
    pub fn read_line(&mut self, limit: usize) -> Result<Option<Vec<u8>>, LineError> {
        if self.in_long_line {
            self.skip_to_next_line()?;
        }
        let mut line = Vec::new();
        // One byte more than the limit may be held: the `\r` of a `\r\n`, which is not part of the line.
        let most_held = limit.saturating_add(1);
        let mut ended = false;
        loop {
            let buf = match self.input.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue, // a signal: read again, as read_line does
                Err(e) => return Err(LineError::Io(e)),
            };
            if buf.is_empty() {
                if line.is_empty() {
                    return Ok(None); // the end of the input, and no line started
                }
                break; // the last line, without a line ending
            }
            let (part, newline) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (&buf[..i], true),
                None => (buf, false),
            };
            if line.len() + part.len() > most_held {
                // Too long whatever follows. Keep nothing more; the next call skips the rest.
                let taken = most_held - line.len();
                self.input.consume(taken);
                self.lines += 1;
                self.in_long_line = true;
                return Err(LineError::TooLong {
                    line: self.lines,
                    limit,
                });
            }
            line.extend_from_slice(part);
            let used = part.len() + usize::from(newline);
            self.input.consume(used);
            if newline {
                ended = true;
                break;
            }
        }
        self.lines += 1;
        if ended && line.last() == Some(&b'\r') {
            line.pop();
        }
        if line.len() > limit {
            return Err(LineError::TooLong {
                line: self.lines,
                limit,
            });
        }
        Ok(Some(line))
    }

    /// Reads and drops the rest of a line that was too long, up to and including its newline.
    fn skip_to_next_line(&mut self) -> Result<(), LineError> {
        loop {
            let buf = match self.input.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(LineError::Io(e)),
            };
            if buf.is_empty() {
                break;
            }
            let (used, newline) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (buf.len(), false),
            };
            self.input.consume(used);
            if newline {
                break;
            }
        }
        self.in_long_line = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every line of `input`, or the error, read with `limit`.
    fn all(input: &[u8], limit: usize) -> Vec<Result<Vec<u8>, String>> {
        let mut reader = LineReader::new(input);
        let mut out = Vec::new();
        loop {
            match reader.read_line(limit) {
                Ok(Some(line)) => out.push(Ok(line)),
                Ok(None) => return out,
                Err(e) => out.push(Err(e.to_string())),
            }
        }
    }

    fn ok(line: &[u8]) -> Result<Vec<u8>, String> {
        Ok(line.to_vec())
    }

    #[test]
    fn lines_lose_their_endings_and_the_last_may_have_none() {
        assert_eq!(all(b"a\nb\r\n\nlast", 10), [ok(b"a"), ok(b"b"), ok(b""), ok(b"last")]);
        assert_eq!(all(b"", 10), []);
        assert_eq!(all(b"\n", 10), [ok(b"")]);
        // Only the `\r` of a `\r\n` is an ending; bytes that are not UTF-8 are kept as they are.
        assert_eq!(all(b"a\r\r\n\xff\r", 10), [ok(b"a\r"), ok(b"\xff\r")]);
    }

    #[test]
    fn a_line_at_the_limit_is_read_and_one_byte_more_is_refused() {
        assert_eq!(
            all(b"12345\n123456\n", 5),
            [ok(b"12345"), Err("line 2 is longer than 5 bytes".into())]
        );
        assert_eq!(all(b"12345\r\n", 5), [ok(b"12345")], "the \\r of \\r\\n does not count");
        assert_eq!(all(b"123456", 5), [Err("line 1 is longer than 5 bytes".into())]);
        assert_eq!(
            all(b"12345\r", 5),
            [Err("line 1 is longer than 5 bytes".into())],
            "a lone \\r counts"
        );
        assert_eq!(all(b"\n\n", 0), [ok(b""), ok(b"")]);
    }

    #[test]
    fn the_rest_of_a_long_line_is_skipped_and_reading_goes_on() {
        let mut input = vec![b'a'; 100_000]; // far longer than any buffer, and no newline for a long while
        input.extend_from_slice(b"\ngood\n");
        input.extend_from_slice(&[b'b'; 100_000]);
        assert_eq!(
            all(&input, 4096),
            [
                Err("line 1 is longer than 4096 bytes".into()),
                ok(b"good"),
                Err("line 3 is longer than 4096 bytes".into()),
            ]
        );
    }

    #[test]
    fn a_reader_over_a_small_buffer_holds_no_more_than_the_limit() {
        // A BufReader with an 8-byte buffer hands out the input in pieces: the line is found across them.
        let input = b"0123456789abcdef\nxyz\n".repeat(3);
        let mut reader = LineReader::new(io::BufReader::with_capacity(8, &input[..]));
        assert_eq!(reader.read_line(16).unwrap(), Some(b"0123456789abcdef".to_vec()));
        assert!(matches!(reader.read_line(3), Ok(Some(line)) if line == b"xyz"));
        assert!(matches!(
            reader.read_line(15),
            Err(LineError::TooLong { line: 3, limit: 15 })
        ));
        assert_eq!(reader.lines_read(), 3);
        assert_eq!(reader.read_line(3).unwrap(), Some(b"xyz".to_vec()));
        // One byte at a time: the `\r` of a `\r\n` at the limit is held, then dropped.
        let mut reader = LineReader::new(io::BufReader::with_capacity(1, &b"12345\r\n123456\r\nz"[..]));
        assert_eq!(reader.read_line(5).unwrap(), Some(b"12345".to_vec()));
        assert!(matches!(
            reader.read_line(5),
            Err(LineError::TooLong { line: 2, limit: 5 })
        ));
        assert_eq!(reader.read_line(5).unwrap(), Some(b"z".to_vec()));
    }

    #[test]
    fn an_endless_line_stops_at_the_limit() {
        // `io::repeat` never ends and never sends a newline, like /dev/zero: read_line must still come back.
        let mut reader = LineReader::new(io::BufReader::new(io::repeat(0)));
        assert!(matches!(
            reader.read_line(4096),
            Err(LineError::TooLong { line: 1, limit: 4096 })
        ));
    }

    #[test]
    fn a_read_error_is_reported() {
        struct Broken;
        impl io::Read for Broken {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("disk on fire"))
            }
        }
        let mut reader = LineReader::new(io::BufReader::new(Broken));
        let err = reader.read_line(10).unwrap_err();
        assert_eq!(err.to_string(), "cannot read: disk on fire");
    }
}
