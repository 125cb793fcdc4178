//! # tftp-client — the `tftp-client` program around the `tftp` library
//!
//! Seed §3.3.2's client, made real: the seed's menu, `get` and `put` on the command line, `tftp://` URLs, safe
//! local files, a progress bar and `--trace`. The protocol itself is the `tftp` crate's; this crate is what a user
//! touches.
//!
//! ## Layout
//! - [`cli`]: the command line (clap): the `get` and `put` subcommands and their arguments, [`run`].
//! - [`flags`]: the flags every transfer shares, and the [`ClientConfig`](tftp::client::ClientConfig) they make.
//! - [`url`]: where a transfer goes — `HOST REMOTE` or `tftp://host[:port]/file` — and default file names.
//! - [`watch`]: what the user sees of a transfer: the progress bar and `--trace` while it runs, one line at the end.
//! - [`local`]: the local file: a download written to a temporary file and renamed into place, an upload read.
//! - [`menu`]: the seed's interactive loop (server, then 1 download / 2 upload / 3 quit).
//! - [`stop`]: stopping on a signal (Ctrl-C, `kill`): the server told with an ERROR, the temporary file removed.
//! - [`temp`]: a download's temporary file (name, lock), and the removal of those that killed downloads left.
//!
//! Exit codes: 0 success, 1 a failed transfer, 2 bad usage ([`Usage`]); `main.rs` maps them.

pub mod cli;
pub mod flags;
pub mod local;
pub mod menu;
pub mod stop;
pub mod temp;
pub mod url;
pub mod watch;

pub use cli::{Cli, run};
pub use flags::TransferOpts;
pub use url::{Target, parse_url};

/// A usage error: the command line or an address typed is wrong, and the program exits with 2.
#[derive(Debug)]
pub struct Usage(String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// `msg` as a [`Usage`] error.
pub fn usage(msg: &str) -> anyhow::Error {
    anyhow::Error::new(Usage(msg.to_string()))
}
