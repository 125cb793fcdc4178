//! `labbench` as `just bench` runs it: the exit codes of its two kinds of failure. (The benchmarks themselves need
//! the peers and release builds: `just bench`.)
#![allow(clippy::unwrap_used)]

use std::process::Command;

#[test]
fn zero_rounds_is_bad_usage_exit_2() {
    // No round, no median: refused by clap before anything runs (it used to panic in the echo bench).
    let out = Command::new(env!("CARGO_BIN_EXE_labbench"))
        .args(["echo", "--rounds", "0"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--rounds"), "{err}");
}

#[test]
fn a_missing_program_is_a_runtime_failure_exit_1_in_one_line() {
    // labbench alone in a folder: echo-client, which it looks for beside itself, is not there.
    let folder = tempfile::tempdir().unwrap();
    let alone = folder.path().join("labbench");
    std::fs::copy(env!("CARGO_BIN_EXE_labbench"), &alone).unwrap();
    let out = Command::new(&alone).args(["echo", "--rounds", "1"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(
        err,
        format!(
            "labbench: {} is missing: build it with `cargo build --release -p echo-client`\n",
            folder.path().join("echo-client").display()
        )
    );
    assert_eq!(out.stdout, b"", "nothing measured");
}
