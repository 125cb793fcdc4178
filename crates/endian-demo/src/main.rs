//! `endian-demo` — byte order made visible, and Python-compatible `struct` pack/unpack. Try:
//!
//! ```text
//! cargo run -p endian-demo                                   # this machine's byte order, as tables
//! cargo run -p endian-demo -- pack '!H8sb5sb' 1 test.txt 0 octet 0
//! cargo run -p endian-demo -- rrq 测试.txt
//! ```

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use endian_demo::order::{self, Type};
use endian_demo::rrq;
use endian_demo::structfmt::python::{hex_from_text, values_from_text};
use endian_demo::structfmt::{self, python_tuple};
use netlab::exit::{self, Failure};
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

#[derive(Debug, Subcommand)]
enum Command {
    /// A value's bytes in little and big endian
    #[command(allow_negative_numbers = true)]
    Show {
        /// Decimal, 0x hex, negative, or a float
        value: String,
        #[arg(long = "type", value_enum, default_value = "u32")]
        kind: Type,
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

/// Runs one command. Everything endian-demo refuses is bad input (exit 2): it computes, and reads nothing else.
fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        None => print!("{}", order::tour()),
        Some(Command::Show { value, kind }) => print!("{}", order::show(&value, kind).map_err(Failure::usage)?),
        Some(Command::Pack { format, args, hex }) => {
            let values = values_from_text(&format, &args).map_err(Failure::usage)?;
            let bytes = structfmt::pack(&format, &values).map_err(Failure::usage)?;
            if hex {
                println!("{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>());
            } else {
                print!("{}", netlab::hexdump(&bytes));
                println!("python: {}", netlab::bytes_literal(&bytes));
            }
        }
        Some(Command::Unpack { format, hex }) => {
            let bytes = hex_from_text(&hex).map_err(Failure::usage)?;
            let values = structfmt::unpack(&format, &bytes).map_err(Failure::usage)?;
            println!("{}", python_tuple(&values));
        }
        Some(Command::Calcsize { format }) => {
            println!("{}", structfmt::calcsize(&format).map_err(Failure::usage)?);
        }
        Some(Command::Rrq { file, mode }) => print!("{}", rrq::explain(&file, &mode)),
    }
    Ok(())
}

fn main() -> ExitCode {
    exit::report("endian-demo", run(Cli::parse()))
}
