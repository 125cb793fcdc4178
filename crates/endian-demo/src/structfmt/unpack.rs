//! Bytes to values, as Python's `struct.unpack` reads them: the buffer must be exactly the format's size.

use super::format::{StructError, Value, align_up, err, parse};
use super::half::half_value;

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
