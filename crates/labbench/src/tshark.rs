//! tshark (Wireshark's command line) as the oracle for the programs' `--pcap` captures in `just interop`: it reads
//! a capture as it reads a real one, with both checksums checked, and anything it warns about is an error. tshark
//! missing is an error that says how to install it (`just peers`), never a skip.
//!
//! TFTP on a port other than 69 is dissected as TFTP with Wireshark's "Decode As", given on the command line:
//! `-d udp.port==6969,tftp` (tshark and wireshark both take it). That names the request port only; Wireshark
//! follows each transfer to the ports the server picks by itself. Debian 12's Wireshark (4.0) also has a TFTP
//! heuristic that often finds TFTP on its own, but not every Wireshark has it and a heuristic can guess wrong:
//! these tests switch it off (`--disable-heuristic tftp`), so they prove that `-d` alone is enough.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Check every IPv4 header checksum and UDP checksum (Wireshark leaves both unchecked by default).
pub const CHECK_CHECKSUMS: [&str; 4] = ["-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE"];

/// Wireshark's "Decode As" on the command line: dissect UDP `port` as `protocol` (`-d udp.port==6969,tftp`).
pub fn decode_as(port: u16, protocol: &str) -> [String; 2] {
    ["-d".to_string(), format!("udp.port=={port},{protocol}")]
}

/// Every `-d` for `ports` as TFTP, with the TFTP heuristic switched off so that only these ports are TFTP.
pub fn tftp_ports(ports: &[u16]) -> Vec<String> {
    let mut args = vec!["--disable-heuristic".to_string(), "tftp".to_string()];
    args.extend(ports.iter().flat_map(|&p| decode_as(p, "tftp")));
    args
}

/// Every `-d` for `ports` as plain data (`data.data` holds the payload in hex): a random port from port 0 may be
/// one Wireshark knows for another protocol, and a test's echo or chat message must not be taken for it.
pub fn data_ports(ports: &[u16]) -> Vec<String> {
    ports.iter().flat_map(|&p| decode_as(p, "data")).collect()
}

/// Bytes as tshark's `data.data` prints them: lowercase hex, no separators.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads `file` with tshark and returns, per packet, the values of `fields` (`-T fields -e ...`; a field that
/// occurs several times in a packet comes as its values joined by `,`). `extra` goes on the command line before
/// the fields (`-d` options). Fails if tshark is missing, fails, or says anything on stderr other than its
/// warning about running as root.
pub fn fields(file: &Path, extra: &[String], fields: &[&str]) -> Result<Vec<Vec<String>>> {
    let mut command = Command::new("tshark");
    command.arg("-r").arg(file).args(CHECK_CHECKSUMS).args(extra);
    command.args(["-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,"]);
    for field in fields {
        command.args(["-e", field]);
    }
    let out = command
        .output()
        .context("cannot run tshark; install it with `just peers` (Debian's tshark package)")?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    // As root (CI is root) tshark warns that it runs as root; anything else it says is a problem.
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.contains("Running as user \"root\""))
        .collect();
    if !out.status.success() || !warnings.is_empty() {
        bail!("tshark -r {} ({}): {warnings:?}", file.display(), out.status);
    }
    let stdout = String::from_utf8(out.stdout).context("tshark printed something that is not UTF-8")?;
    Ok(stdout
        .lines()
        .map(|line| line.split('\t').map(str::to_string).collect())
        .collect())
}

/// The fields every capture must get right, in this order: the IP version (tshark fills `ip.version` for both
/// versions, `ipv6.version` for IPv6 only), the UDP length, the UDP checksum status, the IPv4 header checksum
/// status (1 is good; empty for IPv6, which has none), and whether the packet was malformed.
pub const HEALTH: [&str; 6] = [
    "ip.version",
    "ipv6.version",
    "udp.length",
    "udp.checksum.status",
    "ip.checksum.status",
    "_ws.malformed",
];

/// Checks the [`HEALTH`] fields of every row (which must start with them): each packet is IPv4 or IPv6 with a
/// good UDP checksum (and a good header checksum for IPv4), and none is malformed.
pub fn check_health(rows: &[Vec<String>]) -> Result<()> {
    for (i, row) in rows.iter().enumerate() {
        let field = |n: usize| row.get(n).map_or("", String::as_str);
        let good = match (field(0), field(1)) {
            ("4", "") => field(4) == "1",
            ("6", "6") => field(4).is_empty(),
            _ => false,
        };
        if !good || field(2).is_empty() || field(3) != "1" || !field(5).is_empty() {
            bail!(
                "packet {}: {HEALTH:?} = {:?}",
                i + 1,
                &row[..row.len().min(HEALTH.len())]
            );
        }
    }
    Ok(())
}
