//! # fuzzing — every parser that reads network or user input, fed arbitrary bytes
//!
//! Each function here takes one input from a fuzzer and panics only when the code under test breaks a promise: a
//! panic inside a parser, or a property that must hold (a packet that decodes encodes back to the same packet;
//! netascii decodes back to the text it came from; a negotiated window never exceeds the server's limit).
//!
//! `fuzz/` (cargo-fuzz, nightly) has one target per entry of [`TARGETS`], each calling the function of the same
//! name; `just fuzz SECONDS` runs them all. The corpus they build is committed in `fuzz/corpus/<target>/`, and
//! inputs that once crashed are kept in `fuzz/regressions/<target>/`; `tests/corpus.rs` replays both on stable, so
//! `just test` covers every input the fuzzers kept without a nightly toolchain.
//!
//! ## Layout
//! - [`tftp_cases`]: packets, options, netascii, and the server's and client's handling of one datagram.
//! - [`text_cases`]: the `struct` format language, ipmask's parser and operations, netlab's addresses, the chat's
//!   decoding.

pub mod text_cases;
pub mod tftp_cases;

/// A fuzz target: its name (the file `fuzz/fuzz_targets/<name>.rs`) and the function it calls.
pub type Target = (&'static str, fn(&[u8]));

/// Every target, network-facing ones first.
pub const TARGETS: &[Target] = &[
    ("tftp_packet", tftp_cases::packet),
    ("tftp_options", tftp_cases::options),
    ("tftp_netascii", tftp_cases::netascii),
    ("tftp_server_request", tftp_cases::server_request),
    ("tftp_transfer_receive", tftp_cases::transfer_receive),
    ("tftp_transfer_send", tftp_cases::transfer_send),
    ("tftp_client_reply", tftp_cases::client_reply),
    ("struct_format", text_cases::struct_format),
    ("ipmask_input", text_cases::ipmask_input),
    ("netlab_address", text_cases::netlab_address),
    ("chat_line", text_cases::chat_line),
];

/// Splits fuzzer bytes into `n` text fields at NUL bytes (missing fields are empty), as the targets that read
/// several strings do.
pub fn fields(data: &[u8], n: usize) -> Vec<String> {
    let mut parts: Vec<String> = data
        .splitn(n, |&b| b == 0)
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    parts.resize(n, String::new());
    parts
}
