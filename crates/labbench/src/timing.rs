//! Alternating runs and medians: each round runs every contender once, in turn, so a slow spell of the machine
//! hits all of them alike; the median of the rounds is reported. Also the units the tables print, and `sync`
//! between runs that write to disk.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// The median of some durations (the mean of the middle two for an even count).
pub fn median(samples: &[Duration]) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    match sorted.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
    }
}

/// Runs a command to completion with its output discarded and returns its wall time; a failure is an error.
pub fn time_command(program: &str, args: &[String]) -> Result<Duration> {
    let started = Instant::now();
    let status = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    let elapsed = started.elapsed();
    if !status.success() {
        bail!("{program} {} failed: {status}", args.join(" "));
    }
    Ok(elapsed)
}

/// A duration as the tables print it: `1.234 s`.
pub fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

/// A rate in MiB per second.
pub fn mib_per_s(bytes: u64, d: Duration) -> f64 {
    bytes as f64 / (1 << 20) as f64 / d.as_secs_f64().max(1e-9)
}

/// Writes every dirty page out (`sync`), so that no background write-back runs during the next measurement.
pub fn settle() -> Result<()> {
    let status = Command::new("sync").status().context("cannot run sync")?;
    if !status.success() {
        bail!("sync failed: {status}");
    }
    Ok(())
}

/// One contender in a comparison.
pub struct Contender<'a> {
    /// Its name in the table.
    pub name: String,
    /// Runs it once and returns the time it took.
    pub run: Box<dyn FnMut() -> Result<Duration> + 'a>,
}

impl std::fmt::Debug for Contender<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contender")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Runs every contender once per round for `rounds` rounds; returns each one's median.
pub fn alternate(contenders: &mut [Contender<'_>], rounds: usize) -> Result<Vec<(String, Duration)>> {
    let mut samples: Vec<Vec<Duration>> = vec![Vec::new(); contenders.len()];
    for _ in 0..rounds {
        for (c, s) in contenders.iter_mut().zip(samples.iter_mut()) {
            s.push((c.run)()?);
        }
    }
    Ok(contenders
        .iter()
        .zip(samples)
        .map(|(c, s)| (c.name.clone(), median(&s)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        let ms = |v: &[u64]| v.iter().map(|&m| Duration::from_millis(m)).collect::<Vec<_>>();
        assert_eq!(median(&ms(&[5, 1, 3])), Duration::from_millis(3));
        assert_eq!(median(&ms(&[4, 1, 3, 2])), Duration::from_micros(2500));
        assert_eq!(median(&[]), Duration::ZERO);
    }

    #[test]
    fn units() {
        assert_eq!(secs(Duration::from_millis(1234)), "1.234 s");
        assert_eq!(mib_per_s(3 << 20, Duration::from_secs(2)), 1.5);
    }
}
