//! Building and running one lab's tests with a time limit, and reading what libtest prints.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::labs::Lab;

/// How one lab went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Passed,
    Failed,
    CompileError,
    TimedOut,
    NotAttempted,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::CompileError => "compile error",
            Status::TimedOut => "timed out",
            Status::NotAttempted => "not attempted",
        }
    }
}

/// One test of a lab: its name, "passed", "failed" or "timed out", and for a failure what it said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResult {
    pub name: String,
    pub status: &'static str,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct LabResult {
    pub lab: Lab,
    pub status: Status,
    pub tests: Vec<TestResult>,
    /// The compiler's first error, for a lab that does not build.
    pub compile_error: String,
}

impl LabResult {
    pub fn not_attempted(lab: &Lab) -> LabResult {
        LabResult {
            lab: lab.clone(),
            status: Status::NotAttempted,
            tests: Vec::new(),
            compile_error: String::new(),
        }
    }

    pub fn passed_tests(&self) -> usize {
        self.tests.iter().filter(|t| t.status == "passed").count()
    }
}

/// How long a build may take: the first one compiles the crates the tests compare against.
const BUILD_LIMIT: Duration = Duration::from_secs(900);

/// Builds lab's tests in the tree and runs them, stopping them after `limit`.
pub fn run_lab(manifest: &Path, target_dir: &Path, lab: &Lab, limit: Duration) -> Result<LabResult> {
    let cargo = |args: &[&str]| {
        let mut command = Command::new("cargo");
        command
            .args(args)
            .arg("--manifest-path")
            .arg(manifest)
            .args(["-p", &lab.package()])
            // The project's tests only (tests/*.rs): tests a student adds to src/ do not count.
            .args(["--test", "*"])
            .env("CARGO_TARGET_DIR", target_dir)
            .env("CARGO_TERM_COLOR", "never")
            .stdin(Stdio::null());
        command
    };
    let build = run_with_limit(cargo(&["test", "--no-run", "--message-format", "short"]), BUILD_LIMIT)?;
    if !build.success {
        let error = build
            .stderr
            .lines()
            .filter(|l| l.contains("error"))
            .take(3)
            .collect::<Vec<_>>()
            .join("\n");
        return Ok(LabResult {
            lab: lab.clone(),
            status: Status::CompileError,
            tests: Vec::new(),
            compile_error: error,
        });
    }
    let mut list = cargo(&["test"]);
    list.args(["--", "--list", "--format", "terse"]);
    let names = list_tests(&run_with_limit(list, BUILD_LIMIT)?.stdout);
    let mut test = cargo(&["test", "--no-fail-fast"]);
    test.args(["--", "--color", "never"]);
    let outcome = run_with_limit(test, limit)?;
    let tests = parse_libtest(&outcome.stdout, &names);
    let status = if outcome.timed_out {
        Status::TimedOut
    } else if outcome.success {
        Status::Passed
    } else {
        Status::Failed
    };
    Ok(LabResult {
        lab: lab.clone(),
        status,
        tests,
        compile_error: String::new(),
    })
}

struct Outcome {
    success: bool,
    timed_out: bool,
    stdout: String,
    stderr: String,
}

/// Runs `command` in a process group of its own and ends the whole group (cargo and the test binary it started)
/// when `limit` passes.
fn run_with_limit(mut command: Command, limit: Duration) -> Result<Outcome> {
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run cargo")?;
    let stdout = read_in_background(child.stdout.take());
    let stderr = read_in_background(child.stderr.take());
    let start = Instant::now();
    let (success, timed_out) = loop {
        if let Some(status) = child.try_wait()? {
            break (status.success(), false);
        }
        if start.elapsed() > limit {
            kill_group(&mut child);
            child.wait()?;
            break (false, true);
        }
        // A supervisor's poll, not synchronisation: the child's end is seen within 50 ms.
        thread::sleep(Duration::from_millis(50));
    };
    let text = |reader: thread::JoinHandle<String>| reader.join().unwrap_or_default();
    Ok(Outcome {
        success,
        timed_out,
        stdout: text(stdout),
        stderr: text(stderr),
    })
}

fn read_in_background(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

fn kill_group(child: &mut Child) {
    #[cfg(unix)]
    {
        let group = format!("-{}", child.id());
        let killed = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        if killed.is_ok_and(|s| s.success()) {
            return;
        }
    }
    let _ = child.kill();
}

/// The names `--list --format terse` prints (`NAME: test`).
pub fn list_tests(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|line| line.strip_suffix(": test"))
        .map(str::to_string)
        .collect()
}

/// Reads libtest's text output: `test NAME ... ok|FAILED` lines, and each failure's message from its
/// `---- NAME stdout ----` section. A test in `all` that never finished (the run was stopped at its time limit)
/// is "timed out".
pub fn parse_libtest(stdout: &str, all: &[String]) -> Vec<TestResult> {
    let mut tests: Vec<TestResult> = Vec::new();
    for line in stdout.lines() {
        let Some(rest) = line.strip_prefix("test ") else {
            continue;
        };
        let Some((name, result)) = rest.rsplit_once(" ... ") else {
            continue;
        };
        let status = match result.trim() {
            "ok" => "passed",
            "FAILED" => "failed",
            _ => continue,
        };
        tests.push(TestResult {
            name: name.to_string(),
            status,
            message: String::new(),
        });
    }
    for test in tests.iter_mut().filter(|t| t.status == "failed") {
        test.message = failure_message(stdout, &test.name);
    }
    for name in all {
        if !tests.iter().any(|t| &t.name == name) {
            let message = "still running when the lab's time limit stopped it".to_string();
            tests.push(TestResult {
                name: name.clone(),
                status: "timed out",
                message,
            });
        }
    }
    tests
}

/// The panic message of a failed test: the lines after "panicked at FILE:LINE:COL:" up to the "note:" line.
fn failure_message(stdout: &str, name: &str) -> String {
    let header = format!("---- {name} stdout ----");
    let Some(start) = stdout.find(&header) else {
        return String::new();
    };
    let section = &stdout[start + header.len()..];
    let end = section
        .find("\n---- ")
        .or_else(|| section.find("\nfailures:"))
        .unwrap_or(section.len());
    let mut message = Vec::new();
    let mut inside = false;
    for line in section[..end].lines() {
        if line.contains("panicked at ") {
            inside = true;
        } else if line.starts_with("note: ") || line.starts_with("stack backtrace") {
            inside = false;
        } else if inside {
            message.push(line);
        }
    }
    message.join("\n").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = "
running 3 tests
test edges ... FAILED
test seed_example ... ok
test random ... FAILED

failures:

---- edges stdout ----

thread 'edges' panicked at tests/lab.rs:20:5:
assertion `left == right` failed: mask_from_prefix(0) should be 0.0.0.0
  left: 1
 right: 0
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace

---- random stdout ----

thread 'random' panicked at src/lib.rs:3:5:
not yet implemented

failures:
    edges
    random

test result: FAILED. 1 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s
";

    #[test]
    fn results_and_messages_are_read_from_libtest() {
        let tests = parse_libtest(OUTPUT, &[]);
        let summary: Vec<_> = tests.iter().map(|t| (t.name.as_str(), t.status)).collect();
        assert_eq!(
            summary,
            [("edges", "failed"), ("seed_example", "passed"), ("random", "failed")]
        );
        assert_eq!(
            tests[0].message,
            "assertion `left == right` failed: mask_from_prefix(0) should be 0.0.0.0\n  left: 1\n right: 0"
        );
        assert_eq!(tests[2].message, "not yet implemented");
    }

    #[test]
    fn a_stopped_run_names_the_unfinished_test() {
        let all = list_tests("quick: test\nslow: test\n\n2 tests, 0 benchmarks\n");
        let tests = parse_libtest("running 2 tests\ntest quick ... ok\n", &all);
        let summary: Vec<_> = tests.iter().map(|t| (t.name.as_str(), t.status)).collect();
        assert_eq!(summary, [("quick", "passed"), ("slow", "timed out")]);
    }
}
