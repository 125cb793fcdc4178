//! `labbench echo`: echo-server beside the smallest C echo server and the seed's Python one (`peers/echo.c`,
//! `peers/echo.py`), each loaded by echo-client.

use anyhow::{Context, Result};

use crate::peers::{self, require, sibling};

/// echo-client's load mode (`count` datagrams of 64 bytes, `window` in flight) against echo-server, the C server
/// and the Python one, `rounds` alternating rounds; prints each one's median packets per second and its ratio to
/// the C server's.
pub fn run(count: u64, window: u64, rounds: usize) -> Result<()> {
    let client = sibling("echo-client")?;
    let ours = sibling("echo-server")?;
    // Fail before starting anything when a peer cannot run.
    require("cc", "gcc")?;
    require("python3", "python3")?;
    let work = tempfile::tempdir()?;
    let ours_program = ours.display().to_string();
    let servers = [
        (
            "echo-server",
            peers::listening(&ours_program, &["--bind", "127.0.0.1", "--port", "0", "-q"])?,
        ),
        ("C", peers::c_echo_server(work.path())?),
        ("Python", peers::python_echo_server()?),
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
