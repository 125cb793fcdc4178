//! Stopping cleanly on a signal: Ctrl-C (SIGINT), `kill` (SIGTERM), a closed terminal (SIGHUP) and Ctrl-\
//! (SIGQUIT). The transfer under way is ended as TFTP ends one, with an ERROR to the server, so that the server
//! stops at once instead of resending until it times out; a download's temporary file is removed; and the
//! program exits with 128 + the signal's number, as a shell reports a program that a signal ended (130 for
//! Ctrl-C, 143 for `kill`).
//!
//! Other signals whose default is to end a program are left to that default: SIGKILL cannot be caught at all,
//! and SIGUSR1, SIGALRM and the like are not sent to a client by accident (nor by a terminal). What such a stop
//! leaves behind, the next download of the same name into the same folder removes (see `local.rs`).
//!
//! A signal is handled on a thread of its own, while the transfer's thread may be anywhere: so what the handler
//! needs — the temporary file, and the socket and server of the transfer — is kept here, in one place it can
//! reach, for as long as it exists.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use netlab::capture::CapturedSocket;
use tftp::ErrorCode;
use tftp::packet::error_bytes;

/// What a signal handler must clean up.
#[derive(Debug)]
struct InFlight {
    /// The temporary file of the download under way.
    partial: Option<PathBuf>,
    /// A clone of the transfer's socket: an ERROR must come from the transfer's own port to count.
    socket: Option<CapturedSocket>,
    /// The server's transfer port, once its first reply has come; before that there is no transfer to end.
    server: Option<SocketAddr>,
}

static IN_FLIGHT: Mutex<InFlight> = Mutex::new(InFlight {
    partial: None,
    socket: None,
    server: None,
});

fn in_flight() -> MutexGuard<'static, InFlight> {
    // A thread that panicked while holding the lock left the record as it was; it is still right.
    IN_FLIGHT.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Handles SIGINT, SIGTERM, SIGHUP and SIGQUIT (Ctrl-C, Ctrl-Break and closing the console on Windows) with
/// [`stop`] from now on.
#[cfg(unix)]
pub fn catch_signals() -> std::io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP, SIGQUIT])?;
    std::thread::Builder::new().name("signals".into()).spawn(move || {
        if let Some(signal) = signals.forever().next() {
            stop(signal);
        }
    })?;
    Ok(())
}

/// Handles Ctrl-C, Ctrl-Break and closing the console with [`stop`] from now on.
#[cfg(not(unix))]
pub fn catch_signals() -> std::io::Result<()> {
    /// The number Unix gives SIGINT, for the exit code a shell expects (130).
    const SIGINT: i32 = 2;
    ctrlc::set_handler(|| stop(SIGINT)).map_err(std::io::Error::other)
}

/// Ends the transfer under way and the program: removes the temporary file, tells the server, and exits with
/// 128 + `signal`.
pub fn stop(signal: i32) -> ! {
    let name = signal_name(signal);
    {
        let flight = in_flight();
        if let Some(path) = &flight.partial {
            let _ = std::fs::remove_file(path);
        }
        if let (Some(socket), Some(server)) = (&flight.socket, flight.server) {
            let error = error_bytes(ErrorCode::NotDefined, &format!("client stopped by {name}"));
            let _ = socket.send_to(&error, server);
        }
    }
    eprintln!("tftp-client: stopped by {name}");
    std::process::exit(128 + signal);
}

fn signal_name(signal: i32) -> String {
    #[cfg(unix)]
    if let Some(name) = signal_hook::low_level::signal_name(signal) {
        return name.to_string();
    }
    format!("signal {signal}")
}

/// The temporary file of a download, named here for as long as this lives, so a signal removes it.
#[derive(Debug)]
pub struct Partial;

impl Partial {
    /// Names `path` as the download's temporary file.
    pub fn register(path: &Path) -> Self {
        in_flight().partial = Some(path.to_path_buf());
        Partial
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        in_flight().partial = None;
    }
}

/// A transfer under way, named here for as long as this lives, so a signal tells its server: [`new_socket`] and
/// [`latched`] say what to tell it with and where.
#[derive(Debug)]
pub struct Transfer;

impl Transfer {
    /// A transfer begins; its socket and server are not known yet.
    pub fn begin() -> Self {
        Transfer
    }
}

impl Drop for Transfer {
    fn drop(&mut self) {
        let mut flight = in_flight();
        flight.socket = None;
        flight.server = None;
    }
}

/// The transfer asks from a new socket (the first request, or a second one without options): keep a clone.
pub fn new_socket(socket: &CapturedSocket) {
    let mut flight = in_flight();
    flight.socket = socket.try_clone().ok();
    flight.server = None;
}

/// The server's first reply came from `server`: its transfer port, where an ERROR ends the transfer.
pub fn latched(server: SocketAddr) {
    in_flight().server = Some(server);
}
