//! Oracle: 10,000 random formats and values packed by us and by CPython's `struct` — the same bytes, or both
//! refuse. Run by `just interop` (needs python3).
#![allow(clippy::unwrap_used)]

use endian_demo::structfmt::{Value, pack};
use netlab::rng::Rng;
use serde_json::json;

fn int_value(rng: &mut Rng, code: char) -> i128 {
    let bits: u32 = match code {
        'b' | 'B' | '?' => 8,
        'h' | 'H' => 16,
        'i' | 'I' => 32,
        _ => 64,
    };
    let unsigned = code.is_ascii_uppercase() || code == 'P';
    let (min, max) = if unsigned {
        (0i128, (1i128 << bits) - 1)
    } else {
        (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
    };
    match rng.below(30) {
        0 => max + 1 + i128::from(rng.below(3)), // just out of range
        1 => min - 1,
        2 => max,
        3 => min,
        _ => min + (i128::from(rng.next_u64()) << 64 | i128::from(rng.next_u64())).rem_euclid(max - min + 1),
    }
}

fn float_value(rng: &mut Rng) -> f64 {
    match rng.below(8) {
        0 => 65504.0 + rng.below(64) as f64,           // around half precision's maximum
        1 => (rng.below(2000) as f64 - 1000.0) * 1e35, // around f32's maximum
        2 => f64::from_bits(rng.next_u64()).abs().min(1e300) * if rng.below(2) == 0 { 1.0 } else { -1.0 },
        3 => (rng.below(1 << 20) as f64) * 2f64.powi(-(rng.below(40) as i32)), // subnormal halves and friends
        4 => -0.0,
        _ => (rng.next_u64() as i64 as f64) / (1u64 << rng.below(60)) as f64,
    }
}

fn case(rng: &mut Rng) -> (String, Vec<Value>, Vec<serde_json::Value>) {
    let order = rng.pick(&["", "@", "=", "<", ">", "!"]);
    let native = order.is_empty() || order == "@";
    let codes: &[char] = if native {
        &[
            'x', 'c', 'b', 'B', '?', 'h', 'H', 'i', 'I', 'l', 'L', 'q', 'Q', 'n', 'N', 'e', 'f', 'd', 's', 'p', 'P',
        ]
    } else {
        &[
            'x', 'c', 'b', 'B', '?', 'h', 'H', 'i', 'I', 'l', 'L', 'q', 'Q', 'e', 'f', 'd', 's', 'p',
        ]
    };
    let mut format = order.to_string();
    let mut values = Vec::new();
    let mut shown = Vec::new();
    for _ in 0..1 + rng.below(5) {
        // Now and then a code this mode does not allow, which both sides must refuse.
        let code = if rng.below(40) == 0 {
            rng.pick(&['n', 'N', 'P', 'z'])
        } else {
            rng.pick(codes)
        };
        // Not `0p`: CPython writes a stray 0xff "length" byte for a Pascal string of no room, into whatever
        // follows it — a bug in CPython we do not copy (ours writes nothing, as a zero-length field should).
        let count = match code {
            's' => rng.below(12),
            'p' => 1 + rng.below(11),
            _ => rng.below(4),
        };
        if count != 1 || rng.below(2) == 0 {
            format.push_str(&count.to_string());
        }
        format.push(code);
        if rng.below(3) == 0 {
            format.push(' ');
        }
        let n = match code {
            'x' => 0,
            's' | 'p' => 1,
            _ => count,
        };
        for _ in 0..n {
            let (v, j) = match code {
                's' | 'p' | 'c' => {
                    let len = if code == 'c' && rng.below(10) != 0 {
                        1
                    } else {
                        rng.below(14) as usize
                    };
                    let bytes: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
                    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                    (Value::Bytes(bytes), json!({"t": "bytes", "v": hex}))
                }
                '?' => {
                    let b = rng.below(2) == 0;
                    (Value::Bool(b), json!({"t": "bool", "v": b}))
                }
                'e' | 'f' | 'd' => {
                    let x = float_value(rng);
                    (Value::Float(x), json!({"t": "float", "v": format!("{x:e}")}))
                }
                _ => {
                    let i = int_value(rng, code);
                    (Value::Int(i), json!({"t": "int", "v": i.to_string()}))
                }
            };
            values.push(v);
            shown.push(j);
        }
    }
    // Now and then one value too many or too few.
    if rng.below(30) == 0 {
        values.push(Value::Int(1));
        shown.push(json!({"t": "int", "v": "1"}));
    }
    (format, values, shown)
}

#[test]
#[ignore = "oracle: needs python3 (run by `just interop`)"]
fn ten_thousand_formats_agree_with_cpython_struct() {
    let mut rng = Rng::new(0x5eed_1234_abcd_0001);
    let mut lines = Vec::new();
    let mut refused = 0;
    for _ in 0..10_000 {
        let (format, values, shown) = case(&mut rng);
        let ours = pack(&format, &values)
            .ok()
            .map(|b| b.iter().map(|x| format!("{x:02x}")).collect::<String>());
        refused += usize::from(ours.is_none());
        lines.push(json!({"format": format, "values": shown, "ours": ours}).to_string());
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oracle.py");
    let report = labbench::peers::python_oracle(std::path::Path::new(script), &lines).unwrap();
    let summary = report.lines().next().unwrap_or_default();
    println!("endian-demo oracle: {summary} ({refused} refused by both)");
    assert_eq!(summary, "10000 cases, 0 mismatches", "\n{report}");
    assert!(
        refused > 100 && refused < 9_000,
        "the cases mix packs and refusals: {refused}"
    );
}
