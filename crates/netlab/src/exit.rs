//! Exit codes: one convention for every Socket Labs program, decided here once.
//!
//! | code | meaning                                              | for example                                        |
//! |------|------------------------------------------------------|----------------------------------------------------|
//! | 0    | it worked                                            |                                                    |
//! | 1    | a runtime failure: the command was right, the world was not | a port in use, no reply, a file that cannot be read or written |
//! | 2    | bad usage or bad input: the command itself is wrong  | an unknown flag, `256.1.1.1`, a host name that does not resolve, a mask with holes |
//!
//! A script, or a lab's grader, can then tell "you called me wrong" from "it did not work" by the code alone, as
//! with `grep` and `diff`. clap already exits 2 on its own errors (an unknown flag, a missing argument, a number
//! out of range); [`Failure::usage`] is for the bad input clap cannot see, found while the program reads its
//! arguments. Everything the user typed is input: an address that is malformed *or* names no host is exit 2,
//! because the fix is to change the command, not to retry it.
//!
//! Every `main` has the same three steps: parse (clap), call the library, map its errors:
//!
//! ```no_run
//! use std::process::ExitCode;
//! use netlab::exit::{self, Failure};
//!
//! fn run(host: &str) -> Result<(), Failure> {
//!     let ip = netlab::parse_host(host).map_err(Failure::usage)?; // a typo or an unknown name: exit 2
//!     let socket = std::net::UdpSocket::bind((ip, 0)).map_err(Failure::runtime)?; // the system said no: exit 1
//!     socket.send_to(b"hello", (ip, 7)).map_err(|e| Failure::runtime(format!("cannot send: {e}")))?;
//!     Ok(())
//! }
//!
//! fn main() -> ExitCode {
//!     exit::report("demo", run("127.0.0.1")) // prints "demo: <why>" on one line when it fails
//! }
//! ```

use std::fmt;
use std::io::{self, Write};
use std::process::ExitCode;

/// Which of the two kinds of failure, and so which exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Bad usage or bad input: exit code 2. Running the same command again cannot help.
    Usage,
    /// The command was right but did not work (the network, the system, a file): exit code 1.
    Runtime,
}

impl Kind {
    /// The exit code: 2 for [`Kind::Usage`], 1 for [`Kind::Runtime`].
    pub const fn code(self) -> u8 {
        match self {
            Kind::Usage => 2,
            Kind::Runtime => 1,
        }
    }
}

/// Why a program stopped: its [`Kind`], and the one line that says why (or nothing, when the program's own
/// output already said it: see [`Failure::quiet`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    kind: Kind,
    message: Option<String>,
}

impl Failure {
    /// Bad usage or bad input (exit code 2), saying why: `Failure::usage(format!("--bind {e}"))`.
    pub fn usage(why: impl fmt::Display) -> Failure {
        Failure {
            kind: Kind::Usage,
            message: Some(why.to_string()),
        }
    }

    /// A runtime failure (exit code 1), saying why: `.map_err(Failure::runtime)`.
    pub fn runtime(why: impl fmt::Display) -> Failure {
        Failure {
            kind: Kind::Runtime,
            message: Some(why.to_string()),
        }
    }

    /// A failure the program's output has already explained, so [`report`] adds no line: `echo-client`'s
    /// summary says "100% loss" the way ping's does, then the program exits 1.
    pub fn quiet(kind: Kind) -> Failure {
        Failure { kind, message: None }
    }

    /// Usage or runtime.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The line that says why, without the program's name; `None` for a [quiet](Failure::quiet) failure.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message.as_deref().unwrap_or(match self.kind {
            Kind::Usage => "bad usage",
            Kind::Runtime => "failed",
        }))
    }
}

impl std::error::Error for Failure {}

/// The end of every `main`: exit code 0 for `Ok`, else `program: why` on standard error, in one line, and
/// the failure's exit code (2 usage, 1 runtime).
pub fn report(program: &str, result: Result<(), Failure>) -> ExitCode {
    ExitCode::from(report_to(program, result, &mut io::stderr().lock()))
}

/// [`report`] writing to `err`, returning the code as a number (what the tests check).
fn report_to(program: &str, result: Result<(), Failure>, err: &mut dyn Write) -> u8 {
    match result {
        Ok(()) => 0,
        Err(failure) => {
            if let Some(why) = failure.message() {
                // Nowhere left to say it if standard error itself is gone; the exit code still does.
                let _ = writeln!(err, "{program}: {why}");
            }
            failure.kind().code()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reported(result: Result<(), Failure>) -> (u8, String) {
        let mut err = Vec::new();
        let code = report_to("demo", result, &mut err);
        (code, String::from_utf8(err).unwrap_or_default())
    }

    #[test]
    fn success_is_0_and_silent() {
        assert_eq!(reported(Ok(())), (0, String::new()));
    }

    #[test]
    fn usage_is_2_and_runtime_is_1_each_with_one_line_naming_the_program() {
        let bad_address = crate::parse_host("256.1.1.1").map_err(Failure::usage);
        assert_eq!(
            reported(bad_address.map(drop)),
            (
                2,
                "demo: \"256.1.1.1\": octet 256 is out of range (0-255)\n".to_string()
            )
        );
        let refused = io::Error::from(io::ErrorKind::AddrInUse);
        assert_eq!(
            reported(Err(Failure::runtime(format!("cannot bind: {refused}")))),
            (1, "demo: cannot bind: address in use\n".to_string())
        );
    }

    #[test]
    fn a_quiet_failure_keeps_its_code_and_prints_nothing() {
        assert_eq!(reported(Err(Failure::quiet(Kind::Runtime))), (1, String::new()));
        assert_eq!(reported(Err(Failure::quiet(Kind::Usage))), (2, String::new()));
        assert_eq!(Failure::quiet(Kind::Runtime).message(), None);
    }

    #[test]
    fn kinds_and_codes() {
        assert_eq!((Kind::Usage.code(), Kind::Runtime.code()), (2, 1));
        assert_eq!(Failure::usage("x").kind(), Kind::Usage);
        assert_eq!(Failure::runtime("x").to_string(), "x");
    }
}
