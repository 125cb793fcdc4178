//! # labbench — peers and measurements shared by `just bench` and `just interop`
//!
//! ## Layout
//! - [`bench`](mod@bench): the benchmarks of `just bench`, one file each (`tftp_client`, `tftp_server`, `echo`), which the
//!   program `src/main.rs` only calls.
//! - [`peers`]: start real peers (tftpd-hpa, atftpd, busybox tftpd; the C and Python echo servers whose source
//!   is in `peers/`) on loopback, and our own binaries; run Python oracle scripts.
//! - [`floor`]: the least an exchange can cost on this machine, measured in the same run.
//! - [`timing`]: alternating runs, medians and ratios; the units the tables print; `sync` between disk runs.
//! - [`lines`]: a child's output line by line with a time limit, for tests.
//! - [`tshark`]: Wireshark's command line reading the programs' `--pcap` captures, checksums checked, TFTP on
//!   any port (`-d udp.port==PORT,tftp`).

pub mod bench;
pub mod floor;
pub mod lines;
pub mod peers;
pub mod timing;
pub mod tshark;
