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
//!
//! ## Layout
//! - [`format`](mod@format): a format read into its [`Format`] (byte order, items), and [`calcsize`].
//! - [`pack`](mod@pack) and [`unpack`](mod@unpack): values to bytes and back, refused as Python refuses.
//! - [`half`]: the 2-byte `e` float, by hand.
//! - [`python`]: values as Python writes them — [`python_tuple`] — and the command line's text read as values.

pub mod format;
pub mod half;
pub mod pack;
pub mod python;
pub mod unpack;

pub use format::{Format, Item, MAX_PACKED, Order, StructError, Value, calcsize, parse};
pub use half::{half_bits, half_value};
pub use pack::{pack, too_large_to_pack};
pub use python::{python_float, python_tuple};
pub use unpack::unpack;

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
