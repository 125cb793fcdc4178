//! The `tftp-client` program around the `tftp` library: arguments, URLs, the seed's menu, safe local files,
//! progress and `--trace`.
//!
//! ## Layout
//! - [`Cli`]: the command line (clap).
//! - [`Target`] / [`parse_url`]: `HOST REMOTE` or `tftp://host[:port]/file`.
//! - [`fetch`] / [`send`]: one download or upload with their local-file rules.
//! - [`menu`]: the seed's interactive loop (server, then 1 download / 2 upload / 3 quit).
//!
//! A download is written to a temporary file beside the target (`.NAME.XXXXXX.part`) and renamed over it only
//! when the last block has arrived, so a failed or interrupted download leaves nothing behind and never damages an
//! existing file. The seed's version opens the file in append mode as soon as block 1 arrives, so a rerun appends a
//! second copy and a failure leaves half a file.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use tftp::client::{ClientConfig, Outcome};
use tftp::options::Negotiated;
use tftp::packet::describe;
use tftp::transfer::Direction;
use tftp::{Mode, Observer, OptionRequest, TransferError};

const EXAMPLES: &str = "\
Examples:
  tftp-client get 127.0.0.1 hello.txt --port 6969
  tftp-client put 127.0.0.1 notes.txt backup/notes.txt --port 6969 --blksize 1428 --windowsize 16
  tftp-client get tftp://127.0.0.1:6969/big.bin --tsize --trace";

/// A TFTP client (RFC 1350 with the option extensions of RFCs 2347, 2348, 2349 and 7440).
///
/// With no subcommand it runs the seed tutorial's menu: it asks for the server, then offers
/// 1 download / 2 upload / 3 quit.
#[derive(Debug, Parser)]
#[command(name = "tftp-client", version, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    opts: TransferOpts,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Download: get HOST REMOTE [LOCAL], or get tftp://HOST[:PORT]/REMOTE [LOCAL]. LOCAL `-` writes to stdout.
    Get {
        /// HOST REMOTE [LOCAL] or URL [LOCAL]
        #[arg(num_args = 1..=3, required = true, value_name = "ARGS")]
        args: Vec<String>,
    },
    /// Upload: put HOST LOCAL [REMOTE], or put tftp://HOST[:PORT]/REMOTE LOCAL.
    Put {
        /// HOST LOCAL [REMOTE] or URL LOCAL
        #[arg(num_args = 2..=3, required = true, value_name = "ARGS")]
        args: Vec<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ModeArg {
    Octet,
    Netascii,
}

/// The flags every transfer shares.
#[derive(Debug, Args, Clone)]
pub struct TransferOpts {
    /// Server port for the request (the transfer itself moves to a port the server picks)
    #[arg(long, short = 'p', default_value_t = 69, global = true)]
    port: u16,
    /// Transfer mode: octet sends bytes as they are; netascii turns line ends into CR LF on the wire
    #[arg(long, value_enum, default_value = "octet", global = true)]
    mode: ModeArg,
    /// Ask for this many bytes per block (RFC 2348, 8-65464)
    #[arg(long, global = true, value_parser = clap::value_parser!(u16).range(8..=65464))]
    blksize: Option<u16>,
    /// Ask for this many blocks in flight per ACK (RFC 7440, 1-65535)
    #[arg(long, global = true, value_parser = clap::value_parser!(u16).range(1..))]
    windowsize: Option<u16>,
    /// Ask the server to use this retransmission timeout, in seconds (RFC 2349, 1-255)
    #[arg(long, global = true, value_parser = clap::value_parser!(u8).range(1..))]
    timeout: Option<u8>,
    /// Ask for (download) or announce (upload) the file's size (RFC 2349)
    #[arg(long, global = true)]
    tsize: bool,
    /// Our own retransmission timer, in milliseconds
    #[arg(long, default_value_t = 1000, global = true, value_parser = clap::value_parser!(u64).range(1..=600_000))]
    rexmt: u64,
    /// Retransmissions in a row before giving up
    #[arg(long, default_value_t = 5, global = true)]
    retries: u32,
    /// Print every packet sent and received, decoded
    #[arg(long, global = true)]
    trace: bool,
    /// Print nothing but errors
    #[arg(long, short = 'q', global = true)]
    quiet: bool,
}

/// Where a transfer goes: the server's address and the file's name there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The server, with the port for the request.
    pub server: SocketAddr,
    /// The remote file name.
    pub remote: String,
}

/// Reads `tftp://host[:port]/path`. The path is the remote file name (without the leading `/`); `%XX` escapes
/// are decoded, so `%E6%B5%8B` names a UTF-8 file, as curl does.
pub fn parse_url(url: &str, default_port: u16) -> Result<Target> {
    let bad = |why: &str| usage(&format!("{url:?}: {why}"));
    let rest = url
        .strip_prefix("tftp://")
        .ok_or_else(|| bad("a URL starts with tftp://"))?;
    let (authority, path) = rest.split_once('/').ok_or_else(|| bad("no file name after the host"))?;
    if authority.is_empty() {
        return Err(bad("no host"));
    }
    let server = netlab::parse_endpoint(authority, default_port).map_err(address_error)?;
    let remote = percent_decode(path).map_err(|e| bad(&format!("bad %-escape: {e}")))?;
    if remote.is_empty() {
        return Err(bad("no file name after the host"));
    }
    Ok(Target { server, remote })
}

fn percent_decode(text: &str) -> Result<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .ok_or_else(|| anyhow!("'%' needs two hex digits"))?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| anyhow!("'%{hex}' is not hex"))?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| anyhow!("the decoded name is not UTF-8"))
}

/// A mistyped address is bad usage (exit 2); a name the resolver does not know is a runtime failure (exit 1).
fn address_error(e: netlab::AddrError) -> anyhow::Error {
    match e.kind {
        netlab::addr::AddrErrorKind::Unresolved(_) | netlab::addr::AddrErrorKind::NoAddress => anyhow!("{e}"),
        _ => usage(&e.to_string()),
    }
}

fn host_target(host: &str, remote: &str, port: u16) -> Result<Target> {
    let server = netlab::parse_endpoint(host, port).map_err(address_error)?;
    Ok(Target {
        server,
        remote: remote.to_string(),
    })
}

/// The last path component of a remote name, as the default local name.
fn local_name_for(remote: &str) -> Result<PathBuf> {
    remote
        .rsplit(['/', '\\'])
        .next()
        .filter(|name| !name.is_empty() && *name != "." && *name != "..")
        .map(PathBuf::from)
        .ok_or_else(|| anyhow!("{remote:?} does not end in a file name; give a LOCAL name"))
}

impl TransferOpts {
    fn config(&self, server: SocketAddr) -> ClientConfig {
        ClientConfig {
            server,
            mode: match self.mode {
                ModeArg::Octet => Mode::Octet,
                ModeArg::Netascii => Mode::Netascii,
            },
            options: OptionRequest {
                blksize: self.blksize,
                timeout: self.timeout,
                tsize: self.tsize.then_some(0),
                windowsize: self.windowsize,
            },
            rexmt: Duration::from_millis(self.rexmt),
            retries: self.retries,
        }
    }

    fn check(&self) -> Result<()> {
        let blksize = usize::from(self.blksize.unwrap_or(512));
        let window = usize::from(self.windowsize.unwrap_or(1));
        // Every block of a window is kept until it is ACKed; keep that memory reasonable.
        if blksize * window > 256 << 20 {
            bail!("--blksize {blksize} × --windowsize {window} would keep over 256 MiB in flight; lower one of them");
        }
        Ok(())
    }
}

/// Watches a transfer for `--trace` and the progress bar.
struct Watch {
    trace: bool,
    bar: Option<ProgressBar>,
    upload_size: Option<u64>,
}

impl Watch {
    fn new(opts: &TransferOpts, upload_size: Option<u64>) -> Self {
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

    fn finish(&self) {
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
            eprintln!("{verb:>8} {} {prep} {peer}", describe(bytes));
        }
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

fn summary(verb: &str, target: &Target, out: &Outcome) -> String {
    let secs = out.elapsed.as_secs_f64().max(1e-6);
    let s = &out.stats;
    format!(
        "{verb} {:?}: {} bytes in {:.3} s ({:.1} MiB/s), blksize {}, windowsize {}, {} retransmissions, server TID {}",
        target.remote,
        s.bytes,
        secs,
        s.bytes as f64 / secs / (1 << 20) as f64,
        out.negotiated.blksize,
        out.negotiated.windowsize,
        s.retransmits,
        out.server_tid,
    )
}

/// The temporary file of a download in progress, removed by the handler of Ctrl-C (SIGINT), `kill` (SIGTERM) and a
/// closed terminal (SIGHUP).
static PARTIAL: Mutex<Option<PathBuf>> = Mutex::new(None);

fn set_partial(path: Option<PathBuf>) {
    if let Ok(mut slot) = PARTIAL.lock() {
        *slot = path;
    }
}

/// Downloads `target` to `local` (or stdout for `-`) through a temporary file beside it.
pub fn fetch(opts: &TransferOpts, target: &Target, local: &Path) -> Result<Outcome> {
    let cfg = opts.config(target.server);
    let mut watch = Watch::new(opts, None);
    if local == Path::new("-") {
        // A closed standard output (`| head -c 100`) ends the program quietly, as `cat` ends.
        let mut out = BufWriter::new(netlab::output::Stdout);
        let result = tftp::client::download(&cfg, &target.remote, &mut out, &mut watch);
        watch.finish();
        let outcome = result.map_err(|e| transfer_failed("download", target, e))?;
        out.flush()?;
        return Ok(outcome);
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
            let mut out = BufWriter::with_capacity(tftp::transfer::FILE_BUFFER, device);
            let result = tftp::client::download(&cfg, &target.remote, &mut out, &mut watch);
            watch.finish();
            let outcome = result.map_err(|e| transfer_failed("download", target, e))?;
            out.flush()?;
            return Ok(outcome);
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
    let mut prefix = OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    // ANCHOR: temp_then_rename
    let partial = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".part")
        .tempfile_in(&dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    set_partial(Some(partial.path().to_path_buf()));
    let mut writer = BufWriter::with_capacity(tftp::transfer::FILE_BUFFER, partial.as_file());
    let result = tftp::client::download(&cfg, &target.remote, &mut writer, &mut watch);
    watch.finish();
    let flushed = writer.flush();
    drop(writer);
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(e) => {
            set_partial(None);
            return Err(transfer_failed("download", target, e)); // `partial` is deleted as it drops
        }
    };
    flushed.with_context(|| format!("cannot write {}", partial.path().display()))?;
    keep_permissions(partial.as_file(), local);
    partial
        .persist(local)
        .map_err(|e| anyhow!("cannot move the download into {}: {}", local.display(), e.error))?;
    set_partial(None);
    // ANCHOR_END: temp_then_rename
    Ok(outcome)
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

/// The size of a file as netascii will send it: every LF and CR gains a byte.
fn netascii_size(path: &Path) -> io::Result<u64> {
    let mut reader = BufReader::new(File::open(path)?);
    let mut size = 0u64;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(size);
        }
        size += buf.len() as u64 + buf.iter().filter(|&&b| b == b'\n' || b == b'\r').count() as u64;
        let n = buf.len();
        reader.consume(n);
    }
}

/// Uploads `local` as `target`: exactly the file's bytes, the last block short (or empty).
pub fn send(opts: &TransferOpts, target: &Target, local: &Path) -> Result<Outcome> {
    let file = File::open(local).with_context(|| format!("cannot open {}", local.display()))?;
    let meta = file.metadata()?;
    if meta.is_dir() {
        bail!("{} is a directory", local.display());
    }
    let cfg = opts.config(target.server);
    let size = match cfg.mode {
        Mode::Netascii => netascii_size(local)?,
        _ => meta.len(),
    };
    let mut watch = Watch::new(opts, Some(size));
    let mut reader: Box<dyn Read> = Box::new(BufReader::with_capacity(tftp::transfer::FILE_BUFFER, file));
    let result = tftp::client::upload(&cfg, &target.remote, &mut reader, Some(size), &mut watch);
    watch.finish();
    result.map_err(|e| transfer_failed("upload", target, e))
}

/// A server that announced the file's size (tsize) and then sent another number of bytes served a file that
/// changed meanwhile, or told a wrong size. The download stands — it ended as TFTP says, with a short block — but
/// the user is told, in one line. Octet mode only: in netascii a server may announce its file's size rather than
/// that of the text on the wire, which is longer by a byte per line end.
fn tsize_warning(opts: &TransferOpts, outcome: &Outcome) -> Option<String> {
    let announced = outcome.negotiated.tsize?;
    let sent = outcome.stats.bytes;
    (opts.mode == ModeArg::Octet && announced != sent)
        .then(|| format!("warning: the server announced {announced} bytes (tsize) but sent {sent}"))
}

fn transfer_failed(what: &str, target: &Target, e: TransferError) -> anyhow::Error {
    anyhow!("{what} of {:?} from {} failed: {e}", target.remote, target.server)
}

/// One download for `get`'s arguments.
fn get(opts: &TransferOpts, args: &[String]) -> Result<()> {
    let (target, local) = match args {
        [url] if url.starts_with("tftp://") => (parse_url(url, opts.port)?, None),
        [url, local] if url.starts_with("tftp://") => (parse_url(url, opts.port)?, Some(local)),
        [host, remote] => (host_target(host, remote, opts.port)?, None),
        [host, remote, local] => (host_target(host, remote, opts.port)?, Some(local)),
        _ => {
            return Err(usage(
                "get takes HOST REMOTE [LOCAL] or tftp://HOST[:PORT]/REMOTE [LOCAL]",
            ));
        }
    };
    let local = match local {
        Some(l) => PathBuf::from(l),
        None => local_name_for(&target.remote).map_err(|e| usage(&e.to_string()))?,
    };
    let outcome = fetch(opts, &target, &local)?;
    if !opts.quiet {
        if let Some(warning) = tsize_warning(opts, &outcome) {
            eprintln!("tftp-client: {warning}");
        }
        eprintln!("{}", summary("received", &target, &outcome));
    }
    Ok(())
}

/// One upload for `put`'s arguments.
fn put(opts: &TransferOpts, args: &[String]) -> Result<()> {
    let (target, local) = match args {
        [url, local] if url.starts_with("tftp://") => (parse_url(url, opts.port)?, PathBuf::from(local)),
        [host, local] => {
            let remote = local_name_for(local).map_err(|e| usage(&e.to_string()))?;
            (
                host_target(host, &remote.to_string_lossy(), opts.port)?,
                PathBuf::from(local),
            )
        }
        [host, local, remote] => (host_target(host, remote, opts.port)?, PathBuf::from(local)),
        _ => {
            return Err(usage(
                "put takes HOST LOCAL [REMOTE] or tftp://HOST[:PORT]/REMOTE LOCAL",
            ));
        }
    };
    let outcome = send(opts, &target, &local)?;
    if !opts.quiet {
        eprintln!("{}", summary("sent", &target, &outcome));
    }
    Ok(())
}

/// A usage error: exit code 2.
#[derive(Debug)]
struct Usage(String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

fn usage(msg: &str) -> anyhow::Error {
    anyhow::Error::new(Usage(msg.to_string()))
}

/// The seed's menu: ask for the server, then 1 download / 2 upload / 3 quit, until quit or end of input.
/// Returns whether every transfer succeeded.
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
        let (prompt, upload) = match choice.as_str() {
            "1" => ("file to download: ", false),
            "2" => ("file to upload: ", true),
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
        let result = if upload {
            let remote = local_name_for(&name).map(|p| p.to_string_lossy().into_owned());
            remote.and_then(|remote| send(opts, &Target { server, remote }, Path::new(&name)))
        } else {
            local_name_for(&name).and_then(|local| fetch(opts, &target, &local))
        };
        match result {
            Ok(outcome) => {
                if let Some(warning) = tsize_warning(opts, &outcome).filter(|_| !upload) {
                    eprintln!("{warning}");
                }
                eprintln!(
                    "{}",
                    summary(if upload { "sent" } else { "received" }, &target, &outcome)
                );
            }
            Err(e) => {
                all_ok = false;
                eprintln!("error: {e:#}");
            }
        }
    }
}

/// Runs the program with these arguments; returns the exit code (0 ok, 1 failed transfer, 2 bad usage).
pub fn main_with<I: IntoIterator<Item = OsString>>(args: I) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let _ = ctrlc::set_handler(|| {
        if let Ok(Some(path)) = PARTIAL.lock().map(|slot| slot.clone()) {
            let _ = std::fs::remove_file(path);
        }
        eprintln!("tftp-client: interrupted");
        std::process::exit(130);
    });
    let result = cli
        .opts
        .check()
        .map_err(|e| usage(&e.to_string()))
        .and_then(|()| match &cli.command {
            Some(Command::Get { args }) => get(&cli.opts, args),
            Some(Command::Put { args }) => put(&cli.opts, args),
            None => {
                let ok = menu(&cli.opts, &mut io::stdin().lock(), &mut netlab::output::Stdout)?;
                if ok { Ok(()) } else { Err(anyhow!("a transfer failed")) }
            }
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tftp-client: {e:#}");
            ExitCode::from(if e.is::<Usage>() { 2 } else { 1 })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_with_and_without_port() {
        let t = parse_url("tftp://127.0.0.1:6969/dir/file.bin", 69).unwrap();
        assert_eq!(
            t,
            Target {
                server: "127.0.0.1:6969".parse().unwrap(),
                remote: "dir/file.bin".into()
            }
        );
        let t = parse_url("tftp://[::1]/a", 69).unwrap();
        assert_eq!(t.server, "[::1]:69".parse().unwrap());
        let t = parse_url("tftp://127.0.0.1/%E6%B5%8B%E8%AF%95.txt", 69).unwrap();
        assert_eq!(t.remote, "测试.txt");
    }

    #[test]
    fn bad_urls_say_what_is_wrong() {
        let msg = |u: &str| parse_url(u, 69).unwrap_err().to_string();
        assert!(msg("http://x/a").contains("starts with tftp://"));
        assert!(msg("tftp://127.0.0.1").contains("no file name"));
        assert!(msg("tftp://127.0.0.1/").contains("no file name"));
        assert!(msg("tftp:///a").contains("no host"));
        assert!(msg("tftp://256.0.0.1/a").contains("octet 256 is out of range"));
        assert!(
            msg("tftp://127.0.0.1/%zz").contains("not hex"),
            "{}",
            msg("tftp://127.0.0.1/%zz")
        );
        assert!(parse_url("tftp://256.0.0.1/a", 69).unwrap_err().is::<Usage>());
        assert!(
            // An empty label: refused by the resolver without a DNS query, so nothing leaves this machine.
            !parse_url("tftp://no-such-host..invalid/a", 69)
                .unwrap_err()
                .is::<Usage>()
        );
    }

    #[test]
    fn local_names_come_from_the_last_component() {
        assert_eq!(local_name_for("a/b/c.txt").unwrap(), PathBuf::from("c.txt"));
        assert_eq!(local_name_for("c.txt").unwrap(), PathBuf::from("c.txt"));
        assert_eq!(local_name_for("win\\dir\\d.bin").unwrap(), PathBuf::from("d.bin"));
        assert!(local_name_for("dir/").is_err());
        assert!(local_name_for("..").is_err());
    }

    #[test]
    fn netascii_size_counts_the_added_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t");
        std::fs::write(&p, b"a\nb\r\n").unwrap();
        assert_eq!(netascii_size(&p).unwrap(), 5 + 3);
    }
}
