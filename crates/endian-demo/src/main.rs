//! `endian-demo` — byte order made visible, and Python-compatible `struct` pack/unpack. Try:
//!
//! ```text
//! cargo run -p endian-demo                                   # this machine's byte order, as tables
//! cargo run -p endian-demo -- pack '!H8sb5sb' 1 test.txt 0 octet 0
//! cargo run -p endian-demo -- rrq 测试.txt
//! ```

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use endian_demo::order::{self, big, hex};
use endian_demo::structfmt::{self, Value, python_tuple};
// Like std's, but a closed standard output (`| head -1`) ends the program quietly, as `cat` ends.
use netlab::{print, println};

const EXAMPLES: &str = "\
Examples:
  endian-demo show 0x1122 --type u16
  endian-demo pack '!H8sb5sb' 1 test.txt 0 octet 0      the seed's read request
  endian-demo unpack '!HH' '00 04 00 01'                an ACK of block 1";

/// Byte order made visible, and pack/unpack that speak Python's struct format language exactly.
#[derive(Debug, Parser)]
#[command(name = "endian-demo", version, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Kind {
    U16,
    U32,
    U64,
    I16,
    I32,
    I64,
    F32,
    F64,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// A value's bytes in little and big endian
    #[command(allow_negative_numbers = true)]
    Show {
        /// Decimal, 0x hex, negative, or a float
        value: String,
        #[arg(long = "type", value_enum, default_value = "u32")]
        kind: Kind,
    },
    /// Pack values like Python's struct.pack(FORMAT, *ARGS), up to 1 MiB (1048576 bytes)
    #[command(allow_negative_numbers = true)]
    Pack {
        /// A struct format, such as '!H8sb5sb'
        format: String,
        /// One per value: integers (decimal or 0x), floats, true/false, text with \xNN escapes for bytes
        args: Vec<String>,
        /// Print only the bytes, as one line of lowercase hex
        #[arg(long)]
        hex: bool,
    },
    /// Unpack hex bytes like Python's struct.unpack(FORMAT, bytes)
    Unpack {
        format: String,
        /// The bytes in hex; spaces and colons are ignored
        hex: String,
    },
    /// The packed size of a format, like Python's struct.calcsize
    Calcsize { format: String },
    /// The seed's TFTP read request for FILE, field by field, and why len(file) breaks non-ASCII names
    Rrq {
        file: String,
        #[arg(default_value = "octet")]
        mode: String,
    },
}

/// A usage error: the message, exit code 2.
struct Bad(String);

fn int_arg(text: &str) -> Result<i128, Bad> {
    let t = text.trim();
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let not_an_integer = || Bad(format!("{text:?} is not an integer (decimal or 0x hex)"));
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

/// Text to bytes: UTF-8, with `\xNN`, `\n`, `\t`, `\r`, `\0` and `\\` for bytes that cannot be typed.
fn bytes_arg(text: &str) -> Result<Vec<u8>, Bad> {
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
                let b = u8::from_str_radix(&hex, 16).map_err(|_| Bad(format!("bad escape \\x{hex} in {text:?}")))?;
                out.push(b);
            }
            Some('n') => out.push(b'\n'),
            Some('t') => out.push(b'\t'),
            Some('r') => out.push(b'\r'),
            Some('0') => out.push(0),
            Some('\\') => out.push(b'\\'),
            other => return Err(Bad(format!("unknown escape \\{} in {text:?}", other.unwrap_or(' ')))),
        }
    }
    Ok(out)
}

/// Hex digits to bytes; spaces and colons between them are ignored. Checked digit by digit, so text such as
/// `中文` is refused as not hex (slicing it two bytes at a time would cut a character in half).
fn hex_arg(text: &str) -> Result<Vec<u8>, Bad> {
    let digits: Vec<u8> = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':')
        .map(|c| c.to_digit(16).map(|d| d as u8))
        .collect::<Option<_>>()
        .ok_or_else(|| Bad(format!("{text:?} is not hex")))?;
    if digits.len() % 2 != 0 {
        return Err(Bad(format!("{text:?}: an odd number of hex digits")));
    }
    Ok(digits.chunks(2).map(|pair| pair[0] << 4 | pair[1]).collect())
}

fn float_arg(text: &str) -> Result<f64, Bad> {
    text.trim()
        .parse::<f64>()
        .map_err(|_| Bad(format!("{text:?} is not a number")))
}

/// A refusal of the struct module, worded as Python words it.
fn struct_error(e: structfmt::StructError) -> Bad {
    Bad(format!("struct.error: {e}"))
}

/// Reads each argument as the type its format code wants. The format is checked first, in Python's order (its
/// codes, its size, then the number of values), so a count such as `!4000000000H` is refused before anything is
/// built for it.
fn values_for(format: &str, args: &[String]) -> Result<Vec<Value>, Bad> {
    let fmt = structfmt::parse(format).map_err(struct_error)?;
    let size = fmt.size().map_err(struct_error)?;
    if fmt.value_count() != args.len() {
        return Err(Bad(format!(
            "struct.error: pack expected {} items for packing (got {})",
            fmt.value_count(),
            args.len()
        )));
    }
    if size > structfmt::MAX_PACKED {
        // Python would try (and print nothing for a long while); not a struct.error, so not worded as one.
        return Err(Bad(format!("{format:?}: {}", structfmt::too_large_to_pack(size))));
    }
    let codes: Vec<char> = fmt
        .items
        .iter()
        .flat_map(|i| match i.code {
            'x' => vec![],
            's' | 'p' => vec![i.code],
            c => vec![c; i.count],
        })
        .collect();
    codes
        .iter()
        .zip(args)
        .map(|(code, arg)| match code {
            's' | 'p' | 'c' => bytes_arg(arg).map(Value::Bytes),
            '?' => match arg.to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(Value::Bool(true)),
                "false" | "0" => Ok(Value::Bool(false)),
                _ => Err(Bad(format!("{arg:?} is not true or false"))),
            },
            'e' | 'f' | 'd' => float_arg(arg).map(Value::Float),
            _ => int_arg(arg).map(Value::Int),
        })
        .collect()
}

fn tour() {
    println!("This machine is {}.", order::host_order());
    println!();
    println!("How 0x1122 sits in memory (2 bytes):");
    print!("{}", order::table(0x1122, 2));
    println!();
    println!("How 0x11223344 sits in memory (4 bytes):");
    print!("{}", order::table(0x1122_3344, 4));
    println!();
    println!("Networks send the big-endian bytes (\"network byte order\", seed 3.3.2). In Rust:");
    println!(
        "  0x1122u16.to_be_bytes()  = [{}]   what goes on the wire, on any machine",
        hex(&0x1122u16.to_be_bytes())
    );
    println!("  0x1122u16.to_le_bytes()  = [{}]", hex(&0x1122u16.to_le_bytes()));
    println!(
        "  0x1122u16.to_be()        = 0x{:04x}   htons(): swapped here; unchanged on a big-endian machine",
        0x1122u16.to_be()
    );
    println!(
        "  u16::from_be_bytes([0x11, 0x22]) = 0x{:04x}   ntohs(): wire bytes back to a number",
        u16::from_be_bytes([0x11, 0x22])
    );
}

fn show(value: &str, kind: Kind) -> Result<(), Bad> {
    let (bits, size): (u64, usize) = match kind {
        Kind::F32 => (u64::from((float_arg(value)? as f32).to_bits()), 4),
        Kind::F64 => (float_arg(value)?.to_bits(), 8),
        _ => {
            let n = int_arg(value)?;
            let (size, min, max) = match kind {
                Kind::U16 => (2, 0, i128::from(u16::MAX)),
                Kind::U32 => (4, 0, i128::from(u32::MAX)),
                Kind::U64 => (8, 0, i128::from(u64::MAX)),
                Kind::I16 => (2, i128::from(i16::MIN), i128::from(i16::MAX)),
                Kind::I32 => (4, i128::from(i32::MIN), i128::from(i32::MAX)),
                _ => (8, i128::from(i64::MIN), i128::from(i64::MAX)),
            };
            if n < min || n > max {
                return Err(Bad(
                    format!("{value} does not fit in {kind:?} ({min} to {max})").to_lowercase()
                ));
            }
            (n as u64 & (u64::MAX >> (64 - size * 8)), size)
        }
    };
    println!("{value} as {} ({size} bytes)", format!("{kind:?}").to_lowercase());
    print!("{}", order::table(bits, size));
    println!("  on the wire: {}", hex(&big(bits, size)));
    Ok(())
}

fn rrq(file: &str, mode: &str) {
    let name = file.as_bytes();
    let packed = structfmt::pack(
        &format!("!H{}sb{}sb", name.len(), mode.len()),
        &[
            Value::Int(1),
            Value::Bytes(name.to_vec()),
            Value::Int(0),
            Value::Bytes(mode.as_bytes().to_vec()),
            Value::Int(0),
        ],
    )
    .unwrap_or_default();
    println!("RRQ for {file:?} in {mode} mode: {} bytes", packed.len());
    println!("  offset  field     bytes");
    println!("  0       opcode    00 01                (1 = read request, big endian)");
    println!("  2       filename  {}", hex(name));
    println!("  {:<7} 0         00", 2 + name.len());
    println!("  {:<7} mode      {}", 3 + name.len(), hex(mode.as_bytes()));
    println!("  {:<7} 0         00", 3 + name.len() + mode.len());
    println!();
    print!("{}", netlab::hexdump(&packed));
    println!("python: {}", netlab::bytes_literal(&packed));
    let chars = file.chars().count();
    if chars != name.len() {
        let seed = structfmt::pack(
            &format!("!H{chars}sb5sb"),
            &[
                Value::Int(1),
                Value::Bytes(name.to_vec()),
                Value::Int(0),
                Value::Bytes(b"octet".to_vec()),
                Value::Int(0),
            ],
        )
        .unwrap_or_default();
        println!();
        println!(
            "The seed builds the format with len(file) = {chars}: characters, not bytes. The name is {} bytes in UTF-8,",
            name.len()
        );
        println!("so \"!H{chars}sb5sb\" cuts it short, and the server is asked for a different file:");
        println!("python: {}", netlab::bytes_literal(&seed));
    }
}

fn run(cli: Cli) -> Result<(), Bad> {
    match cli.command {
        None => tour(),
        Some(Command::Show { value, kind }) => show(&value, kind)?,
        Some(Command::Pack { format, args, hex }) => {
            let values = values_for(&format, &args)?;
            let bytes = structfmt::pack(&format, &values).map_err(struct_error)?;
            if hex {
                println!("{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>());
            } else {
                print!("{}", netlab::hexdump(&bytes));
                println!("python: {}", netlab::bytes_literal(&bytes));
            }
        }
        Some(Command::Unpack { format, hex }) => {
            let bytes = hex_arg(&hex)?;
            let values = structfmt::unpack(&format, &bytes).map_err(struct_error)?;
            println!("{}", python_tuple(&values));
        }
        Some(Command::Calcsize { format }) => {
            println!("{}", structfmt::calcsize(&format).map_err(struct_error)?);
        }
        Some(Command::Rrq { file, mode }) => rrq(&file, &mode),
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Bad(message)) => {
            eprintln!("endian-demo: {message}");
            ExitCode::from(2)
        }
    }
}
