//! A format string read into its byte order and items, and the size it packs to (Python's `calcsize`): the rules
//! every other part of [`structfmt`](super) follows. The tables are in the [module's doc](super).

use std::fmt;

/// A value to pack, or one unpacked.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Integers of every size (i128 holds both i64 and u64).
    Int(i128),
    /// `?`
    Bool(bool),
    /// `e`, `f`, `d`
    Float(f64),
    /// `s`, `p`, `c`
    Bytes(Vec<u8>),
}

impl Value {
    /// A [`Value::Bytes`] from a slice: `Value::bytes(b"octet")`.
    pub fn bytes(b: &[u8]) -> Value {
        Value::Bytes(b.to_vec())
    }
}

/// Why a format, a value or a buffer was refused: the message of Python's `struct.error`. Displayed as Python
/// prints the exception, `struct.error: bad char in struct format: 'n'`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructError(pub String);

impl fmt::Display for StructError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "struct.error: {}", self.0)
    }
}

impl std::error::Error for StructError {}

pub(super) fn err<T>(message: impl Into<String>) -> Result<T, StructError> {
    Err(StructError(message.into()))
}

/// Python's refusal of a repeat count or a total size past `Py_ssize_t` (`isize::MAX`).
pub(super) const TOO_LONG: &str = "total struct size too long";

/// The largest size [`pack`](fn@super::pack) makes: 1 MiB, sixteen times the largest UDP datagram, the largest thing the lessons
/// pack. Python would try to allocate any size (`pack('!99999999999s', b'x')` is a MemoryError after a while);
/// here a slip of the finger is refused at once, before gigabytes are allocated and printed.
pub const MAX_PACKED: usize = 1 << 20;

/// Byte order and size rules, from the format's first character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// `@`: this machine's order, sizes and alignment.
    Native,
    /// `=`: this machine's order, standard sizes, no alignment.
    NativeStandard,
    /// `<`
    Little,
    /// `>` and `!`
    Big,
}

impl Order {
    pub(super) fn standard(self) -> bool {
        self != Order::Native
    }

    pub(super) fn little_endian(self) -> bool {
        match self {
            Order::Native | Order::NativeStandard => cfg!(target_endian = "little"),
            Order::Little => true,
            Order::Big => false,
        }
    }
}

/// One code with its count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    /// The code letter.
    pub code: char,
    /// Repeat count (for `s` and `p`: the field's length).
    pub count: usize,
    /// Bytes per element.
    pub size: usize,
    /// Alignment (1 when not aligning).
    pub align: usize,
}

/// A parsed format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format {
    /// Byte order and size rules.
    pub order: Order,
    /// The codes in order.
    pub items: Vec<Item>,
}

/// Size and alignment of a code, or `None` if the code does not exist in this mode.
fn layout(code: char, order: Order) -> Option<(usize, usize)> {
    use std::ffi::{c_int, c_long, c_longlong, c_short};
    use std::mem::{align_of, size_of};
    let standard = match code {
        'x' | 'c' | 'b' | 'B' | '?' | 's' | 'p' => Some(1),
        'h' | 'H' | 'e' => Some(2),
        'i' | 'I' | 'l' | 'L' | 'f' => Some(4),
        'q' | 'Q' | 'd' => Some(8),
        _ => None,
    };
    if order.standard() {
        return standard.map(|s| (s, 1));
    }
    let native = match code {
        'x' | 'c' | 'b' | 'B' | '?' | 's' | 'p' => (1, 1),
        'h' | 'H' => (size_of::<c_short>(), align_of::<c_short>()),
        'e' => (2, align_of::<c_short>()),
        'i' | 'I' => (size_of::<c_int>(), align_of::<c_int>()),
        'l' | 'L' => (size_of::<c_long>(), align_of::<c_long>()),
        'q' | 'Q' => (size_of::<c_longlong>(), align_of::<c_longlong>()),
        'n' | 'N' => (size_of::<usize>(), align_of::<usize>()),
        'f' => (size_of::<f32>(), align_of::<f32>()),
        'd' => (size_of::<f64>(), align_of::<f64>()),
        'P' => (size_of::<*const u8>(), align_of::<*const u8>()),
        _ => return None,
    };
    Some(native)
}

/// Parses a format string.
pub fn parse(format: &str) -> Result<Format, StructError> {
    let mut chars = format.chars().peekable();
    let order = match chars.peek() {
        Some('@') => Order::Native,
        Some('=') => Order::NativeStandard,
        Some('<') => Order::Little,
        Some('>') | Some('!') => Order::Big,
        _ => Order::Native,
    };
    if matches!(chars.peek(), Some('@' | '=' | '<' | '>' | '!')) {
        chars.next();
    }
    let mut items = Vec::new();
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        let (count, code) = if c.is_ascii_digit() {
            let mut n: usize = c.to_digit(10).unwrap_or(0) as usize;
            let code = loop {
                match chars.next() {
                    Some(d) if d.is_ascii_digit() => {
                        // A count must fit in Python's Py_ssize_t, as the size it leads to must.
                        n = n
                            .checked_mul(10)
                            .and_then(|n| n.checked_add(d.to_digit(10).unwrap_or(0) as usize))
                            .filter(|&n| n <= isize::MAX as usize)
                            .ok_or_else(|| StructError(TOO_LONG.into()))?;
                    }
                    Some(code) => break code,
                    None => return err("repeat count given without format specifier"),
                }
            };
            (n, code)
        } else {
            (1, c)
        };
        let Some((size, align)) = layout(code, order) else {
            return err(format!("bad char in struct format: {code:?}"));
        };
        items.push(Item {
            code,
            count,
            size,
            align,
        });
    }
    Ok(Format { order, items })
}

pub(super) fn align_up(offset: usize, align: usize) -> usize {
    if align <= 1 || offset == 0 {
        offset
    } else {
        offset.div_ceil(align) * align
    }
}

impl Format {
    /// Bytes a packed value takes (Python's `calcsize`). Like Python, refuses a size past `isize::MAX`, the
    /// largest `Py_ssize_t`: `calcsize('18446744073709551615s')` is "total struct size too long".
    pub fn size(&self) -> Result<usize, StructError> {
        let mut size = 0usize;
        for item in &self.items {
            // Alignment adds at most 7 to a size at most isize::MAX: no overflow in usize.
            size = align_up(size, item.align);
            let bytes = match item.code {
                's' | 'p' => Some(item.count),
                _ => item.count.checked_mul(item.size),
            };
            size = bytes
                .and_then(|b| size.checked_add(b))
                .filter(|&total| total <= isize::MAX as usize)
                .ok_or_else(|| StructError(TOO_LONG.into()))?;
        }
        Ok(size)
    }

    /// Values the format takes: every code but `x` takes `count` values, and `s`/`p` take one. (Never more than
    /// [`size`](Self::size) bytes, each value taking at least one.)
    pub fn value_count(&self) -> usize {
        self.items
            .iter()
            .map(|i| match i.code {
                'x' => 0,
                's' | 'p' => 1,
                _ => i.count,
            })
            .fold(0, usize::saturating_add)
    }
}

/// Python's `calcsize`.
pub fn calcsize(format: &str) -> Result<usize, StructError> {
    parse(format)?.size()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::structfmt::{pack, unpack};

    #[test]
    fn native_alignment_versus_standard() {
        assert_eq!(calcsize("@ci").unwrap(), 8, "native: the int is aligned to 4");
        assert_eq!(calcsize("=ci").unwrap(), 5, "standard: no padding");
        assert_eq!(pack("@ci", &[Value::bytes(b"A"), Value::Int(1)]).unwrap().len(), 8);
        let long = std::mem::size_of::<std::ffi::c_long>();
        assert_eq!(
            calcsize("llh0l").unwrap(),
            2 * long + long.max(2).div_ceil(long) * long,
            "0l aligns the end"
        );
        assert_eq!(calcsize("<llh0l").unwrap(), 10);
    }

    #[test]
    fn sizes_past_isize_max_are_refused_as_python_refuses_them() {
        // The largest count and size Python accepts (Py_ssize_t), and one past them.
        assert_eq!(calcsize("!9223372036854775807s").unwrap(), isize::MAX as usize);
        assert_eq!(calcsize("!4611686018427387903H").unwrap(), isize::MAX as usize - 1);
        for format in [
            "!9223372036854775808s",
            "!18446744073709551615s",
            "!4611686018427387904H",
            "!9223372036854775807sB",
            "!9223372036854775807H",
            "@4611686018427387903i",
        ] {
            assert_eq!(calcsize(format).unwrap_err().0, TOO_LONG, "{format}");
            assert_eq!(pack(format, &[]).unwrap_err().0, TOO_LONG, "{format}");
            assert_eq!(unpack(format, &[]).unwrap_err().0, TOO_LONG, "{format}");
        }
    }
}
