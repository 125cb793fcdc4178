//! `labbench` — side-by-side benchmarks for `just bench`. Each prints the medians of alternating runs and the
//! ratios between programs measured in the same run; nothing here passes or fails on time.
//!
//! ```text
//! just bench                                  # everything
//! cargo run --release -p labbench -- tftp-client --size-mib 16 --rounds 3
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use labbench::floor;
use labbench::peers;
use labbench::timing::{Contender, alternate, time_command};

#[derive(Debug, Parser)]
#[command(
    name = "labbench",
    about = "Side-by-side benchmarks of the Socket Labs programs against their peers"
)]
struct Cli {
    #[command(subcommand)]
    bench: Bench,
}

#[derive(Debug, Subcommand)]
enum Bench {
    /// Download a file from tftpd-hpa with tftp-client, tftp-hpa's tftp and curl; print medians, ratios, floors
    TftpClient {
        /// File size in MiB
        #[arg(long, default_value_t = 64)]
        size_mib: u64,
        /// Alternating rounds (each program runs once per round)
        #[arg(long, default_value_t = 3)]
        rounds: usize,
    },
    /// echo-client load mode against echo-server, a minimal C echo server and a Python one: packets per second
    Echo {
        /// Datagrams per run
        #[arg(long, default_value_t = 200_000)]
        count: u64,
        /// Datagrams in flight
        #[arg(long, default_value_t = 32)]
        window: u64,
        /// Alternating rounds
        #[arg(long, default_value_t = 3)]
        rounds: usize,
    },
    /// curl against tftp-server and tftpd-hpa; then tftp-client -> tftp-server with big windows beside the
    /// loopback ceiling
    TftpServer {
        /// File size in MiB for the curl comparison
        #[arg(long, default_value_t = 64)]
        size_mib: u64,
        /// File size in MiB for the windowed transfer
        #[arg(long, default_value_t = 256)]
        window_mib: u64,
        /// Alternating rounds
        #[arg(long, default_value_t = 3)]
        rounds: usize,
    },
}

fn main() -> Result<()> {
    match Cli::parse().bench {
        Bench::TftpClient { size_mib, rounds } => tftp_client(size_mib, rounds),
        Bench::TftpServer {
            size_mib,
            window_mib,
            rounds,
        } => tftp_server(size_mib, window_mib, rounds),
        Bench::Echo { count, window, rounds } => echo(count, window, rounds),
    }
}

/// Our binaries sit beside this one in target/release.
fn sibling(name: &str) -> Result<PathBuf> {
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

fn require(program: &str, package: &str) -> Result<()> {
    let found = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()));
    if !found {
        bail!("{program} is not installed (Debian package {package}): run `just peers` as root");
    }
    Ok(())
}

/// Pseudo-random bytes that do not compress or repeat in blocks.
fn write_test_file(path: &Path, bytes: u64) -> Result<()> {
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

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn tftp_client(size_mib: u64, rounds: usize) -> Result<()> {
    let ours = sibling("tftp-client")?;
    require("tftp", "tftp-hpa")?;
    require("curl", "curl")?;
    let server = peers::tftpd_hpa()?;
    let size = size_mib << 20;
    write_test_file(&server.path("bench.bin"), size)?;
    let original = std::fs::read(server.path("bench.bin"))?;
    let work = tempfile::tempdir()?;
    let port = server.port.to_string();
    let out = |name: &str| work.path().join(name).display().to_string();
    let url = format!("tftp://127.0.0.1:{port}/bench.bin");

    println!(
        "== tftp-client: {size_mib} MiB download from tftpd-hpa on loopback, median of {rounds} alternating rounds"
    );
    println!(
        "{:<28} {:<12} {:>10} {:>14}",
        "options", "client", "median", "time ÷ curl's"
    );
    for (label, blksize) in [("default (512 B, lock-step)", None), ("blksize 65464", Some("65464"))] {
        let mut contenders = Vec::new();
        let mut ours_args = vec![
            "get".to_string(),
            "127.0.0.1".into(),
            "bench.bin".into(),
            out("ours.bin"),
        ];
        ours_args.extend(["-q".into(), "--port".into(), port.clone()]);
        if let Some(b) = blksize {
            ours_args.extend(["--blksize".into(), b.into()]);
        }
        let ours_path = ours.display().to_string();
        contenders.push(Contender {
            name: "tftp-client".into(),
            run: Box::new(move || time_command(&ours_path, &ours_args)),
        });
        if blksize.is_none() {
            // tftp-hpa's client has no blksize option, so it runs only in the lock-step row.
            let args = vec![
                "127.0.0.1".to_string(),
                port.clone(),
                "-m".into(),
                "binary".into(),
                "-c".into(),
                "get".into(),
                "bench.bin".into(),
                out("hpa.bin"),
            ];
            contenders.push(Contender {
                name: "tftp-hpa".into(),
                run: Box::new(move || time_command("tftp", &args)),
            });
        }
        let mut curl_args = vec!["-s".to_string(), "-o".into(), out("curl.bin")];
        if let Some(b) = blksize {
            curl_args.extend(["--tftp-blksize".into(), b.into()]);
        }
        curl_args.push(url.clone());
        contenders.push(Contender {
            name: "curl".into(),
            run: Box::new(move || time_command("curl", &curl_args)),
        });

        let medians = alternate(&mut contenders, rounds)?;
        let curl = medians
            .iter()
            .find(|(n, _)| n == "curl")
            .map(|(_, d)| *d)
            .unwrap_or(Duration::ZERO);
        for (name, median) in &medians {
            let ratio = median.as_secs_f64() / curl.as_secs_f64().max(1e-9);
            println!("{label:<28} {name:<12} {:>10} {ratio:>14.2}", secs(*median));
        }
        for name in ["ours.bin", "hpa.bin", "curl.bin"] {
            let path = work.path().join(name);
            if path.exists() && std::fs::read(&path).context("reading a download")? != original {
                bail!("{name} differs from the served file");
            }
        }
        if blksize.is_none() {
            let ours = medians[0].1;
            let round_trips = size / 512 + 1;
            let sleeping = floor::ping_pong(round_trips, 516, 4, false)?;
            let polling = floor::ping_pong(round_trips, 516, 4, true)?;
            println!(
                "floor: {round_trips} round trips of 516 B + 4 B on loopback: {} with both sides sleeping in recv \
                 (tftp-client takes {:.2}× that), {} with the asking side polling as tftp-client does ({:.2}×)",
                secs(sleeping),
                ours.as_secs_f64() / sleeping.as_secs_f64(),
                secs(polling),
                ours.as_secs_f64() / polling.as_secs_f64(),
            );
        }
    }
    println!("all downloads byte-identical to the served file");
    Ok(())
}

fn mib_per_s(bytes: u64, d: Duration) -> f64 {
    bytes as f64 / (1 << 20) as f64 / d.as_secs_f64().max(1e-9)
}

fn tftp_server(size_mib: u64, window_mib: u64, rounds: usize) -> Result<()> {
    let ours_server = sibling("tftp-server")?;
    let ours_client = sibling("tftp-client")?;
    require("curl", "curl")?;
    let hpa = peers::tftpd_hpa()?;
    let ours = peers::ours(&ours_server, &[])?;
    let size = size_mib << 20;
    for server in [&hpa, &ours] {
        write_test_file(&server.path("bench.bin"), size)?;
    }
    let original = std::fs::read(hpa.path("bench.bin"))?;
    let work = tempfile::tempdir()?;
    let out = |name: &str| work.path().join(name).display().to_string();

    println!(
        "== tftp-server: curl downloads {size_mib} MiB from tftp-server and from tftpd-hpa, median of {rounds} alternating rounds"
    );
    println!(
        "{:<28} {:<12} {:>10} {:>18}",
        "curl options", "server", "median", "time ÷ tftpd-hpa's"
    );
    for (label, blksize) in [("default", None), ("--tftp-blksize 65464", Some("65464"))] {
        let mut contenders = Vec::new();
        for server in [&ours, &hpa] {
            let mut args = vec!["-s".to_string(), "-o".into(), out(&format!("{}.bin", server.name))];
            if let Some(b) = blksize {
                args.extend(["--tftp-blksize".into(), b.into()]);
            }
            args.push(format!("tftp://127.0.0.1:{}/bench.bin", server.port));
            contenders.push(Contender {
                name: server.name.into(),
                run: Box::new(move || time_command("curl", &args)),
            });
        }
        let medians = alternate(&mut contenders, rounds)?;
        let hpa_time = medians[1].1;
        for (name, median) in &medians {
            println!(
                "{label:<28} {name:<12} {:>10} {:>18.2}",
                secs(*median),
                median.as_secs_f64() / hpa_time.as_secs_f64()
            );
        }
        for name in ["tftp-server.bin", "tftpd-hpa.bin"] {
            if std::fs::read(work.path().join(name))? != original {
                bail!("{name} differs from the served file");
            }
        }
    }

    // Big windows: our client to our server, and curl to tftpd-hpa with its biggest blocks, beside the ceiling.
    let big = window_mib << 20;
    write_test_file(&ours.path("big.bin"), big)?;
    write_test_file(&hpa.path("big.bin"), big)?;
    let big_original = std::fs::read(ours.path("big.bin"))?;
    // One download by our client with big windows into `dest`: its time and the retransmissions it reports.
    let port = ours.port.to_string();
    let ours_get = |dest: &str| -> Result<(Duration, u64)> {
        let args = [
            "get",
            "127.0.0.1",
            "big.bin",
            dest,
            "--port",
            &port,
            "--blksize",
            "65464",
            "--windowsize",
            "16",
        ];
        let started = std::time::Instant::now();
        let run = std::process::Command::new(&ours_client).args(args).output()?;
        let elapsed = started.elapsed();
        if !run.status.success() {
            bail!("tftp-client failed: {}", String::from_utf8_lossy(&run.stderr));
        }
        // The summary line says "..., N retransmissions, ...".
        let summary = String::from_utf8_lossy(&run.stderr).into_owned();
        let resent = summary
            .split(" retransmissions")
            .next()
            .and_then(|s| s.rsplit(' ').next())
            .and_then(|n| n.parse::<u64>().ok());
        Ok((
            elapsed,
            resent.context("no retransmission count in tftp-client's summary")?,
        ))
    };
    let (mut null_runs, mut file_runs, mut curl_runs, mut disk_runs) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut retransmissions = Vec::new();
    let curl_args = vec![
        "-s".to_string(),
        "-o".into(),
        out("big-curl.bin"),
        "--tftp-blksize".into(),
        "65464".into(),
        format!("tftp://127.0.0.1:{}/big.bin", hpa.port),
    ];
    // Each run starts with nothing waiting to be written back (the kernel writing out the last run's 256 MiB in
    // the background would take CPU from whichever run came next) and writes a new file: replacing an existing
    // one makes ext4 write the new data out at once (its auto_da_alloc safeguard), whoever replaces it.
    let fresh = |name: &str| -> Result<()> {
        match std::fs::remove_file(work.path().join(name)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => settle(),
        }
    };
    // The network part first: downloads to /dev/null alternating with blasts for the loopback ceiling, so both are
    // sampled under the same conditions. A run takes a tenth of a second and, with three busy threads on a 2-core
    // machine, varies with where the scheduler puts them: take the median of at least 7.
    let big_rounds = rounds.max(7);
    let count = big.div_ceil(65464);
    let mut blasts = Vec::new();
    settle()?;
    for _ in 0..big_rounds {
        let (time, resent) = ours_get("/dev/null")?;
        null_runs.push(time);
        retransmissions.push(resent);
        let (bytes, time) = floor::blast(count, 65468)?;
        blasts.push((mib_per_s(bytes, time), bytes));
    }
    // Then the disk part: downloads to a file by ours and by curl, and the disk ceiling.
    for _ in 0..big_rounds {
        fresh("big-ours.bin")?;
        let (time, resent) = ours_get(&out("big-ours.bin"))?;
        file_runs.push(time);
        retransmissions.push(resent);
        fresh("big-curl.bin")?;
        curl_runs.push(time_command("curl", &curl_args)?);
        settle()?;
        disk_runs.push(floor::disk_write(work.path(), big, 65464)?);
    }
    if std::fs::read(work.path().join("big-ours.bin"))? != big_original {
        bail!("the windowed download differs from the served file");
    }
    blasts.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (ceiling, ceiling_bytes) = blasts[blasts.len() / 2];
    let median = labbench::timing::median;
    let (null_rate, file_rate) = (mib_per_s(big, median(&null_runs)), mib_per_s(big, median(&file_runs)));
    let (curl_rate, disk_rate) = (mib_per_s(big, median(&curl_runs)), mib_per_s(big, median(&disk_runs)));
    println!("== tftp-client -> tftp-server, {window_mib} MiB, blksize 65464, windowsize 16 (median of {big_rounds})");
    println!(
        "loopback ceiling: {count} datagrams of 65468 B, one sender, one counting receiver, median of {}: \
         {ceiling:.0} MiB/s ({:.1}% arrived)",
        blasts.len(),
        ceiling_bytes as f64 * 100.0 / (count * 65468) as f64,
    );
    println!(
        "disk ceiling: {window_mib} MiB in 65464-byte writes to a new file beside the downloads: {disk_rate:.0} MiB/s"
    );
    println!("{:<44} {:>9} {:>11} {:>16}", "", "median", "MiB/s", "of the ceiling");
    println!(
        "{:<44} {:>9} {null_rate:>11.0} {:>15.0}%",
        "tftp-client -> tftp-server, to /dev/null",
        secs(median(&null_runs)),
        null_rate * 100.0 / ceiling
    );
    println!(
        "{:<44} {:>9} {file_rate:>11.0} {:>15.0}%",
        "tftp-client -> tftp-server, to a file",
        secs(median(&file_runs)),
        file_rate * 100.0 / ceiling.min(disk_rate)
    );
    println!(
        "{:<44} {:>9} {curl_rate:>11.0} {:>15.0}%",
        "curl -> tftpd-hpa (blksize 65464), to a file",
        secs(median(&curl_runs)),
        curl_rate * 100.0 / ceiling.min(disk_rate)
    );
    println!(
        "(a file's ceiling is the lower of the two.) To a file, ours is {:.2}× curl -> tftpd-hpa's speed; \
         retransmissions per run: {retransmissions:?}",
        file_rate / curl_rate
    );
    Ok(())
}

/// Writes every dirty page out (`sync`), so that no background write-back runs during the next measurement.
fn settle() -> Result<()> {
    let status = std::process::Command::new("sync").status().context("cannot run sync")?;
    if !status.success() {
        bail!("sync failed: {status}");
    }
    Ok(())
}

/// The smallest UDP echo server in C: the floor for what an echo server can do per datagram.
const C_ECHO: &str = r#"
#include <arpa/inet.h>
#include <stdio.h>
#include <sys/socket.h>
int main(void) {
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s, (struct sockaddr *)&a, sizeof a) != 0) return 1;
    socklen_t len = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &len);
    printf("listening on 127.0.0.1:%d\n", ntohs(a.sin_port));
    fflush(stdout);
    char buf[65536];
    for (;;) {
        struct sockaddr_in from;
        socklen_t flen = sizeof from;
        ssize_t n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
        if (n >= 0) sendto(s, buf, (size_t)n, 0, (struct sockaddr *)&from, flen);
    }
}
"#;

/// The seed's echo server in Python, without the print (which would dominate).
const PY_ECHO: &str = "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', 0))
print('listening on 127.0.0.1:%d' % s.getsockname()[1], flush=True)
while True:
    msg, src = s.recvfrom(65536)
    s.sendto(msg, src)
";

/// A child process that prints `listening on ADDR:PORT` first; killed when dropped.
struct Listening {
    child: std::process::Child,
    port: u16,
}

impl Drop for Listening {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn listening(program: &str, args: &[&str]) -> Result<Listening> {
    let mut child = std::process::Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {program}"))?;
    let port = peers::listening_port(&mut child, program)?;
    Ok(Listening { child, port })
}

fn echo(count: u64, window: u64, rounds: usize) -> Result<()> {
    let client = sibling("echo-client")?;
    let ours = sibling("echo-server")?;
    require("cc", "gcc")?;
    require("python3", "python3")?;
    let work = tempfile::tempdir()?;
    let c_source = work.path().join("echo.c");
    std::fs::write(&c_source, C_ECHO)?;
    let c_binary = work.path().join("echo-c");
    let built = std::process::Command::new("cc")
        .arg("-O2")
        .arg("-o")
        .arg(&c_binary)
        .arg(&c_source)
        .status()?;
    if !built.success() {
        bail!("cannot compile the C echo server");
    }
    let servers = [
        (
            "echo-server",
            listening(
                &ours.display().to_string(),
                &["--bind", "127.0.0.1", "--port", "0", "-q"],
            )?,
        ),
        ("C", listening(&c_binary.display().to_string(), &[])?),
        ("Python", listening("python3", &["-c", PY_ECHO])?),
    ];
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); servers.len()];
    for _ in 0..rounds {
        for (i, (_, server)) in servers.iter().enumerate() {
            let out = std::process::Command::new(&client)
                .args(["127.0.0.1", "--port", &server.port.to_string(), "--size", "64"])
                .args([
                    "--window",
                    &window.to_string(),
                    "--count",
                    &count.to_string(),
                    "--timeout",
                    "200",
                ])
                .output()?;
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            let pps: f64 = text
                .split(", ")
                .last()
                .and_then(|t| t.split_whitespace().next())
                .and_then(|n| n.parse().ok())
                .with_context(|| format!("unexpected echo-client output: {text:?}"))?;
            rates[i].push(pps);
        }
    }
    println!(
        "== echo: {count} datagrams of 64 B, {window} in flight, echo-client load mode, median of {rounds} alternating rounds"
    );
    let median = |v: &[f64]| {
        let mut s = v.to_vec();
        s.sort_by(|a, b| a.total_cmp(b));
        s[s.len() / 2]
    };
    let c_rate = median(&rates[1]);
    for ((name, _), r) in servers.iter().zip(&rates) {
        let m = median(r);
        println!("{name:<12} {m:>10.0} packets/s   {:.2}× the C server", m / c_rate);
    }
    Ok(())
}
