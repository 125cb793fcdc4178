//! `endian-demo` as a user runs it: the tour, pack/unpack/calcsize output, the seed's read request, errors.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_endian-demo"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_tour_shows_both_orders() {
    let out = stdout(&[]);
    assert!(out.contains(if cfg!(target_endian = "little") {
        "little endian."
    } else {
        "big endian."
    }));
    assert!(out.contains("  little endian            44 33 22 11 "), "{out}");
    assert!(out.contains("  big endian (network)     11 22 33 44 "), "{out}");
}

#[test]
fn pack_prints_a_hexdump_and_the_python_literal() {
    let out = stdout(&["pack", "!H8sb5sb", "1", "test.txt", "0", "octet", "0"]);
    assert!(out.ends_with("python: b'\\x00\\x01test.txt\\x00octet\\x00'\n"), "{out}");
    assert!(out.starts_with("00000000  00 01 74 65 73 74 2e 74  78 74 00 6f 63 74 65 74  |..test.txt.octet|"));
    assert_eq!(stdout(&["pack", "<h", "-5", "--hex"]), "fbff\n");
    assert_eq!(
        stdout(&["pack", "<4sB?", "a\\x00b", "0xff", "true", "--hex"]),
        "61006200ff01\n"
    );
}

#[test]
fn unpack_and_calcsize_print_like_python() {
    assert_eq!(stdout(&["unpack", "!HH", "00 04 00 01"]), "(4, 1)\n");
    assert_eq!(
        stdout(&["unpack", "<d?5s", "000000000000f83f 01 68656c6c6f"]),
        "(1.5, True, b'hello')\n"
    );
    assert_eq!(stdout(&["calcsize", "@ci"]), "8\n");
    assert_eq!(stdout(&["calcsize", "=ci"]), "5\n");
}

#[test]
fn the_seed_read_request_and_its_len_bug() {
    let out = stdout(&["rrq", "测试.txt"]);
    assert!(out.contains("RRQ for \"测试.txt\" in octet mode: 19 bytes"), "{out}");
    assert!(out.contains("len(file) = 6: characters, not bytes"), "{out}");
    let ascii = stdout(&["rrq", "test.txt"]);
    assert!(!ascii.contains("len(file)"), "an ASCII name has no such problem");
}

#[test]
fn refusals_exit_2_with_struct_error() {
    for (args, says) in [
        (
            &["pack", "<h", "70000"][..],
            "struct.error: 'h' format requires -32768 <= number <= 32767",
        ),
        (
            &["pack", "<hh", "1"][..],
            "struct.error: pack expected 2 items for packing (got 1)",
        ),
        (&["pack", "<n", "1"][..], "struct.error: bad char in struct format: 'n'"),
        (
            &["unpack", "<I", "0102"][..],
            "struct.error: unpack requires a buffer of 4 bytes",
        ),
        (&["pack", "<i", "twelve"][..], "\"twelve\" is not an integer"),
        (&["show", "70000", "--type", "u16"][..], "does not fit in u16"),
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

#[test]
fn closed_stdout_ends_quietly_like_cat() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    // A hexdump of 100,000 bytes is 6,250 lines (900 kB): far more than a pipe holds, so endian-demo is still
    // writing when the reader goes away after one line, as `| head -1` does.
    let mut child = Command::new(env!("CARGO_BIN_EXE_endian-demo"))
        .args(["pack", "!100000x"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("00000000  00 00"), "{first}");
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(err, "", "no panic message, nothing at all");
}

#[test]
fn hostile_formats_and_input_are_refused_at_once_in_one_line() {
    // Each used to panic (char boundary, capacity overflow), abort (allocation failure), take gigabytes, or
    // print a size Python refuses.
    for (args, says) in [
        (&["unpack", "!H", "中文"][..], "endian-demo: \"中文\" is not hex"),
        (
            &["pack", "!9223372036854775807H"][..],
            "endian-demo: struct.error: total struct size too long",
        ),
        (
            &["pack", "!99999999999s", "x"][..],
            "endian-demo: \"!99999999999s\": 99999999999 bytes is more than pack makes here (at most 1048576 bytes, 1 MiB)",
        ),
        (
            &["pack", "!4000000000H", "1"][..],
            "endian-demo: struct.error: pack expected 4000000000 items for packing (got 1)",
        ),
        (
            &["calcsize", "!18446744073709551615s"][..],
            "endian-demo: struct.error: total struct size too long",
        ),
        (
            &["pack", "<q", "--", "--170141183460469231731687303715884105728"][..],
            "endian-demo: \"--170141183460469231731687303715884105728\" is not an integer (decimal or 0x hex)",
        ),
    ] {
        let out = run(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err, format!("{says}\n"), "{args:?}");
        assert_eq!(out.stdout, b"", "{args:?}");
    }
    // What Python accepts, we accept: the largest size, and 1 MiB packed.
    assert_eq!(stdout(&["calcsize", "!9223372036854775807s"]), "9223372036854775807\n");
    assert_eq!(stdout(&["pack", "!1048576x", "--hex"]).len(), 2 * 1_048_576 + 1);
}

#[cfg(target_os = "linux")]
#[test]
fn output_that_cannot_be_written_is_a_runtime_failure_exit_1() {
    // /dev/full refuses every write (ENOSPC), as a full disk behind `> file` would. The command was right, so
    // not exit 2.
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_endian-demo"))
        .args(["calcsize", "!H"])
        .stdout(full)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with("endian-demo: cannot write to standard output: ") && err.lines().count() == 1,
        "{err}"
    );
}
