//! Real peers started on loopback for interop tests and benchmarks: tftpd-hpa, atftpd and busybox tftpd over a
//! temporary root, the C and Python echo servers of `peers/`, our own binaries, and Python oracle scripts.
//! A peer that is not installed is an error that says how to install it (`just peers`), never a skip.

use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// A TFTP server running on 127.0.0.1, killed when dropped.
#[derive(Debug)]
pub struct TftpServer {
    /// Which server ("tftpd-hpa", "atftpd").
    pub name: &'static str,
    /// Its request port.
    pub port: u16,
    /// The folder it serves; readable and writable by its unprivileged user.
    pub root: tempfile::TempDir,
    /// Whether it negotiates windowsize (RFC 7440).
    pub windowsize: bool,
    /// Whether it serves netascii mode (busybox tftpd refuses everything but octet).
    pub netascii: bool,
    child: Child,
}

impl Drop for TftpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl TftpServer {
    /// The path of `name` inside the served folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.root.path().join(name)
    }
}

/// Reads a file a server is writing until it holds `want`, for up to 2 s. A TFTP server sends its last ACK
/// before it closes (or renames) the file, so right after the client exits the file may not be complete yet, and
/// nothing else says when it is.
pub fn read_when_complete(path: &Path, want: &[u8]) -> Vec<u8> {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let got = std::fs::read(path).unwrap_or_default();
        if got == want || Instant::now() > deadline {
            return got;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Test files for interop matrices: the block-edge sizes, a larger binary file, and text with LF, CR and blank
/// lines. Each is (name, bytes, is_text).
pub fn interop_files() -> Vec<(String, Vec<u8>, bool)> {
    let mut out = Vec::new();
    for len in [0usize, 511, 512, 513, 300_000] {
        let bytes: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
        out.push((format!("bin{len}"), bytes, false));
    }
    let text: Vec<u8> = (0..4000)
        .flat_map(|i| format!("line {i}\tend{}", ["\n", "\r", "\n\n"][i % 3]).into_bytes())
        .collect();
    out.push(("text".to_string(), text, true));
    out
}

/// Our own binary `name`, which sits beside the running one (in target/release for `just bench`).
pub fn sibling(name: &str) -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let path = exe.with_file_name(name);
    if !path.exists() {
        bail!(
            "{} is missing: build it with `cargo build --release -p {name}`",
            path.display()
        );
    }
    Ok(path)
}

/// Fails unless `program` is on the PATH, saying which Debian `package` has it.
pub fn require(program: &str, package: &str) -> Result<()> {
    let found = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()));
    if !found {
        bail!("{program} is not installed (Debian package {package}): run `just peers` as root");
    }
    Ok(())
}

/// Writes a test file of `bytes` pseudo-random bytes that do not compress or repeat in blocks, readable by the
/// servers' unprivileged user.
pub fn write_test_file(path: &Path, bytes: u64) -> Result<()> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut data = Vec::with_capacity(bytes as usize);
    while (data.len() as u64) < bytes {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        data.extend_from_slice(&x.to_le_bytes());
    }
    data.truncate(bytes as usize);
    std::fs::write(path, &data)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644))?;
    }
    Ok(())
}

/// A server that printed `listening on ADDR:PORT` first, as every server here does; killed when dropped.
#[derive(Debug)]
pub struct Listening {
    child: Child,
    /// The port it said it listens on.
    pub port: u16,
}

impl Drop for Listening {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `program` with `args` and reads the port from its first line.
pub fn listening(program: &str, args: &[&str]) -> Result<Listening> {
    let mut child = Command::new(program)
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {program}"))?;
    let port = listening_port(&mut child, program)?;
    Ok(Listening { child, port })
}

/// The smallest UDP echo server in C (`peers/echo.c`), compiled with `cc -O2` into `work` and started: the floor
/// for what an echo server can do per datagram.
pub fn c_echo_server(work: &Path) -> Result<Listening> {
    require("cc", "gcc")?;
    let source = work.join("echo.c");
    std::fs::write(&source, include_str!("../peers/echo.c"))?;
    let binary = work.join("echo-c");
    let built = Command::new("cc")
        .arg("-O2")
        .arg("-o")
        .arg(&binary)
        .arg(&source)
        .status()?;
    if !built.success() {
        bail!("cannot compile the C echo server");
    }
    listening(&binary.display().to_string(), &[])
}

/// The seed's echo server in Python (`peers/echo.py`), started with python3.
pub fn python_echo_server() -> Result<Listening> {
    require("python3", "python3")?;
    listening("python3", &["-c", include_str!("../peers/echo.py")])
}

/// Reads a server's first line, `listening on ADDR:PORT ...` (the convention of every server here), and returns
/// the port. The rest of its output is read and dropped on a thread of its own.
pub fn listening_port(child: &mut Child, name: &str) -> Result<u16> {
    use std::io::{BufRead, BufReader};
    let mut first = String::new();
    if let Some(out) = child.stdout.take() {
        let mut out = BufReader::new(out);
        out.read_line(&mut first)?;
        // Keep reading (and dropping) the rest: our servers end, as `cat` does, once nobody reads their output.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    }
    first
        .split_whitespace()
        .nth(2)
        .and_then(|addr| addr.rsplit(':').next())
        .and_then(|p| p.parse().ok())
        .with_context(|| format!("unexpected first line from {name}: {first:?}"))
}

/// Runs a Python oracle script (python3 SCRIPT): feeds it `lines` on standard input, one case a line, and returns
/// what it printed — its report. The script failing is an error.
pub fn python_oracle(script: &Path, lines: &[String]) -> Result<String> {
    use std::io::Write;
    let mut python = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("python3 is needed for the oracle tests")?;
    {
        let mut stdin = python.stdin.take().context("no stdin for python3")?;
        for line in lines {
            writeln!(stdin, "{line}")?;
        }
    }
    let out = python.wait_with_output()?;
    if !out.status.success() {
        bail!("the oracle script {} failed: {}", script.display(), out.status);
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A free UDP port on loopback: bind port 0, read it, and let it go for a program that cannot report the port it
/// bound itself.
pub fn free_port() -> Result<u16> {
    Ok(UdpSocket::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A temporary folder that the servers' unprivileged user (`nobody`) can read and write.
pub fn shared_root() -> Result<tempfile::TempDir> {
    let root = tempfile::tempdir()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o777))?;
    }
    Ok(root)
}

/// Waits until a TFTP server answers a request (any answer, even "file not found"), for at most 10 s.
pub fn wait_until_answering(name: &str, port: u16) -> Result<()> {
    let probe = UdpSocket::bind("127.0.0.1:0")?;
    probe.set_read_timeout(Some(Duration::from_millis(100)))?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        probe.send_to(b"\x00\x01.ready-probe\x00octet\x00", ("127.0.0.1", port))?;
        if probe.recv_from(&mut [0u8; 600]).is_ok() {
            return Ok(());
        }
    }
    bail!("{name} did not answer on 127.0.0.1:{port} within 10 s")
}

fn start(
    name: &'static str,
    program: &Path,
    args: &[String],
    port: u16,
    root: tempfile::TempDir,
    (windowsize, netascii): (bool, bool),
) -> Result<TftpServer> {
    if !program.exists() {
        bail!(
            "{name} is not installed ({} is missing): run `just peers` as root",
            program.display()
        );
    }
    let child = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start {name} ({})", program.display()))?;
    let server = TftpServer {
        name,
        port,
        root,
        windowsize,
        netascii,
        child,
    };
    wait_until_answering(name, port)?;
    Ok(server)
}

/// Our own `tftp-server` binary over a new root, with extra arguments; its first line gives the port.
pub fn ours(program: &Path, extra: &[&str]) -> Result<TftpServer> {
    let root = shared_root()?;
    let mut child = Command::new(program)
        .args([
            "--root",
            &root.path().display().to_string(),
            "--bind",
            "127.0.0.1",
            "--port",
            "0",
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {}", program.display()))?;
    let port = listening_port(&mut child, "tftp-server")?;
    Ok(TftpServer {
        name: "tftp-server",
        port,
        root,
        windowsize: true,
        netascii: true,
        child,
    })
}

/// tftpd-hpa (Debian package tftpd-hpa) in the foreground, chrooted to a new root, uploads allowed (`-c`).
pub fn tftpd_hpa() -> Result<TftpServer> {
    let (root, port) = (shared_root()?, free_port()?);
    let mut args: Vec<String> = ["-L", "-c", "-p", "-u", "nobody", "-s"].map(String::from).to_vec();
    args.extend([
        "-a".to_string(),
        format!("127.0.0.1:{port}"),
        root.path().display().to_string(),
    ]);
    start(
        "tftpd-hpa",
        Path::new("/usr/sbin/in.tftpd"),
        &args,
        port,
        root,
        (false, true),
    )
}

/// Where `just peers` unpacks atftpd (its Debian package conflicts with tftpd-hpa's, so it is not installed).
pub fn atftpd_program() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.peers/atftpd/usr/sbin/atftpd")
}

/// atftpd in the foreground over a new root.
pub fn atftpd() -> Result<TftpServer> {
    let (root, port) = (shared_root()?, free_port()?);
    let mut args: Vec<String> = [
        "--daemon",
        "--no-fork",
        "--bind-address",
        "127.0.0.1",
        "--user",
        "nobody",
    ]
    .map(String::from)
    .to_vec();
    args.extend(["--group", "nogroup", "--logfile", "/dev/null", "--port"].map(String::from));
    args.extend([port.to_string(), root.path().display().to_string()]);
    start("atftpd", &atftpd_program(), &args, port, root, (true, true))
}

/// Where `just peers` builds busybox with its tftpd (Debian's busybox leaves that applet out).
pub fn busybox_program() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.peers/busybox/busybox")
}

/// busybox tftpd over a new root, uploads allowed (`-c`), started per request by busybox's `udpsvd` as its
/// documentation shows. udpsvd binds its port again after every request, so it must be a fixed one, not 0.
/// busybox tftpd answers from the request port itself and speaks octet mode only, with blksize and tsize.
pub fn busybox_tftpd() -> Result<TftpServer> {
    let (root, port) = (shared_root()?, free_port()?);
    let program = busybox_program();
    let program_arg = program.display().to_string();
    let args: Vec<String> = vec![
        "udpsvd".into(),
        "-E".into(),
        "127.0.0.1".into(),
        port.to_string(),
        program_arg,
        "tftpd".into(),
        "-c".into(),
        root.path().display().to_string(),
    ];
    start("busybox tftpd", &program, &args, port, root, (false, false))
}
