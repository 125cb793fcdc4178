//! `tftp-client` — seed §3.3.2's TFTP client, made real. Try it against the lab server in two terminals:
//!
//! ```text
//! just tftp-server                                   # terminal 1: serves a demo folder on port 6969
//! cargo run -p tftp-client -- get 127.0.0.1 hello.txt --port 6969 --trace
//! cargo run -p tftp-client -- --port 6969            # the seed's menu: server, then 1/2/3
//! ```

use std::process::ExitCode;

use clap::Parser;
use tftp_client::{Cli, Usage};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    // Stopped by Ctrl-C, kill or a closed terminal, a download removes its temporary file before it goes.
    let _ = ctrlc::set_handler(|| {
        tftp_client::local::remove_partial();
        eprintln!("tftp-client: interrupted");
        std::process::exit(130);
    });
    match tftp_client::run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tftp-client: {e:#}");
            ExitCode::from(if e.is::<Usage>() { 2 } else { 1 })
        }
    }
}
