//! Text <-> bytes — seed §3.2.1 (`"测试消息".encode("gb2312")`, `msg.decode()`).
//!
//! A socket carries bytes; text needs an encoding on both ends. The seed's snippets disagree with each other (one
//! encodes GB2312, the chat decodes UTF-8), which is exactly how garbled text happens. Our programs let the user
//! choose, and when bytes do not decode they show them as `\xNN` instead of crashing, the way Python's
//! `errors="backslashreplace"` does.
//!
//! Text from the network is printed on someone's terminal, and a terminal obeys control characters: ESC starts
//! sequences that recolour, retitle or clear it, and a newline inside a message starts a line the sender wrote,
//! which can look like a message from anyone; invisible format characters reorder a line or hide inside a word.
//! [`Encoding::decode_line`] shows them escaped, as Python's `repr` does: `\n`, `\t`, `\r`, `\x1b`, `\u202e`.

use std::fmt;
use std::str::FromStr;

/// The encodings our programs speak on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8: Python 3's default and the web's.
    #[default]
    Utf8,
    /// GBK (Windows code page 936), a superset of the seed's GB2312.
    Gbk,
}

/// A character that the chosen encoding has no bytes for (an emoji in GBK, say).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unencodable {
    /// The first character that could not be encoded.
    pub ch: char,
    /// The encoding that lacks it.
    pub encoding: Encoding,
}

impl fmt::Display for Unencodable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} (U+{:04X}) cannot be encoded in {}",
            self.ch, self.ch as u32, self.encoding
        )
    }
}

impl std::error::Error for Unencodable {}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Gbk => "gbk",
        })
    }
}

impl FromStr for Encoding {
    type Err = String;

    /// Accepts the names Python accepts for these codecs: `utf-8`, `utf8`, `gbk`, `gb2312`, `cp936`.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name.to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "gbk" | "gb2312" | "cp936" => Ok(Encoding::Gbk),
            other => Err(format!("unknown encoding {other:?} (choose utf-8 or gbk)")),
        }
    }
}

impl Encoding {
    /// Text to bytes. Fails on the first character the encoding cannot represent, rather than sending something
    /// the user did not type.
    pub fn encode(self, text: &str) -> Result<Vec<u8>, Unencodable> {
        match self {
            Encoding::Utf8 => Ok(text.as_bytes().to_vec()),
            Encoding::Gbk => {
                let (bytes, _, had_errors) = encoding_rs::GBK.encode(text);
                if !had_errors {
                    return Ok(bytes.into_owned());
                }
                // encoding_rs writes unmappable characters as HTML `&#NNNN;`; find the first one to report it.
                let ch = text
                    .chars()
                    .find(|c| encoding_rs::GBK.encode(c.encode_utf8(&mut [0; 4])).2)
                    .unwrap_or(char::REPLACEMENT_CHARACTER);
                Err(Unencodable { ch, encoding: self })
            }
        }
    }

    /// Bytes to text. Never fails: a byte that is not part of a valid character is shown as `\xNN`.
    ///
    /// ```
    /// use netlab::Encoding;
    /// assert_eq!(Encoding::Utf8.decode(b"ok \xff"), "ok \\xff");
    /// assert_eq!(Encoding::Gbk.decode(&[0xb2, 0xe2, 0xca, 0xd4]), "测试");
    /// ```
    pub fn decode(self, bytes: &[u8]) -> String {
        match self {
            Encoding::Utf8 => decode_utf8(bytes),
            Encoding::Gbk => decode_gbk(bytes),
        }
    }

    /// A message received from the network, as one line for a terminal: decoded (bad bytes as `\xNN`), without
    /// the one line ending that line-based senders such as `nc` put at its very end (`\n` or `\r\n`), and with
    /// every other control character escaped by [`escape_controls`], so it can neither command the terminal nor
    /// start a line of its own.
    ///
    /// ```
    /// use netlab::Encoding;
    /// assert_eq!(Encoding::Utf8.decode_line(b"hi\n"), "hi");
    /// assert_eq!(Encoding::Utf8.decode_line(b"\x1b[31m\n10.0.0.1:9 fake\n\n"), "\\x1b[31m\\n10.0.0.1:9 fake\\n");
    /// ```
    pub fn decode_line(self, bytes: &[u8]) -> String {
        let text = bytes
            .strip_suffix(b"\r\n")
            .or_else(|| bytes.strip_suffix(b"\n"))
            .unwrap_or(bytes);
        escape_controls(&self.decode(text))
    }
}

/// Text made safe to print within one line of a terminal: every character that is invisible, commands the
/// terminal, or moves or breaks the line is shown escaped, in the form Python's `repr` gives it:
/// - the control characters (Unicode category Cc): `\n`, `\r` and `\t` by name, the others (ESC, DEL, the C1
///   controls U+0080 to U+009F) as `\xNN`;
/// - the format characters (category Cf, [`FORMAT_CHARACTERS`]): invisible, yet they change what is shown —
///   U+202E turns the rest of a line around, so a message could show another sender's address, and a
///   zero-width space (U+200B) or a soft hyphen (U+00AD) hides inside a word that looks like another;
/// - the line and paragraph separators U+2028 and U+2029 (categories Zl, Zp), which break a line in some
///   terminals.
///
/// Format characters are written as `repr` writes them: `\xNN` below U+0100, `\uNNNN` in the rest of the Basic
/// Multilingual Plane, `\UNNNNNNNN` above it. The price: a zero-width joiner that glues an emoji sequence
/// (👩\u200d💻) or the tags of a flag show escaped, as in `repr`.
///
/// Everything else, Chinese included, is kept as it is — also where `repr` would escape it: the spaces other
/// than U+0020 (U+3000, the ideographic space, is common in Chinese text), private-use and unassigned code
/// points. A backslash is kept too, so a typed `\n` and an escaped newline look alike: the price of keeping
/// paths such as `C:\temp` readable.
///
/// ```
/// assert_eq!(netlab::text::escape_controls("\x1b[2Jhi\tthere\n"), "\\x1b[2Jhi\\tthere\\n");
/// assert_eq!(netlab::text::escape_controls("你好, ok\u{202e}"), "你好, ok\\u202e");
/// assert_eq!(netlab::text::escape_controls("pay\u{ad}pal\u{200b} \u{e0001}"), "pay\\xadpal\\u200b \\U000e0001");
/// ```
pub fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let code = u32::from(c);
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if !c.is_control() && !is_format_or_separator(c) => out.push(c),
            // Python's repr: the shortest of its three forms that holds the code point.
            _ if code < 0x100 => out.push_str(&format!("\\x{code:02x}")),
            _ if code < 0x1_0000 => out.push_str(&format!("\\u{code:04x}")),
            _ => out.push_str(&format!("\\U{code:08x}")),
        }
    }
    out
}

/// The format characters — Unicode general category Cf — of Unicode 16.0, as ranges of code points: characters
/// with no glyph of their own that change how the text around them is shown (joins, breaks, direction,
/// invisible operators, tags). Copied from the Unicode Character Database (`DerivedGeneralCategory.txt`, 16.0.0)
/// and checked against Python's `unicodedata.category(c) == "Cf"` (Python 3.11, Unicode 14.0: the same list,
/// less U+13439 to U+1343F, added in Unicode 15.0). A later Unicode version may add more; the test
/// `every_format_character_is_escaped_and_its_neighbours_are_not` says where to look.
pub const FORMAT_CHARACTERS: &[(char, char)] = &[
    ('\u{00ad}', '\u{00ad}'),   // soft hyphen
    ('\u{0600}', '\u{0605}'),   // Arabic number signs
    ('\u{061c}', '\u{061c}'),   // Arabic letter mark (bidirectional)
    ('\u{06dd}', '\u{06dd}'),   // Arabic end of ayah
    ('\u{070f}', '\u{070f}'),   // Syriac abbreviation mark
    ('\u{0890}', '\u{0891}'),   // Arabic pound and piastre marks above
    ('\u{08e2}', '\u{08e2}'),   // Arabic disputed end of ayah
    ('\u{180e}', '\u{180e}'),   // Mongolian vowel separator
    ('\u{200b}', '\u{200f}'),   // zero-width space, non-joiner, joiner; left-to-right and right-to-left marks
    ('\u{202a}', '\u{202e}'),   // bidirectional embeddings and overrides
    ('\u{2060}', '\u{2064}'),   // word joiner, invisible operators
    ('\u{2066}', '\u{206f}'),   // bidirectional isolates, deprecated format characters
    ('\u{feff}', '\u{feff}'),   // zero-width no-break space (the byte order mark)
    ('\u{fff9}', '\u{fffb}'),   // interlinear annotation
    ('\u{110bd}', '\u{110bd}'), // Kaithi number sign
    ('\u{110cd}', '\u{110cd}'), // Kaithi number sign above
    ('\u{13430}', '\u{1343f}'), // Egyptian hieroglyph format controls
    ('\u{1bca0}', '\u{1bca3}'), // shorthand format controls
    ('\u{1d173}', '\u{1d17a}'), // musical symbol beams and slurs
    ('\u{e0001}', '\u{e0001}'), // language tag
    ('\u{e0020}', '\u{e007f}'), // tag characters
];

/// Whether `c` is a format character ([`FORMAT_CHARACTERS`]) or the line or paragraph separator (U+2028,
/// U+2029): not a control, yet it hides, reorders or breaks text. [`escape_controls`] escapes these and the
/// controls.
pub fn is_format_or_separator(c: char) -> bool {
    // The table is sorted (a test checks it): the one range that can hold `c` is the last that starts at or
    // before it. A binary search, as each character of every message received is looked up.
    let starts_at_or_before = FORMAT_CHARACTERS.partition_point(|&(first, _)| first <= c);
    let in_range = starts_at_or_before
        .checked_sub(1)
        .and_then(|i| FORMAT_CHARACTERS.get(i))
        .is_some_and(|&(_, last)| c <= last);
    in_range || matches!(c, '\u{2028}' | '\u{2029}')
}

/// Characters of an input quoted in a one-line error: enough to recognise it, and the line stays short.
pub const QUOTED_CHARS: usize = 60;

/// `text` quoted for a one-line error as `{:?}` quotes it — in double quotes, control characters escaped — but
/// only its first [`QUOTED_CHARS`] characters, with `…` after the closing quote when there were more: an error
/// about a 3 MB line stays one short line, and the `…` cannot be taken for part of the input.
///
/// ```
/// assert_eq!(netlab::text::quote_short("10.0.0.256\n"), "\"10.0.0.256\\n\"");
/// assert_eq!(netlab::text::quote_short(&"a".repeat(1000)), format!("{:?}…", "a".repeat(60)));
/// ```
pub fn quote_short(text: &str) -> String {
    match text.char_indices().nth(QUOTED_CHARS) {
        Some((cut, _)) => format!("{:?}…", &text[..cut]),
        None => format!("{text:?}"),
    }
}

fn push_escaped(out: &mut String, bytes: &[u8]) {
    for b in bytes {
        out.push_str(&format!("\\x{b:02x}"));
    }
}

fn decode_utf8(mut bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    loop {
        match std::str::from_utf8(bytes) {
            Ok(valid) => {
                out.push_str(valid);
                return out;
            }
            Err(e) => {
                let (good, rest) = bytes.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(good).unwrap_or_default());
                // `error_len` is None when the input ends in the middle of a character: show what is there.
                let bad = e.error_len().unwrap_or(rest.len());
                push_escaped(&mut out, &rest[..bad]);
                bytes = &rest[bad..];
            }
        }
    }
}

/// GBK as the WHATWG decoder reads it: ASCII is one byte; a lead byte 0x81–0xFE starts a two-byte character, or a
/// four-byte GB18030 one when the second byte is a digit. Each candidate is decoded alone, so one bad byte costs
/// exactly one `\xNN` and the text after it still decodes.
fn decode_gbk(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii() {
            out.push(b as char);
            i += 1;
            continue;
        }
        let len = match bytes.get(i + 1) {
            Some(b'0'..=b'9') => 4,
            _ if b == 0x80 => 1, // the euro sign, a single byte in Windows' GBK
            _ => 2,
        };
        let decoded = bytes
            .get(i..i + len)
            .and_then(|chunk| encoding_rs::GBK.decode_without_bom_handling_and_without_replacement(chunk));
        match decoded {
            Some(text) => {
                out.push_str(&text);
                i += len;
            }
            None => {
                push_escaped(&mut out, &[b]);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_round_trip_of_chinese_text() {
        let text = "测试消息: 你好, socket!";
        let bytes = Encoding::Gbk.encode(text).unwrap();
        // 测 is B2 E2 in GB2312/GBK: two bytes per Chinese character, ASCII unchanged.
        assert_eq!(&bytes[..4], &[0xb2, 0xe2, 0xca, 0xd4]);
        assert_eq!(bytes.len(), 6 * 2 + 11);
        assert_eq!(Encoding::Gbk.decode(&bytes), text);
    }

    #[test]
    fn utf8_round_trip_and_byte_counts_differ_from_gbk() {
        let text = "测试.txt";
        assert_eq!(Encoding::Utf8.encode(text).unwrap().len(), 10);
        assert_eq!(Encoding::Gbk.encode(text).unwrap().len(), 8);
        assert_eq!(Encoding::Utf8.decode(&Encoding::Utf8.encode(text).unwrap()), text);
    }

    #[test]
    fn undecodable_utf8_is_shown_not_fatal() {
        assert_eq!(Encoding::Utf8.decode(b"a\xffb"), "a\\xffb");
        // A character cut off at the end of a datagram.
        assert_eq!(Encoding::Utf8.decode("测".as_bytes().get(..2).unwrap()), "\\xe6\\xb5");
        // GBK bytes read as UTF-8: the classic garbling, made visible.
        assert_eq!(Encoding::Utf8.decode(&[0xb2, 0xe2]), "\\xb2\\xe2");
    }

    #[test]
    fn undecodable_gbk_costs_one_byte_and_decoding_resumes() {
        assert_eq!(Encoding::Gbk.decode(&[0xff, b'o', b'k']), "\\xffok");
        assert_eq!(Encoding::Gbk.decode(&[0xb2, b' ', 0xb2, 0xe2]), "\\xb2 测");
        assert_eq!(Encoding::Gbk.decode(&[b'x', 0xb2]), "x\\xb2");
        assert_eq!(Encoding::Gbk.decode(&[0x80]), "€");
    }

    #[test]
    fn control_characters_are_shown_escaped() {
        assert_eq!(escape_controls("a\x1b[31mb\x07"), "a\\x1b[31mb\\x07");
        assert_eq!(escape_controls("\0\x7f\u{9b}\u{85}"), "\\x00\\x7f\\x9b\\x85");
        assert_eq!(escape_controls("line\r\nnext\ttab"), "line\\r\\nnext\\ttab");
        assert_eq!(escape_controls("C:\\temp 测试 é"), "C:\\temp 测试 é");
    }

    #[test]
    fn characters_that_turn_a_line_around_or_break_it_are_shown_escaped() {
        // Shown raw, U+202E would print "hi 1:0.0.721" backwards, as if it were an address.
        assert_eq!(escape_controls("hi \u{202e}127.0.0.1"), "hi \\u202e127.0.0.1");
        assert_eq!(escape_controls("\u{2066}x\u{2069}\u{200f}"), "\\u2066x\\u2069\\u200f");
        assert_eq!(escape_controls("a\u{2028}b\u{2029}"), "a\\u2028b\\u2029");
    }

    #[test]
    fn invisible_format_characters_are_shown_as_python_repr_shows_them() {
        // Each as Python 3's repr(c) writes it (without the quotes): \xNN, \uNNNN or \UNNNNNNNN.
        let cases = [
            ('\u{ad}', "\\xad"),          // soft hyphen: "pay\xadpal" is not "paypal"
            ('\u{200b}', "\\u200b"),      // zero-width space
            ('\u{200d}', "\\u200d"),      // zero-width joiner: escaped, as repr does, emoji sequences too
            ('\u{2060}', "\\u2060"),      // word joiner
            ('\u{feff}', "\\ufeff"),      // byte order mark
            ('\u{fffb}', "\\ufffb"),      // interlinear annotation terminator
            ('\u{110bd}', "\\U000110bd"), // Kaithi number sign, above the BMP
            ('\u{e0001}', "\\U000e0001"), // language tag
            ('\u{e007f}', "\\U000e007f"), // cancel tag
        ];
        for (c, shown) in cases {
            assert_eq!(
                escape_controls(&format!("a{c}b")),
                format!("a{shown}b"),
                "U+{:04X}",
                u32::from(c)
            );
        }
        assert_eq!(escape_controls("👩\u{200d}💻"), "👩\\u200d💻");
    }

    #[test]
    fn every_format_character_is_escaped_and_its_neighbours_are_not() {
        let mut previous_end = None;
        for &(first, last) in FORMAT_CHARACTERS {
            assert!(first <= last && previous_end < Some(first), "sorted, apart: {first:?}");
            previous_end = Some(last);
            for c in first..=last {
                let shown = escape_controls(&c.to_string());
                assert!(
                    shown.starts_with('\\') && shown.is_ascii(),
                    "U+{:04X} shown as {shown:?}",
                    u32::from(c)
                );
            }
        }
        // The characters on either side of a few ranges are printable, and kept (U+2028/9, separators, apart).
        for c in [
            '\u{ac}', '\u{ae}', '\u{5ff}', '\u{200a}', '\u{2010}', '\u{2065}', '\u{2070}', '\u{fefe}', '\u{fff8}',
        ]
        .into_iter()
        .chain([
            '\u{fffc}',
            '\u{1342f}',
            '\u{13440}',
            '\u{e0000}',
            '\u{e0080}',
            '\u{3000}',
            '\u{a0}',
            '测',
        ]) {
            assert_eq!(escape_controls(&c.to_string()), c.to_string(), "U+{:04X}", u32::from(c));
        }
    }

    #[test]
    fn a_received_line_ends_once_and_commands_nothing() {
        let spoof = b"\n127.0.0.1:9999 Thu Jan  1 00:00:00 1970\tspoofed";
        assert_eq!(
            Encoding::Utf8.decode_line(spoof),
            "\\n127.0.0.1:9999 Thu Jan  1 00:00:00 1970\\tspoofed"
        );
        assert_eq!(Encoding::Utf8.decode_line(b"hi\r\n"), "hi");
        assert_eq!(
            Encoding::Utf8.decode_line(b"hi\n\n"),
            "hi\\n",
            "only one line ending is the sender's"
        );
        assert_eq!(Encoding::Utf8.decode_line(b"\xff\x1b"), "\\xff\\x1b");
        assert_eq!(
            Encoding::Gbk.decode_line(&[0xb2, 0xe2, b'\t', 0x1b, b'\n']),
            "测\\t\\x1b"
        );
        assert_eq!(Encoding::Utf8.decode_line(b""), "");
    }

    #[test]
    fn long_input_is_quoted_short() {
        let exactly = "测".repeat(QUOTED_CHARS);
        assert_eq!(
            quote_short(&exactly),
            format!("\"{exactly}\""),
            "60 characters: all of them"
        );
        let longer = format!("{exactly}x");
        assert_eq!(
            quote_short(&longer),
            format!("\"{exactly}\"…"),
            "counted in characters, not bytes"
        );
        assert_eq!(quote_short("a\tb\x1b"), "\"a\\tb\\u{1b}\"");
        assert_eq!(quote_short(""), "\"\"");
    }

    #[test]
    fn gbk_four_byte_sequences_decode() {
        // GB18030 four-byte form of U+0080 is 81 30 81 30.
        assert_eq!(Encoding::Gbk.decode(&[0x81, 0x30, 0x81, 0x30]), "\u{80}");
    }

    #[test]
    fn unencodable_characters_are_reported() {
        let err = Encoding::Gbk.encode("hi 😀").unwrap_err();
        assert_eq!(err.ch, '😀');
        assert_eq!(err.to_string(), "'😀' (U+1F600) cannot be encoded in gbk");
    }

    #[test]
    fn names_python_accepts() {
        for (name, enc) in [
            ("utf-8", Encoding::Utf8),
            ("UTF8", Encoding::Utf8),
            ("gb2312", Encoding::Gbk),
        ] {
            assert_eq!(name.parse::<Encoding>().unwrap(), enc);
        }
        assert_eq!("cp936".parse::<Encoding>().unwrap().to_string(), "gbk");
        assert!(
            "latin-9"
                .parse::<Encoding>()
                .unwrap_err()
                .contains("choose utf-8 or gbk")
        );
    }
}
