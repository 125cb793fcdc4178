//! # labbench — peers and measurements shared by `just bench` and `just interop`
//!
//! ## Layout
//! - [`peers`]: start real peers (tftpd-hpa, atftpd, busybox tftpd) on loopback over a temporary root; run Python
//!   oracle scripts.
//! - [`floor`]: the least an exchange can cost on this machine, measured in the same run.
//! - [`timing`]: alternating runs, medians and ratios.
//! - [`lines`]: a child's output line by line with a time limit, for tests.
//! - [`tshark`]: Wireshark's command line reading the programs' `--pcap` captures, checksums checked, TFTP on
//!   any port (`-d udp.port==PORT,tftp`).

pub mod floor;
pub mod lines;
pub mod peers;
pub mod timing;
pub mod tshark;
