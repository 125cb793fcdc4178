//! `tftp-client` — seed §3.3.2's TFTP client, made real. Try it against the lab server in two terminals:
//!
//! ```text
//! just tftp-server                                   # terminal 1: serves a demo folder on port 6969
//! cargo run -p tftp-client -- get 127.0.0.1 hello.txt --port 6969 --trace
//! cargo run -p tftp-client -- --port 6969            # the seed's menu: server, then 1/2/3
//! ```

use std::process::ExitCode;

fn main() -> ExitCode {
    tftp_client::main_with(std::env::args_os())
}
