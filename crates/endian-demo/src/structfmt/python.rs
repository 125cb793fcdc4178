//! Values as Python writes them, both ways: the tuple `struct.unpack` returns as Python prints it, and the text
//! typed on the command line read as the values a format's codes want.

use super::format::{MAX_PACKED, Value, parse};
use super::pack::too_large_to_pack;

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

/// An integer as typed: decimal or `0x` hex, with one sign at most (`-5`, `+7`, `0xff`, `-0x10`).
pub fn int_from_text(text: &str) -> Result<i128, String> {
    let t = text.trim();
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let not_an_integer = || format!("{text:?} is not an integer (decimal or 0x hex)");
    let unsigned = digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X"));
    // One sign only: from_str_radix takes a sign of its own, and "--5" or "-0x-5" are typing slips.
    if unsigned.unwrap_or(digits).starts_with(['+', '-']) {
        return Err(not_an_integer());
    }
    let value = match unsigned {
        Some(h) => i128::from_str_radix(h, 16),
        None => digits.parse::<i128>(),
    }
    .map_err(|_| not_an_integer())?;
    Ok(if negative { -value } else { value })
}

/// A float as typed: `1.5`, `-2`, `1e-3`, `inf`.
pub fn float_from_text(text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .map_err(|_| format!("{text:?} is not a number"))
}

/// Text to bytes, as in a Python bytes literal: UTF-8, with `\xNN`, `\n`, `\t`, `\r`, `\0` and `\\` for bytes
/// that cannot be typed.
pub fn bytes_from_text(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        match chars.next() {
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                let b = u8::from_str_radix(&hex, 16).map_err(|_| format!("bad escape \\x{hex} in {text:?}"))?;
                out.push(b);
            }
            Some('n') => out.push(b'\n'),
            Some('t') => out.push(b'\t'),
            Some('r') => out.push(b'\r'),
            Some('0') => out.push(0),
            Some('\\') => out.push(b'\\'),
            other => return Err(format!("unknown escape \\{} in {text:?}", other.unwrap_or(' '))),
        }
    }
    Ok(out)
}

/// Hex digits to bytes (`00 04 00 01`, `de:ad`); spaces and colons between them are ignored. Checked digit by
/// digit, so text such as `中文` is refused as not hex (slicing it two bytes at a time would cut a character in
/// half).
pub fn hex_from_text(text: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':')
        .map(|c| c.to_digit(16).map(|d| d as u8))
        .collect::<Option<_>>()
        .ok_or_else(|| format!("{text:?} is not hex"))?;
    if digits.len() % 2 != 0 {
        return Err(format!("{text:?}: an odd number of hex digits"));
    }
    Ok(digits.chunks(2).map(|pair| pair[0] << 4 | pair[1]).collect())
}

/// Reads each of `args` as the type its code in `format` wants: `endian-demo pack '!H8sb5sb' 1 test.txt 0 octet
/// 0`. The format is checked first, in Python's order (its codes, its size, then the number of values), so a
/// count such as `!4000000000H` is refused before anything is built for it. The error is the line to print.
pub fn values_from_text(format: &str, args: &[String]) -> Result<Vec<Value>, String> {
    let fmt = parse(format).map_err(|e| e.to_string())?;
    let size = fmt.size().map_err(|e| e.to_string())?;
    if fmt.value_count() != args.len() {
        return Err(format!(
            "struct.error: pack expected {} items for packing (got {})",
            fmt.value_count(),
            args.len()
        ));
    }
    if size > MAX_PACKED {
        // Python would try (and print nothing for a long while); not a struct.error, so not worded as one.
        return Err(format!("{format:?}: {}", too_large_to_pack(size)));
    }
    let codes = fmt.items.iter().flat_map(|i| match i.code {
        'x' => vec![],
        's' | 'p' => vec![i.code],
        c => vec![c; i.count],
    });
    codes
        .zip(args)
        .map(|(code, arg)| match code {
            's' | 'p' | 'c' => bytes_from_text(arg).map(Value::Bytes),
            '?' => match arg.to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(Value::Bool(true)),
                "false" | "0" => Ok(Value::Bool(false)),
                _ => Err(format!("{arg:?} is not true or false")),
            },
            'e' | 'f' | 'd' => float_from_text(arg).map(Value::Float),
            _ => int_from_text(arg).map(Value::Int),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
            python_tuple(&[Value::Int(1), Value::bytes(b"ok"), Value::Bool(true)]),
            "(1, b'ok', True)"
        );
        assert_eq!(python_tuple(&[Value::Int(7)]), "(7,)");
    }

    #[test]
    fn text_typed_becomes_the_values_a_format_wants() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            values_from_text("!H8sb5sb", &args(&["1", "test.txt", "0", "octet", "0"])),
            Ok(vec![
                Value::Int(1),
                Value::bytes(b"test.txt"),
                Value::Int(0),
                Value::bytes(b"octet"),
                Value::Int(0)
            ])
        );
        assert_eq!(
            values_from_text("<4sB?e", &args(&["a\\x00b", "0xff", "true", "1.5"])),
            Ok(vec![
                Value::bytes(b"a\x00b"),
                Value::Int(255),
                Value::Bool(true),
                Value::Float(1.5)
            ])
        );
        assert_eq!(int_from_text("-0x10"), Ok(-16));
        for slip in ["--5", "-0x-5", "+-1", "x"] {
            assert!(int_from_text(slip).is_err(), "{slip}");
        }
        assert_eq!(hex_from_text("00 04:00 01"), Ok(vec![0, 4, 0, 1]));
        assert_eq!(hex_from_text("中文"), Err("\"中文\" is not hex".to_string()));
        assert_eq!(
            hex_from_text("abc"),
            Err("\"abc\": an odd number of hex digits".to_string())
        );
        assert_eq!(
            bytes_from_text("\\q"),
            Err("unknown escape \\q in \"\\\\q\"".to_string())
        );
        assert_eq!(
            values_from_text("<hh", &args(&["1"])),
            Err("struct.error: pack expected 2 items for packing (got 1)".to_string())
        );
        assert_eq!(
            values_from_text("<?", &args(&["maybe"])),
            Err("\"maybe\" is not true or false".to_string())
        );
    }
}
