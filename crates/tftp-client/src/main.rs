//! `tftp-client` — seed §3.3.2's TFTP client, made real. Try it against the lab server in two terminals:
//!
//! ```text
//! just tftp-server                                   # terminal 1: serves a demo folder on port 6969
//! cargo run -p tftp-client -- get 127.0.0.1 hello.txt --port 6969 --trace
//! cargo run -p tftp-client -- --port 6969            # the seed's menu: server, then 1/2/3
//! ```

use std::process::ExitCode;

use clap::Parser;
use netlab::exit::{self, Failure};
use tftp_client::{Cli, Usage};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Stopped by Ctrl-C, kill, a closed terminal or Ctrl-\, a transfer tells the server and a download removes its
    // temporary file before the program goes.
    if let Err(e) = tftp_client::stop::catch_signals() {
        eprintln!("tftp-client: cannot catch Ctrl-C: {e}");
    }
    let result = tftp_client::run(&cli).map_err(|e| match e.is::<Usage>() {
        true => Failure::usage(format!("{e:#}")),
        false => Failure::runtime(format!("{e:#}")),
    });
    exit::report("tftp-client", result)
}
