//! The seed's menu — seed §3.3.2's `main()`: ask for the server, then 1 download / 2 upload / 3 quit, until quit
//! or the end of input.

use std::io::{BufRead, Write};
use std::path::Path;

use anyhow::{Result, anyhow};
use netlab::lines::{LineError, LineReader};
use tftp::Operation;

use crate::flags::TransferOpts;
use crate::url::local_name_for;
use crate::watch::{summary, tsize_warning};
use crate::{Target, local, usage};

/// The longest answer read: longer than any host name (253 bytes), choice or path Linux accepts (4096 bytes with
/// its NUL), so a longer line is not an answer, and input with no newline cannot fill the memory.
const MAX_ANSWER: usize = 4096;

/// Runs the menu on `input` and `out`. Returns whether every transfer succeeded.
pub fn menu(opts: &TransferOpts, input: &mut dyn BufRead, out: &mut dyn Write) -> Result<bool> {
    let mut line = String::new();
    let mut input = LineReader::new(input);
    let mut ask = |prompt: &str, line: &mut String| -> Result<bool> {
        write!(out, "{prompt}")?;
        out.flush()?;
        line.clear();
        let bytes = match input.read_line(MAX_ANSWER) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Ok(false),
            Err(e @ LineError::TooLong { .. }) => return Err(usage(&format!("menu: {e}, more than any answer"))),
            Err(LineError::Io(e)) => return Err(e.into()),
        };
        *line = String::from_utf8(bytes).map_err(|_| anyhow!("menu: line {} is not UTF-8 text", input.lines_read()))?;
        Ok(true)
    };
    let server = loop {
        if !ask("TFTP server (host or host:port): ", &mut line)? {
            return Ok(true);
        }
        match crate::url::server_address(line.trim(), opts.port) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// The default transfer flags, as the command line gives them.
    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        opts: TransferOpts,
    }

    #[test]
    fn an_answer_longer_than_any_host_or_path_is_bad_input_and_read_no_further() {
        let opts = Flags::parse_from(["menu"]).opts;
        // 100 KB with no newline, then what would be a good answer: the menu stops at the limit, with one error.
        let mut input = vec![b'a'; 100_000];
        input.extend_from_slice(b"\n127.0.0.1:9\n3\n");
        let err = menu(&opts, &mut &input[..], &mut Vec::new()).unwrap_err();
        assert!(err.downcast_ref::<crate::Usage>().is_some(), "bad input: exit 2");
        assert_eq!(
            err.to_string(),
            "menu: line 1 is longer than 4096 bytes, more than any answer"
        );
    }

    #[test]
    fn a_server_on_port_0_is_asked_for_again() {
        let opts = Flags::parse_from(["menu"]).opts;
        let mut out = Vec::new();
        assert!(menu(&opts, &mut &b"127.0.0.1:0\n"[..], &mut out).unwrap());
        let out = String::from_utf8(out).unwrap();
        assert_eq!(out.matches("TFTP server").count(), 2, "{out}");
        assert!(!out.contains("1: download"), "{out}");
    }
}
