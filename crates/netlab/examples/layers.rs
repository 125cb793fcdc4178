//! One datagram of a capture, layer by layer — seed §1.1 (encapsulation), as bytes. Any of our programs writes a
//! capture with `--pcap FILE`; this prints its packet N (the first when N is not given): the link layer, the IP
//! header field by field, the UDP header, then the data. Run it with:
//!
//! ```text
//! cargo run -p netlab --example layers -- FILE.pcapng [N]
//! ```
//!
//! Exit code 2 for a bad argument (no file named, N not a packet of the file), 1 for a file it cannot read.

use std::path::PathBuf;
use std::process::ExitCode;

use netlab::capture::{describe_layers, read};
use netlab::exit::{self, Failure};
use netlab::println;

const USAGE: &str = "usage: layers FILE.pcapng [N] (N counts from 1, as Wireshark's numbers do)";

fn run(args: &[String]) -> Result<(), Failure> {
    let (path, number) = match args {
        [path] => (PathBuf::from(path), 1),
        [path, n] => {
            let n = n.parse::<usize>().ok().filter(|&n| n >= 1);
            (
                PathBuf::from(path),
                n.ok_or_else(|| Failure::usage(format!("N must be a whole number from 1; {USAGE}")))?,
            )
        }
        _ => return Err(Failure::usage(USAGE)),
    };
    let records = read(&path).map_err(|e| Failure::runtime(format!("cannot read {}: {e}", path.display())))?;
    let Some(record) = records.get(number - 1) else {
        return Err(Failure::usage(format!(
            "{} holds {} packets: there is no packet {number}",
            path.display(),
            records.len()
        )));
    };
    println!(
        "packet {number} of {}: {} bytes from {} to {}{}",
        records.len(),
        record.packet.len(),
        record.src,
        record.dst,
        record.comment.as_deref().map(|c| format!(" ({c})")).unwrap_or_default()
    );
    netlab::print!("{}", describe_layers(&record.packet));
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    exit::report("layers", run(&args))
}
