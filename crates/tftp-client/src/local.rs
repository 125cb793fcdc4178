//! The local side of a transfer: the file a download writes and the file an upload reads.
//!
//! A download is written to a temporary file beside the target (`.NAME.` and 16 random hex digits, `.part`: see
//! `temp.rs`) and renamed over it only when the last block has arrived, so a failed or interrupted download leaves
//! nothing behind and never damages an existing file. The seed's version opens the file in append mode as soon as
//! block 1 arrives, so a rerun appends a second copy and a failure leaves half a file.

use std::fmt::Display;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use tftp::client::{ClientConfig, Outcome};
use tftp::transfer::Datagrams;
use tftp::transfer::FILE_BUFFER;
use tftp::{Mode, Operation, TransferError, netascii};

use crate::flags::TransferOpts;
use crate::watch::Watch;
use crate::{Target, stop, temp};

/// Downloads `target` to `local` (or stdout for `-`) through a temporary file beside it.
pub fn download(opts: &TransferOpts, target: &Target, local: &Path) -> Result<Outcome> {
    if local == Path::new("-") {
        return download_to_stdout(opts, target);
    }
    // A link is followed, so the file it points to is replaced and the link stays a link.
    let resolved;
    let local = match std::fs::symlink_metadata(local) {
        Ok(meta) if meta.file_type().is_symlink() => {
            resolved = std::fs::canonicalize(local).unwrap_or_else(|_| local.to_path_buf());
            resolved.as_path()
        }
        _ => local,
    };
    match std::fs::metadata(local) {
        Ok(meta) if meta.is_dir() => bail!("{} is a directory", local.display()),
        // A device or a pipe (`/dev/null`, a FIFO) is written to as it is: renaming a file over it would
        // replace the device itself.
        Ok(meta) if !meta.is_file() => {
            let device = std::fs::OpenOptions::new()
                .write(true)
                .open(local)
                .with_context(|| format!("cannot open {}", local.display()))?;
            return download_into(opts, target, device, &local.display());
        }
        _ => {}
    }
    let dir = match local.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = local
        .file_name()
        .ok_or_else(|| anyhow!("{}: not a file name", local.display()))?;
    for (path, bytes) in temp::remove_leftovers(&dir, name) {
        if !opts.quiet {
            eprintln!(
                "tftp-client: removed {} ({bytes} bytes), left by a download that was killed",
                path.display()
            );
        }
    }
    // ANCHOR: temp_then_rename
    let partial =
        temp::create(&dir, name).with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    let _registered = stop::Partial::register(partial.path());
    // On an error `partial` is deleted as it drops.
    let outcome = download_into(opts, target, partial.as_file(), &partial.path().display())?;
    keep_permissions(partial.as_file(), local);
    partial
        .persist(local)
        .map_err(|e| anyhow!("cannot move the download into {}: {}", local.display(), e.error))?;
    // ANCHOR_END: temp_then_rename
    Ok(outcome)
}

/// The one place a download runs: into `out` through a buffer, the progress bar cleared whatever happens, and
/// `out` (called `name` in an error) flushed once the last block is in.
fn download_into(opts: &TransferOpts, target: &Target, out: impl Write, name: &dyn Display) -> Result<Outcome> {
    let cfg = opts.config(target.server);
    let mut watch = Watch::new(opts, None);
    let mut out = BufWriter::with_capacity(FILE_BUFFER, out);
    let _transfer = stop::Transfer::begin();
    let result = tftp::client::download_over(&mut || open_socket(&cfg), &cfg, &target.remote, &mut out, &mut watch);
    watch.finish();
    let outcome = result.map_err(|e| transfer_failed(Operation::Download, target, e))?;
    out.flush().with_context(|| format!("cannot write {name}"))?;
    Ok(outcome)
}

/// A download to standard output. A reader that goes away (`| head -c 100`) stops the transfer: the write fails
/// ("broken pipe"), the engine tells the server with an ERROR so that it stops at once instead of resending until
/// it times out, and the program ends quietly with exit code 0, as `cat` ends (see `netlab::output`).
fn download_to_stdout(opts: &TransferOpts, target: &Target) -> Result<Outcome> {
    let result = download_into(opts, target, io::stdout(), &"standard output");
    if let Err(e) = &result {
        let write_error = match e.downcast_ref::<TransferError>() {
            Some(TransferError::File(e)) => Some(e),
            _ => e.downcast_ref::<io::Error>(),
        };
        if let Some(e) = write_error.filter(|e| e.kind() == io::ErrorKind::BrokenPipe) {
            netlab::output::stdout_failed(e);
        }
    }
    result
}

/// Opens a transfer's socket as the `tftp` crate would, and keeps a clone for a signal handler (see `stop.rs`).
fn open_socket(cfg: &ClientConfig) -> io::Result<Box<dyn Datagrams>> {
    let socket = tftp::client::udp_socket(cfg)?;
    stop::new_socket(&socket);
    Ok(socket.into())
}

/// A temporary file is private (0600); the finished file gets the old file's mode, or an ordinary 0644.
fn keep_permissions(file: &File, local: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(local)
            .map(|m| m.permissions().mode())
            .unwrap_or(0o644);
        let _ = file.set_permissions(std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = (file, local);
}

/// Uploads `local` as `target`: exactly the file's bytes, the last block short (or empty).
pub fn upload(opts: &TransferOpts, target: &Target, local: &Path) -> Result<Outcome> {
    let file = File::open(local).with_context(|| format!("cannot open {}", local.display()))?;
    let meta = file.metadata()?;
    if meta.is_dir() {
        bail!("{} is a directory", local.display());
    }
    let cfg = opts.config(target.server);
    let size = match cfg.mode {
        // Counted through a handle of its own: the upload reads `file` from its start.
        Mode::Netascii => netascii::wire_size(File::open(local)?)?,
        _ => meta.len(),
    };
    let mut watch = Watch::new(opts, Some(size));
    let mut reader = BufReader::with_capacity(FILE_BUFFER, file);
    let _transfer = stop::Transfer::begin();
    let mut open = || open_socket(&cfg);
    let result = tftp::client::upload_over(&mut open, &cfg, &target.remote, &mut reader, Some(size), &mut watch);
    watch.finish();
    result.map_err(|e| transfer_failed(Operation::Upload, target, e))
}

/// One line for a failed transfer: `download of "f" from HOST failed: ...`, `upload of "f" to HOST failed: ...`.
/// The [`TransferError`] stays inside, for a caller that needs to know what failed.
fn transfer_failed(op: Operation, target: &Target, e: TransferError) -> anyhow::Error {
    let toward = match op {
        Operation::Download => "from",
        Operation::Upload => "to",
    };
    anyhow::Error::new(e).context(format!("{op} of {:?} {toward} {} failed", target.remote, target.server))
}

#[cfg(test)]
mod tests {
    #[test]
    fn netascii_size_counts_the_added_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t");
        std::fs::write(&p, b"a\nb\r\n").unwrap();
        assert_eq!(
            tftp::netascii::wire_size(std::fs::File::open(&p).unwrap()).unwrap(),
            5 + 3
        );
    }
}
