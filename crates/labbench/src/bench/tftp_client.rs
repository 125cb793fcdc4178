//! `labbench tftp-client`: our client beside tftp-hpa's and curl, downloading the same file from tftpd-hpa, in the
//! lock-step default and with the biggest blocks.

use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::floor;
use crate::peers::{self, require, sibling, write_test_file};
use crate::timing::{Contender, alternate, secs, time_command};

/// Downloads a `size_mib` MiB file from tftpd-hpa with tftp-client, tftp-hpa's tftp and curl, for `rounds`
/// alternating rounds; prints the medians, each one's time as a ratio of curl's, and the round-trip floor.
pub fn run(size_mib: u64, rounds: usize) -> Result<()> {
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
