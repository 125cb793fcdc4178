//! `labbench tftp-server`: our server beside tftpd-hpa, both downloaded from by curl; then our client and server
//! with big windows, against what loopback and the disk can do at most.

use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::floor;
use crate::peers::{self, require, sibling, write_test_file};
use crate::timing::{Contender, alternate, median, mib_per_s, secs, settle, time_command};

/// curl downloads a `size_mib` MiB file from tftp-server and from tftpd-hpa, `rounds` alternating rounds; then
/// tftp-client downloads `window_mib` MiB from tftp-server with big windows, to /dev/null and to a file, beside
/// the loopback and disk ceilings and curl -> tftpd-hpa.
pub fn run(size_mib: u64, window_mib: u64, rounds: usize) -> Result<()> {
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
