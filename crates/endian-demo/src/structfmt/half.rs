//! IEEE 754 half precision (`e`, 2 bytes: 1 sign bit, 5 exponent bits, 10 fraction bits), which Rust has no
//! type for: converted by hand, rounding to nearest even as Python does.

use super::format::{StructError, err};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::structfmt::{Value, pack, unpack};

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
}
