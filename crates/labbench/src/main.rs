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
}

fn main() -> Result<()> {
    match Cli::parse().bench {
        Bench::TftpClient { size_mib, rounds } => tftp_client(size_mib, rounds),
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
