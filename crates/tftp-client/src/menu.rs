//! The seed's menu — seed §3.3.2's `main()`: ask for the server, then 1 download / 2 upload / 3 quit, until quit
//! or the end of input.

use std::io::{BufRead, Write};
use std::path::Path;

use anyhow::Result;
use tftp::Operation;

use crate::flags::TransferOpts;
use crate::url::local_name_for;
use crate::watch::{summary, tsize_warning};
use crate::{Target, local};

/// Runs the menu on `input` and `out`. Returns whether every transfer succeeded.
pub fn menu(opts: &TransferOpts, input: &mut dyn BufRead, out: &mut dyn Write) -> Result<bool> {
    let mut line = String::new();
    let mut ask = |prompt: &str, line: &mut String| -> Result<bool> {
        write!(out, "{prompt}")?;
        out.flush()?;
        line.clear();
        Ok(input.read_line(line)? > 0)
    };
    let server = loop {
        if !ask("TFTP server (host or host:port): ", &mut line)? {
            return Ok(true);
        }
        match netlab::parse_endpoint(line.trim(), opts.port) {
            Ok(addr) if !line.trim().is_empty() => break addr,
            Ok(_) => eprintln!("please type a host name or address"),
            Err(e) => eprintln!("{e}"),
        }
    };
    let mut all_ok = true;
    loop {
        if !ask("1: download  2: upload  3: quit > ", &mut line)? {
            return Ok(all_ok);
        }
        let choice = line.trim().to_string();
        let (prompt, op) = match choice.as_str() {
            "1" => ("file to download: ", Operation::Download),
            "2" => ("file to upload: ", Operation::Upload),
            "3" | "q" | "quit" => return Ok(all_ok),
            _ => {
                eprintln!("choose 1, 2 or 3");
                continue;
            }
        };
        if !ask(prompt, &mut line)? {
            return Ok(all_ok);
        }
        let name = line.trim().to_string();
        if name.is_empty() {
            continue;
        }
        let target = Target {
            server,
            remote: name.clone(),
        };
        let result = match op {
            Operation::Download => local_name_for(&name).and_then(|local| local::download(opts, &target, &local)),
            Operation::Upload => {
                let remote = local_name_for(&name).map(|p| p.to_string_lossy().into_owned());
                remote.and_then(|remote| local::upload(opts, &Target { server, remote }, Path::new(&name)))
            }
        };
        match result {
            Ok(outcome) => {
                if let Some(warning) = tsize_warning(opts, &outcome).filter(|_| op == Operation::Download) {
                    eprintln!("{warning}");
                }
                eprintln!("{}", summary(op, &target, &outcome));
            }
            Err(e) => {
                all_ok = false;
                eprintln!("error: {e:#}");
            }
        }
    }
}
