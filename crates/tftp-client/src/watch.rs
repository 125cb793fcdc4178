//! What the user sees of a transfer: a progress bar (on a terminal) or every packet (`--trace`) while it runs, and
//! one summary line when it ends.

use std::io::{self, IsTerminal};
use std::net::SocketAddr;

use indicatif::{ProgressBar, ProgressStyle};
use tftp::client::Outcome;
use tftp::options::Negotiated;
use tftp::packet::PrettyPrinter;
use tftp::transfer::Direction;
use tftp::{Observer, Operation};

use crate::Target;
use crate::flags::{ModeArg, TransferOpts};

/// Watches a transfer for `--trace` and the progress bar.
#[derive(Debug)]
pub struct Watch {
    trace: bool,
    bar: Option<ProgressBar>,
    upload_size: Option<u64>,
}

impl Watch {
    /// A watch as `opts` ask; `upload_size` is the length of the bar for an upload.
    pub fn new(opts: &TransferOpts, upload_size: Option<u64>) -> Self {
        let show_bar = !opts.quiet && !opts.trace && io::stderr().is_terminal();
        let bar = show_bar.then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {bytes} {binary_bytes_per_sec} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar
        });
        Watch {
            trace: opts.trace,
            bar,
            upload_size,
        }
    }

    /// Clears the progress bar: the transfer is over, one way or another.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Observer for Watch {
    fn packet(&mut self, dir: Direction, peer: SocketAddr, bytes: &[u8], resent: bool) {
        if self.trace {
            let (verb, prep) = match dir {
                Direction::Sent => (if resent { "resent" } else { "sent" }, "to"),
                Direction::Received => ("received", "from"),
            };
            eprintln!("{verb:>8} {} {prep} {peer}", PrettyPrinter::new(bytes));
        }
    }

    fn latched(&mut self, server: SocketAddr) {
        // Where a signal's ERROR must go to end the transfer.
        crate::stop::latched(server);
    }

    fn negotiated(&mut self, opts: &Negotiated) {
        let total = opts.tsize.or(self.upload_size);
        if let (Some(bar), Some(total)) = (&self.bar, total) {
            bar.set_length(total);
            bar.set_style(
                ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
        }
    }

    fn progress(&mut self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(bytes);
        }
    }
}

/// The line printed when a transfer has ended well. It counts the file's bytes, as `ls -l` would, and in netascii
/// also the bytes on the wire, which are more (each line end travels as CR LF).
pub fn summary(op: Operation, target: &Target, out: &Outcome) -> String {
    let verb = match op {
        Operation::Download => "received",
        Operation::Upload => "sent",
    };
    let secs = out.elapsed.as_secs_f64().max(1e-6);
    let s = &out.stats;
    format!(
        "{verb} {:?}: {} in {:.3} s ({:.1} MiB/s), blksize {}, windowsize {}, {} retransmissions, server TID {}",
        target.remote,
        tftp::netascii::amount(out.file_bytes, s.bytes),
        secs,
        out.file_bytes as f64 / secs / (1 << 20) as f64,
        out.negotiated.blksize,
        out.negotiated.windowsize,
        s.retransmits,
        out.server_tid,
    )
}

/// A server that announced the file's size (tsize) and then sent another number of bytes served a file that
/// changed meanwhile, or told a wrong size. The download stands — it ended as TFTP says, with a short block — but
/// the user is told, in one line. Octet mode only: in netascii a server may announce its file's size rather than
/// that of the text on the wire, which is longer by a byte per line end.
pub fn tsize_warning(opts: &TransferOpts, outcome: &Outcome) -> Option<String> {
    let announced = outcome.negotiated.tsize?;
    let sent = outcome.stats.bytes;
    (opts.mode == ModeArg::Octet && announced != sent)
        .then(|| format!("warning: the server announced {announced} bytes (tsize) but sent {sent}"))
}
