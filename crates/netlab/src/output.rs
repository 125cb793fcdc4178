//! Printing to standard output when its reader may go away: `ipmask 10.0.0.0/8 --split 24 | head -1`.
//!
//! When the program reading a pipe exits, the next write to the pipe fails with "broken pipe" (EPIPE). A C
//! program such as `cat` is killed silently by the SIGPIPE signal at that moment. Rust ignores SIGPIPE, so the
//! write returns an error instead, and `std`'s `println!` turns that error into a panic ("failed printing to
//! stdout: Broken pipe", exit code 101). Nothing went wrong, though: the reader took what it wanted.
//!
//! Our programs therefore print through this module. Writing to a closed standard output ends the program at
//! once, quietly, with exit code 0, as `cat` ends; any other write error (a full disk behind `> file`) ends it
//! with one line on standard error and exit code 1.
//!
//! - [`println!`](crate::println) and [`print!`](crate::print) work like `std`'s: a program says
//!   `use netlab::{print, println};` and prints as usual.
//! - [`Stdout`] is a [`Write`] for code that takes a writer (a chat's receiving thread, a server's log).

use std::fmt;
use std::io::{self, Write};

/// Ends the program because writing to standard output failed: quietly (exit 0) when the reader has gone, with
/// one line and exit code 1 for any other error.
pub fn stdout_failed(err: &io::Error) -> ! {
    if err.kind() == io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    let program = std::env::args_os()
        .next()
        .map(std::path::PathBuf::from)
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "error".to_string());
    eprintln!("{program}: cannot write to standard output: {err}");
    std::process::exit(1);
}

/// Writes `args` (and a newline if asked) to standard output, ending the program if it cannot; what the
/// [`print!`](crate::print) and [`println!`](crate::println) macros call.
pub fn print_args(args: fmt::Arguments<'_>, newline: bool) {
    let mut out = io::stdout().lock();
    let written = out
        .write_fmt(args)
        .and_then(|()| if newline { out.write_all(b"\n") } else { Ok(()) });
    if let Err(e) = written {
        stdout_failed(&e);
    }
}

/// Like `std::println!`, but a closed standard output ends the program quietly instead of panicking.
#[macro_export]
macro_rules! println {
    () => {
        $crate::output::print_args(::std::format_args!(""), true)
    };
    ($($arg:tt)*) => {
        $crate::output::print_args(::std::format_args!($($arg)*), true)
    };
}

/// Like `std::print!`, but a closed standard output ends the program quietly instead of panicking.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => {
        $crate::output::print_args(::std::format_args!($($arg)*), false)
    };
}

/// Standard output as a writer that never reports a closed pipe: the program ends instead, as with
/// [`println!`](crate::println). Other errors are returned to the caller. The lock is taken per write, so
/// several threads can share standard output line by line.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stdout;

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        io::stdout().lock().write(buf).map_err(end_if_closed)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        io::stdout().lock().write_all(buf).map_err(end_if_closed)
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stdout().lock().flush().map_err(end_if_closed)
    }
}

fn end_if_closed(err: io::Error) -> io::Error {
    if err.kind() == io::ErrorKind::BrokenPipe {
        stdout_failed(&err);
    }
    err
}

// Tested where it matters, by running the programs with their standard output on a pipe whose reader has
// gone: the `closed_stdout` tests of ipmask, endian-demo, echo-server and broadcast.
