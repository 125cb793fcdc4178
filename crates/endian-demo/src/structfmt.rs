//! Python's `struct` format language, implemented in full — seed §3.3.2 (`pack("!H8sb5sb", 1, b"test.txt", 0,
//! b"octet", 0)`).
//!
//! A format is an optional byte-order character and a list of codes, each with an optional repeat count:
//!
//! | first char | byte order | sizes    | alignment |
//! |------------|------------|----------|-----------|
//! | `@` (none) | native     | native   | native    |
//! | `=`        | native     | standard | none      |
//! | `<`        | little     | standard | none      |
//! | `>` or `!` | big (network) | standard | none   |
//!
//! | code | C type      | std size | value | code | C type | std size | value |
//! |------|-------------|----------|-------|------|--------|----------|-------|
//! | `x`  | pad byte    | 1 | none  | `q`/`Q` | long long | 8 | int |
//! | `c`  | char        | 1 | 1 byte | `n`/`N` | ssize_t/size_t | native only | int |
//! | `b`/`B` | (unsigned) char | 1 | int | `e` | half float | 2 | float |
//! | `?`  | _Bool       | 1 | bool  | `f`  | float  | 4 | float |
//! | `h`/`H` | short    | 2 | int   | `d`  | double | 8 | float |
//! | `i`/`I` | int      | 4 | int   | `s`  | char[] | count bytes | bytes |
//! | `l`/`L` | long     | 4 | int   | `p`  | Pascal string | count bytes | bytes |
//! |      |             |   |       | `P`  | void * | native only | int |
//!
//! `10s` is one 10-byte string, not ten; `3h` is three shorts; `0l` packs nothing but still aligns (native mode).
//! Errors follow the spirit of Python's `struct.error`.

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

/// Why a format, a value or a buffer was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructError(pub String);

impl fmt::Display for StructError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StructError {}

fn err<T>(message: impl Into<String>) -> Result<T, StructError> {
    Err(StructError(message.into()))
}

/// Python's refusal of a repeat count or a total size past `Py_ssize_t` (`isize::MAX`).
const TOO_LONG: &str = "total struct size too long";

/// The largest size [`pack`] makes: 1 MiB, sixteen times the largest UDP datagram, the largest thing the lessons
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
    fn standard(self) -> bool {
        self != Order::Native
    }

    fn little_endian(self) -> bool {
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

fn align_up(offset: usize, align: usize) -> usize {
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

/// The range of an integer code of `size` bytes. A pointer (`P`) takes negative values too, as Python's does:
/// they are stored as their two's complement.
fn int_range(code: char, size: usize) -> (i128, i128) {
    let bits = (size * 8) as u32;
    if code == 'P' {
        (-(1i128 << (bits - 1)), (1i128 << bits) - 1)
    } else if code.is_ascii_uppercase() {
        (0, (1i128 << bits) - 1)
    } else {
        (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
    }
}

fn put_int(out: &mut Vec<u8>, value: i128, size: usize, little: bool) {
    let bytes = value.to_le_bytes();
    let mut field: Vec<u8> = bytes[..size].to_vec();
    if !little {
        field.reverse();
    }
    out.extend_from_slice(&field);
}

/// Packs `values` by `format`: the bytes Python's `struct.pack(format, *values)` gives, or its refusal.
/// Refused as Python refuses, in its order — the format (a bad code, a size too long), then the number of values
/// — and past [`MAX_PACKED`] bytes before anything is allocated.
pub fn pack(format: &str, values: &[Value]) -> Result<Vec<u8>, StructError> {
    let fmt = parse(format)?;
    let size = fmt.size()?;
    let expected = fmt.value_count();
    if values.len() != expected {
        return err(format!(
            "pack expected {expected} items for packing (got {})",
            values.len()
        ));
    }
    if size > MAX_PACKED {
        return err(too_large_to_pack(size));
    }
    let mut out = Vec::with_capacity(size);
    let mut args = values.iter();
    for item in &fmt.items {
        let aligned = align_up(out.len(), item.align);
        out.resize(aligned, 0);
        match item.code {
            'x' => out.resize(out.len() + item.count, 0),
            's' | 'p' => {
                let Some(Value::Bytes(data)) = args.next() else {
                    return err(format!("argument for '{}' must be a bytes object", item.code));
                };
                if item.code == 's' {
                    let n = data.len().min(item.count);
                    out.extend_from_slice(&data[..n]);
                    out.resize(out.len() + item.count - n, 0);
                } else if item.count > 0 {
                    // Pascal string: a length byte (at most 255, and at most the room left), then the data.
                    let n = data.len().min(item.count - 1).min(255);
                    out.push(n as u8);
                    out.extend_from_slice(&data[..n]);
                    out.resize(out.len() + item.count - 1 - n, 0);
                }
            }
            code => {
                for _ in 0..item.count {
                    let value = args.next().ok_or_else(|| StructError("not enough arguments".into()))?;
                    pack_one(&mut out, code, item.size, fmt.order, value)?;
                }
            }
        }
    }
    Ok(out)
}

/// Why a format of `size` bytes is not packed.
pub fn too_large_to_pack(size: usize) -> String {
    format!("{size} bytes is more than pack makes here (at most {MAX_PACKED} bytes, 1 MiB)")
}

fn pack_one(out: &mut Vec<u8>, code: char, size: usize, order: Order, value: &Value) -> Result<(), StructError> {
    let little = order.little_endian();
    match code {
        'c' => match value {
            Value::Bytes(b) if b.len() == 1 => out.push(b[0]),
            _ => return err("char format requires a bytes object of length 1"),
        },
        '?' => {
            let truth = match value {
                Value::Bool(b) => *b,
                Value::Int(n) => *n != 0,
                Value::Float(f) => *f != 0.0,
                Value::Bytes(b) => !b.is_empty(),
            };
            out.push(u8::from(truth));
        }
        'e' | 'f' | 'd' => {
            let x = match value {
                Value::Float(f) => *f,
                Value::Int(n) => *n as f64,
                Value::Bool(b) => f64::from(u8::from(*b)),
                Value::Bytes(_) => return err("required argument is not a float"),
            };
            let bytes: Vec<u8> = match code {
                'e' => half_bits(x)?.to_le_bytes().to_vec(),
                'f' => {
                    // In native mode Python casts like C, so a value too large becomes infinity; in standard
                    // modes it refuses.
                    let y = x as f32;
                    if y.is_infinite() && x.is_finite() && order.standard() {
                        return err("float too large to pack with f format");
                    }
                    y.to_le_bytes().to_vec()
                }
                _ => x.to_le_bytes().to_vec(),
            };
            if little {
                out.extend_from_slice(&bytes);
            } else {
                out.extend(bytes.iter().rev());
            }
        }
        _ => {
            let n = match value {
                Value::Int(n) => *n,
                Value::Bool(b) => i128::from(*b),
                _ => return err("required argument is not an integer"),
            };
            let (min, max) = int_range(code, size);
            if n < min || n > max {
                return err(format!("'{code}' format requires {min} <= number <= {max}"));
            }
            put_int(out, n, size, little);
        }
    }
    Ok(())
}

/// A double as IEEE 754 half precision, rounding to nearest even, as Python does; too large is an error.
pub fn half_bits(x: f64) -> Result<u16, StructError> {
    let sign: u16 = if x.is_sign_negative() { 0x8000 } else { 0 };
    if x.is_nan() {
        return Ok(sign | 0x7e00);
    }
    if x.is_infinite() {
        return Ok(sign | 0x7c00);
    }
    let a = x.abs();
    if a == 0.0 {
        return Ok(sign);
    }
    // a = m × 2^e with 1 <= m < 2.
    let mut e = a.log2().floor() as i32;
    let mut m = a / 2f64.powi(e);
    if m >= 2.0 {
        m /= 2.0;
        e += 1;
    } else if m < 1.0 {
        m *= 2.0;
        e -= 1;
    }
    if e >= 16 {
        return err("float too large to pack with e format");
    }
    let (mut biased, mut fraction) = if e < -25 {
        (0, 0.0) // below half the smallest subnormal: zero
    } else if e < -14 {
        (0, m * 2f64.powi(14 + e)) // subnormal
    } else {
        (e + 15, m - 1.0)
    };
    fraction *= 1024.0;
    let mut bits = fraction as u32; // truncates
    let rest = fraction - f64::from(bits);
    if rest > 0.5 || (rest == 0.5 && bits % 2 == 1) {
        bits += 1;
        if bits == 1024 {
            bits = 0;
            biased += 1;
            if biased == 31 {
                return err("float too large to pack with e format");
            }
        }
    }
    Ok(sign | ((biased as u16) << 10) | bits as u16)
}

/// A half-precision value as a double.
pub fn half_value(bits: u16) -> f64 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exponent = i32::from((bits >> 10) & 0x1f);
    let fraction = f64::from(bits & 0x3ff);
    match exponent {
        0 => sign * fraction * 2f64.powi(-24),
        31 if fraction == 0.0 => sign * f64::INFINITY,
        31 => f64::NAN,
        e => sign * (1.0 + fraction / 1024.0) * 2f64.powi(e - 15),
    }
}

/// Unpacks `data` by `format` (Python's `struct.unpack`); the buffer must be exactly the format's size.
pub fn unpack(format: &str, data: &[u8]) -> Result<Vec<Value>, StructError> {
    let fmt = parse(format)?;
    let size = fmt.size()?;
    if data.len() != size {
        return err(format!("unpack requires a buffer of {size} bytes"));
    }
    let little = fmt.order.little_endian();
    let mut at = 0usize;
    let mut values = Vec::new();
    for item in &fmt.items {
        at = align_up(at, item.align);
        match item.code {
            'x' => at += item.count,
            's' => {
                values.push(Value::Bytes(data[at..at + item.count].to_vec()));
                at += item.count;
            }
            'p' => {
                let field = &data[at..at + item.count];
                let n = field
                    .first()
                    .map_or(0, |&n| usize::from(n).min(item.count.saturating_sub(1)));
                values.push(Value::Bytes(field.get(1..1 + n).unwrap_or_default().to_vec()));
                at += item.count;
            }
            code => {
                for _ in 0..item.count {
                    let mut field = data[at..at + item.size].to_vec();
                    if !little {
                        field.reverse();
                    }
                    values.push(unpack_one(code, &field));
                    at += item.size;
                }
            }
        }
    }
    Ok(values)
}

/// One value from its bytes, already in little-endian order.
fn unpack_one(code: char, le: &[u8]) -> Value {
    let mut wide = [0u8; 16];
    wide[..le.len()].copy_from_slice(le);
    let unsigned = u128::from_le_bytes(wide);
    match code {
        'c' => Value::Bytes(le.to_vec()),
        '?' => Value::Bool(unsigned != 0),
        'e' => Value::Float(half_value(unsigned as u16)),
        'f' => Value::Float(f64::from(f32::from_bits(unsigned as u32))),
        'd' => Value::Float(f64::from_bits(unsigned as u64)),
        c if c.is_ascii_uppercase() || c == 'P' => Value::Int(unsigned as i128),
        _ => {
            // Sign-extend from the field's width.
            let shift = 128 - le.len() as u32 * 8;
            Value::Int(((unsigned << shift) as i128) >> shift)
        }
    }
}

/// Python's `calcsize`.
pub fn calcsize(format: &str) -> Result<usize, StructError> {
    parse(format)?.size()
}

/// A float as Python's `repr` writes it: `1.0`, `0.1`, `1e+16`, `1.5e-07`, `inf`, `nan`.
pub fn python_float(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    // Rust's `{:e}` gives the shortest digits that round-trip, as Python's repr does; only the layout differs.
    let sci = format!("{x:e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if negative { "-" } else { "" };
    if (-4..16).contains(&exponent) {
        let point = exponent + 1; // digits before the decimal point
        let text = if point <= 0 {
            format!("0.{}{digits}", "0".repeat((-point) as usize))
        } else if point as usize >= digits.len() {
            format!("{digits}{}.0", "0".repeat(point as usize - digits.len()))
        } else {
            format!("{}.{}", &digits[..point as usize], &digits[point as usize..])
        };
        format!("{sign}{text}")
    } else {
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        format!(
            "{sign}{first}{fraction}e{}{:02}",
            if exponent < 0 { '-' } else { '+' },
            exponent.abs()
        )
    }
}

/// Values as Python prints the tuple `struct.unpack` returns: `(1, b'test.txt', 0.5, True)`.
pub fn python_tuple(values: &[Value]) -> String {
    let parts: Vec<String> = values
        .iter()
        .map(|v| match v {
            Value::Int(n) => n.to_string(),
            Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
            Value::Float(f) => python_float(*f),
            Value::Bytes(b) => netlab::bytes_literal(b),
        })
        .collect();
    if parts.len() == 1 {
        format!("({},)", parts[0])
    } else {
        format!("({})", parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &[u8]) -> Value {
        Value::Bytes(s.to_vec())
    }

    #[test]
    fn the_seed_read_request() {
        let packed = pack(
            "!H8sb5sb",
            &[Value::Int(1), b(b"test.txt"), Value::Int(0), b(b"octet"), Value::Int(0)],
        )
        .unwrap();
        assert_eq!(packed, b"\x00\x01test.txt\x00octet\x00");
        assert_eq!(calcsize("!H8sb5sb").unwrap(), 17);
    }

    #[test]
    fn native_alignment_versus_standard() {
        assert_eq!(calcsize("@ci").unwrap(), 8, "native: the int is aligned to 4");
        assert_eq!(calcsize("=ci").unwrap(), 5, "standard: no padding");
        assert_eq!(pack("@ci", &[b(b"A"), Value::Int(1)]).unwrap().len(), 8);
        let long = std::mem::size_of::<std::ffi::c_long>();
        assert_eq!(
            calcsize("llh0l").unwrap(),
            2 * long + long.max(2).div_ceil(long) * long,
            "0l aligns the end"
        );
        assert_eq!(calcsize("<llh0l").unwrap(), 10);
    }

    #[test]
    fn byte_order() {
        assert_eq!(pack("<H", &[Value::Int(0x1122)]).unwrap(), [0x22, 0x11]);
        assert_eq!(pack(">H", &[Value::Int(0x1122)]).unwrap(), [0x11, 0x22]);
        assert_eq!(pack("!I", &[Value::Int(0x11223344)]).unwrap(), [0x11, 0x22, 0x33, 0x44]);
        assert_eq!(pack("<h", &[Value::Int(-5)]).unwrap(), [0xfb, 0xff]);
        assert_eq!(unpack("<h", &[0xfb, 0xff]).unwrap(), [Value::Int(-5)]);
        assert_eq!(unpack(">Q", &[0xff; 8]).unwrap(), [Value::Int(u64::MAX as i128)]);
    }

    #[test]
    fn half_floats() {
        assert_eq!(pack("<e", &[Value::Float(1.0)]).unwrap(), [0x00, 0x3c]);
        assert_eq!(pack("<e", &[Value::Float(65504.0)]).unwrap(), [0xff, 0x7b]);
        assert_eq!(pack("<e", &[Value::Float(-0.0)]).unwrap(), [0x00, 0x80]);
        assert_eq!(
            pack("<e", &[Value::Float(5.960464477539063e-08)]).unwrap(),
            [0x01, 0x00],
            "smallest subnormal"
        );
        assert!(
            pack("<e", &[Value::Float(65520.0)])
                .unwrap_err()
                .0
                .contains("too large")
        );
        assert_eq!(unpack("<e", &[0x00, 0x3c]).unwrap(), [Value::Float(1.0)]);
        assert_eq!(half_value(0x7bff), 65504.0);
    }

    #[test]
    fn pascal_strings_and_padding() {
        assert_eq!(pack("5p", &[b(b"hi")]).unwrap(), b"\x02hi\x00\x00");
        assert_eq!(pack("3p", &[b(b"hello")]).unwrap(), b"\x02he");
        assert_eq!(unpack("5p", b"\x02hi\x00\x00").unwrap(), [b(b"hi")]);
        assert_eq!(pack("4s", &[b(b"ab")]).unwrap(), b"ab\x00\x00");
        assert_eq!(pack("2s", &[b(b"abcd")]).unwrap(), b"ab");
        assert_eq!(pack("2x", &[]).unwrap(), [0, 0]);
        assert_eq!(pack("0s", &[b(b"abc")]).unwrap(), b"");
    }

    #[test]
    fn refusals_in_the_spirit_of_struct_error() {
        let e = |f: &str, v: &[Value]| pack(f, v).unwrap_err().0;
        assert_eq!(
            e("<h", &[Value::Int(70000)]),
            "'h' format requires -32768 <= number <= 32767"
        );
        assert_eq!(e("<B", &[Value::Int(-1)]), "'B' format requires 0 <= number <= 255");
        assert_eq!(e("<hh", &[Value::Int(1)]), "pack expected 2 items for packing (got 1)");
        assert_eq!(e("<n", &[Value::Int(1)]), "bad char in struct format: 'n'");
        assert_eq!(e("<3", &[]), "repeat count given without format specifier");
        assert_eq!(e("<q", &[Value::Float(1.5)]), "required argument is not an integer");
        assert_eq!(e("<c", &[b(b"ab")]), "char format requires a bytes object of length 1");
        assert_eq!(e("<f", &[Value::Float(1e300)]), "float too large to pack with f format");
        assert_eq!(
            unpack("<I", &[1, 2]).unwrap_err().0,
            "unpack requires a buffer of 4 bytes"
        );
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

    #[test]
    fn pack_refuses_what_it_would_have_to_allocate_gigabytes_for() {
        // Python checks the number of values before it allocates: so do we, at once.
        assert_eq!(
            pack("!4000000000H", &[Value::Int(1)]).unwrap_err().0,
            "pack expected 4000000000 items for packing (got 1)"
        );
        assert_eq!(
            pack("!99999999999s", &[b(b"x")]).unwrap_err().0,
            "99999999999 bytes is more than pack makes here (at most 1048576 bytes, 1 MiB)"
        );
        assert_eq!(pack(&format!("!{MAX_PACKED}x"), &[]).unwrap().len(), MAX_PACKED);
        assert!(pack(&format!("!{}x", MAX_PACKED + 1), &[]).is_err());
    }

    #[test]
    fn python_reprs() {
        for (x, want) in [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (-2.5, "-2.5"),
            (1e16, "1e+16"),
            (1.5e-7, "1.5e-07"),
            (123456789.0, "123456789.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (f64::from(0.1f32), "0.10000000149011612"),
        ] {
            assert_eq!(python_float(x), want);
        }
        assert_eq!(
            python_tuple(&[Value::Int(1), b(b"ok"), Value::Bool(true)]),
            "(1, b'ok', True)"
        );
        assert_eq!(python_tuple(&[Value::Int(7)]), "(7,)");
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    /// A format of integer, bool, float and string codes, with values that fit it.
    fn format_and_values() -> impl Strategy<Value = (String, Vec<Value>)> {
        let item = prop_oneof![
            (any::<i8>()).prop_map(|v| ("b".to_string(), vec![Value::Int(v.into())])),
            (any::<u16>()).prop_map(|v| ("H".to_string(), vec![Value::Int(v.into())])),
            (any::<i32>(), any::<i32>())
                .prop_map(|(a, b)| ("2i".to_string(), vec![Value::Int(a.into()), Value::Int(b.into())])),
            (any::<u64>()).prop_map(|v| ("Q".to_string(), vec![Value::Int(v.into())])),
            (any::<i64>()).prop_map(|v| ("q".to_string(), vec![Value::Int(v.into())])),
            any::<bool>().prop_map(|v| ("?".to_string(), vec![Value::Bool(v)])),
            any::<f64>()
                .prop_filter("NaN never equals itself", |f| !f.is_nan())
                .prop_map(|v| ("d".to_string(), vec![Value::Float(v)])),
            any::<f32>()
                .prop_filter("NaN never equals itself", |f| !f.is_nan())
                .prop_map(|v| ("f".to_string(), vec![Value::Float(v.into())])),
            proptest::collection::vec(any::<u8>(), 0..8).prop_map(|v| (
                "8s".to_string(),
                vec![Value::Bytes({
                    let mut padded = v.clone();
                    padded.resize(8, 0);
                    padded
                })]
            )),
            proptest::collection::vec(any::<u8>(), 0..6).prop_map(|v| ("7p".to_string(), vec![Value::Bytes(v)])),
        ];
        (
            prop_oneof![Just(""), Just("@"), Just("="), Just("<"), Just(">"), Just("!")],
            proptest::collection::vec(item, 1..6),
        )
            .prop_map(|(order, items)| {
                let format = format!("{order}{}", items.iter().map(|(f, _)| f.as_str()).collect::<String>());
                (format, items.into_iter().flat_map(|(_, v)| v).collect())
            })
    }

    proptest! {
        #[test]
        fn pack_then_unpack_returns_the_values((format, values) in format_and_values()) {
            let bytes = pack(&format, &values).unwrap();
            prop_assert_eq!(bytes.len(), calcsize(&format).unwrap());
            prop_assert_eq!(unpack(&format, &bytes).unwrap(), values);
        }

        #[test]
        fn random_formats_never_panic(format in "[@=<>! 0-9xcbB?hHiIlLqQnNefdspPz]{0,12}") {
            let _ = calcsize(&format);
            let _ = pack(&format, &[]);
            let _ = unpack(&format, &[0u8; 16]);
        }
    }
}
