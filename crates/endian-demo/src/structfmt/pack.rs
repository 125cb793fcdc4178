//! Values to bytes, as Python's `struct.pack` makes them — and refuses them, in its order.

use super::format::{MAX_PACKED, Order, StructError, Value, align_up, err, parse};
use super::half::half_bits;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::structfmt::{calcsize, unpack};

    #[test]
    fn the_seed_read_request() {
        let packed = pack(
            "!H8sb5sb",
            &[
                Value::Int(1),
                Value::bytes(b"test.txt"),
                Value::Int(0),
                Value::bytes(b"octet"),
                Value::Int(0),
            ],
        )
        .unwrap();
        assert_eq!(packed, b"\x00\x01test.txt\x00octet\x00");
        assert_eq!(calcsize("!H8sb5sb").unwrap(), 17);
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
    fn pascal_strings_and_padding() {
        assert_eq!(pack("5p", &[Value::bytes(b"hi")]).unwrap(), b"\x02hi\x00\x00");
        assert_eq!(pack("3p", &[Value::bytes(b"hello")]).unwrap(), b"\x02he");
        assert_eq!(unpack("5p", b"\x02hi\x00\x00").unwrap(), [Value::bytes(b"hi")]);
        assert_eq!(pack("4s", &[Value::bytes(b"ab")]).unwrap(), b"ab\x00\x00");
        assert_eq!(pack("2s", &[Value::bytes(b"abcd")]).unwrap(), b"ab");
        assert_eq!(pack("2x", &[]).unwrap(), [0, 0]);
        assert_eq!(pack("0s", &[Value::bytes(b"abc")]).unwrap(), b"");
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
        assert_eq!(
            e("<c", &[Value::bytes(b"ab")]),
            "char format requires a bytes object of length 1"
        );
        assert_eq!(e("<f", &[Value::Float(1e300)]), "float too large to pack with f format");
        assert_eq!(
            unpack("<I", &[1, 2]).unwrap_err().0,
            "unpack requires a buffer of 4 bytes"
        );
    }

    #[test]
    fn pack_refuses_what_it_would_have_to_allocate_gigabytes_for() {
        // Python checks the number of values before it allocates: so do we, at once.
        assert_eq!(
            pack("!4000000000H", &[Value::Int(1)]).unwrap_err().0,
            "pack expected 4000000000 items for packing (got 1)"
        );
        assert_eq!(
            pack("!99999999999s", &[Value::bytes(b"x")]).unwrap_err().0,
            "99999999999 bytes is more than pack makes here (at most 1048576 bytes, 1 MiB)"
        );
        assert_eq!(pack(&format!("!{MAX_PACKED}x"), &[]).unwrap().len(), MAX_PACKED);
        assert!(pack(&format!("!{}x", MAX_PACKED + 1), &[]).is_err());
    }
}
