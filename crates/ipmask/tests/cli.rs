//! `ipmask` as a user runs it: the seed's examples, the edge prefixes, every command with and without --json,
//! and bad input with one line and exit code 2.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn ipmask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ipmask"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn text(args: &[&str]) -> String {
    let out = ipmask(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json_lines(args: &[&str]) -> Vec<Value> {
    let mut all = args.to_vec();
    all.push("--json");
    text(&all).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn field<'a>(report: &'a str, label: &str) -> &'a str {
    report
        .lines()
        .find(|l| l.starts_with(label))
        .map(|l| l[label.len()..].trim())
        .unwrap_or("")
}

#[test]
fn the_seed_example_in_every_mask_form() {
    for args in [
        &["192.168.1.1", "255.255.255.0"][..],
        &["192.168.1.1/24"][..],
        &["192.168.1.1/255.255.255.0"][..],
        &["192.168.1.1", "0xffffff00"][..],
        &["192.168.1.1", "0.0.0.255"][..],
        &["192.168.1.1"][..],
    ] {
        let r = text(args);
        assert_eq!(field(&r, "network"), "192.168.1.0/24", "{args:?}");
        assert_eq!(field(&r, "broadcast"), "192.168.1.255", "{args:?}");
        assert_eq!(field(&r, "hosts"), "192.168.1.1 to 192.168.1.254", "{args:?}");
    }
    assert!(text(&["192.168.1.1", "0.0.0.255"]).contains("given as a wildcard mask"));
    assert!(text(&["192.168.1.1"]).contains("no mask given: the classful default"));
}

#[test]
fn the_report_shows_the_bits_split() {
    let r = text(&["192.168.1.1/20"]);
    assert!(r.contains("address     11000000.10101000.0000|0001.00000001"), "{r}");
    assert!(r.contains("netmask     11111111.11111111.1111|0000.00000000"), "{r}");
    assert!(r.contains("20 network bits | 12 host bits"), "{r}");
    assert!(
        !r.contains('\x1b'),
        "no colour when NO_COLOR is set or stdout is not a terminal"
    );
    assert_eq!(
        field(&r, "class"),
        "C (leading bits 110, 192.0.0.0 to 223.255.255.255, default mask /24, unicast)"
    );
    assert_eq!(field(&r, "kind"), "private (RFC 1918)");
}

#[test]
fn the_campus_example_and_the_edge_prefixes() {
    let campus = &json_lines(&["172.16.20.5", "255.255.0.0"])[0];
    assert_eq!(campus["hosts"], 65534);
    let all = &json_lines(&["0.0.0.0/0"])[0];
    assert_eq!(
        (all["addresses"].clone(), all["broadcast"].clone()),
        (Value::from(4294967296u64), Value::from("255.255.255.255"))
    );
    let p2p = &json_lines(&["10.0.0.1/31"])[0];
    assert_eq!(
        (p2p["hosts"].clone(), p2p["broadcast"].clone()),
        (Value::from(2), Value::Null)
    );
    assert!(text(&["10.0.0.1/31"]).contains("point-to-point link"));
    let host = &json_lines(&["10.0.0.1/32"])[0];
    assert_eq!(
        (host["hosts"].clone(), host["first_host"].clone()),
        (Value::from(1), Value::from("10.0.0.1"))
    );
    assert!(text(&["10.0.0.1/32"]).contains("a single host (a host route)"));
    let v6 = &json_lines(&["2001:db8::1/64"])[0];
    assert_eq!(v6["network"], "2001:db8::");
    assert_eq!(v6["addresses"], "18446744073709551616");
    assert_eq!(v6["broadcast"], Value::Null);
    let v6p = &json_lines(&["2001:db8::1/127"])[0];
    assert_eq!(
        (v6p["hosts"].clone(), v6p["first_host"].clone()),
        (Value::from(2), Value::from("2001:db8::"))
    );
}

#[test]
fn json_has_every_documented_key() {
    let v = &json_lines(&["192.168.1.1/24"])[0];
    for key in [
        "address",
        "prefix",
        "netmask",
        "hostmask",
        "network",
        "broadcast",
        "first_host",
        "last_host",
        "hosts",
        "addresses",
        "class",
        "kind",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    assert_eq!(v["netmask"], "255.255.255.0");
    assert_eq!(v["hostmask"], "0.0.0.255");
}

#[test]
fn split_lists_subnets_and_cuts_long_lists() {
    let out = text(&["10.0.0.0/8", "--split", "24"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "10.0.0.0/8 in /24 subnets: 2^16 = 65536");
    assert_eq!(lines[1], "10.0.0.0/24");
    assert_eq!(lines[2], "10.0.1.0/24");
    assert_eq!(*lines.last().unwrap(), "... and 65504 more");
    let subnets = json_lines(&["192.168.0.0/22", "--split", "24"]);
    let names: Vec<&str> = subnets.iter().map(|v| v["network"].as_str().unwrap()).collect();
    assert_eq!(names, ["192.168.0.0", "192.168.1.0", "192.168.2.0", "192.168.3.0"]);
}

#[test]
fn agg_from_arguments_and_from_stdin() {
    assert_eq!(
        text(&["agg", "192.168.0.0/24", "192.168.1.0/24", "10.0.0.0/9", "10.128.0.0/9"]),
        "10.0.0.0/8\n192.168.0.0/23\n"
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_ipmask"))
        .args(["agg"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"2001:db8::/33\n2001:db8:8000::/33\n\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "2001:db8::/32\n");
}

#[test]
fn range_covers_exactly() {
    assert_eq!(
        text(&["range", "10.0.0.1-10.0.0.6"]),
        "10.0.0.1/32\n10.0.0.2/31\n10.0.0.4/31\n10.0.0.6/32\n"
    );
    assert_eq!(text(&["range", "192.168.0.0", "192.168.3.255"]), "192.168.0.0/22\n");
}

#[test]
fn same_subnet_says_which_host_is_misjudged() {
    let out = text(&["same-subnet", "192.168.1.10", "192.168.2.20", "--mask", "255.255.0.0"]);
    assert!(
        out.starts_with("192.168.1.10 and 192.168.2.20 with /16: same subnet (on-link)"),
        "{out}"
    );
    assert!(out.contains("too large"));
    let out = text(&["same-subnet", "192.168.1.10", "192.168.2.20", "--mask", "/24"]);
    assert!(out.contains("different subnets"), "{out}");
    assert!(out.contains("too small"));
    let v = &json_lines(&["same-subnet", "10.0.0.1", "10.0.0.200", "--mask", "/25"])[0];
    assert_eq!(
        (v["on_link"].clone(), v["common_prefix"].clone()),
        (Value::from(false), Value::from(24))
    );
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    for (args, says) in [
        (
            &["10.0.0.1", "255.0.255.0"][..],
            "\"255.0.255.0\": not a valid mask: its 1 bits are not contiguous",
        ),
        (&["256.1.1.1"][..], "\"256.1.1.1\": octet 256 is out of range (0-255)"),
        (
            &["10.0.0.1/33"][..],
            "\"/33\": prefix 33 is out of range for IPv4 (0-32)",
        ),
        (
            &["2001:db8::/129"][..],
            "\"/129\": prefix 129 is out of range for IPv6 (0-128)",
        ),
        (&["garbage"][..], "\"garbage\": not an IPv4 or IPv6 address"),
        (
            &["10.0.0.0/8", "--split", "4"][..],
            "\"/4\": a subnet of /8 needs a prefix from 8 to 32",
        ),
        (&["range", "10.0.0.9-10.0.0.1"][..], "the range ends before it starts"),
        (
            &["agg", "10.0.0.0/8", "nonsense"][..],
            "\"nonsense\": not an IPv4 or IPv6 address",
        ),
    ] {
        let out = ipmask(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

#[test]
fn reverse_dns_names_and_the_expanded_ipv6_address() {
    let r = text(&["192.168.1.77/26"]);
    assert_eq!(
        field(&r, "reverse"),
        "77.1.168.192.in-addr.arpa (zone 1.168.192.in-addr.arpa)"
    );
    let r = text(&["2001:db8::1/48"]);
    assert_eq!(field(&r, "expanded"), "2001:0db8:0000:0000:0000:0000:0000:0001");
    assert!(field(&r, "reverse").ends_with("8.b.d.0.1.0.0.2.ip6.arpa (zone 0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa)"));
    let j = &json_lines(&["10.20.30.40/16"])[0];
    assert_eq!(j["reverse_pointer"], "40.30.20.10.in-addr.arpa");
    assert_eq!(j["reverse_zone"], "20.10.in-addr.arpa");
    assert_eq!(j["expanded"], "10.20.30.40");
}

#[test]
fn vlsm_gives_each_group_of_hosts_its_subnet() {
    let r = text(&["vlsm", "192.168.1.0/24", "100", "50", "20", "2"]);
    // A title, a header, a row per subnet, then what is free.
    let rows: Vec<&str> = r.lines().skip(2).take_while(|l| !l.starts_with("free")).collect();
    assert_eq!(rows.len(), 4, "{r}");
    assert!(rows[0].contains("100") && rows[0].contains("192.168.1.0/25") && rows[0].contains("126"));
    assert!(rows[3].contains("192.168.1.224/30") && rows[3].contains("192.168.1.225 to 192.168.1.226"));
    assert!(
        r.contains("free: 192.168.1.228/30, 192.168.1.232/29, 192.168.1.240/28"),
        "{r}"
    );
    let j = json_lines(&["vlsm", "10.0.0.0/16", "1000", "10"]);
    assert_eq!(j[0]["network"], "10.0.0.0");
    assert_eq!(j[0]["prefix"], 22);
    assert_eq!(j[0]["wanted_hosts"], 1000);
    assert_eq!(j[1]["prefix"], 28);
    assert_eq!(j[2]["free"][0], "10.0.4.16/28");
    let out = ipmask(&["vlsm", "192.168.1.0/24", "200", "100"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("too small"), "{err}");
}

/// Runs ipmask with its output on a pipe that is closed after the first line, as `| head -1` closes it: the
/// rest of the output then has nowhere to go. Returns the first line, the exit code and what went to stderr.
fn closed_after_first_line(args: &[&str]) -> (String, Option<i32>, String) {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_ipmask"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // The reader is dropped here: the pipe's read end is closed, and ipmask has far more than a pipe holds left.
    let out = child.wait_with_output().unwrap();
    (
        first,
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn closed_stdout_ends_quietly_like_cat() {
    // 65,536 JSON lines (20 MB), and a vlsm table of 3,000 rows (200 kB): both far more than a pipe holds.
    let ones = vec!["1"; 3000];
    let mut vlsm = vec!["vlsm", "10.0.0.0/8"];
    vlsm.extend(&ones);
    for args in [&["10.0.0.0/8", "--split", "24", "--json"][..], &vlsm[..]] {
        let (first, code, err) = closed_after_first_line(args);
        assert!(!first.is_empty(), "{:?}: the first line arrived", &args[..2]);
        assert_eq!(code, Some(0), "{:?}: {err}", &args[..2]);
        assert_eq!(err, "", "{:?}: no panic message, nothing at all", &args[..2]);
    }
}

/// ipmask with `input` on standard input.
fn with_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ipmask"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // ipmask may stop reading at a bad line and close the pipe: no failure here.
    let _ = child.stdin.take().unwrap().write_all(input);
    child.wait_with_output().unwrap()
}

#[test]
fn an_error_quotes_a_long_input_short() {
    // A 4000-character line (under agg's limit) and a 100 KB argument: the error quoted all of it.
    let out = with_stdin(&["agg"], format!("10.0.0.0/8\n{}\n", "a".repeat(4000)).as_bytes());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(
        err,
        format!(
            "ipmask: line 2 of standard input: {:?}…: not an IPv4 or IPv6 address\n",
            "a".repeat(60)
        )
    );
    let out = ipmask(&[&"a".repeat(100_000)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.len() < 200 && err.contains("aaaa\"…: "), "{err}");
}

#[test]
fn agg_refuses_a_line_longer_than_any_network_at_once() {
    // 100 KB with no newline, then good lines: the whole of such input used to be read into memory first
    // (`< /dev/zero` grew to 2.6 GB in 3 s); now reading stops at the limit, with one short line.
    let mut input = b"10.0.0.0/8\n".to_vec();
    input.extend_from_slice(&[b'a'; 100_000]);
    input.extend_from_slice(b"\n11.0.0.0/8\n");
    let out = with_stdin(&["agg"], &input);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(
        err,
        format!(
            "ipmask: line 2 of standard input is longer than {} bytes, more than any network\n",
            ipmask::parse::MAX_LINE
        )
    );
    assert_eq!(out.stdout, b"", "nothing partial printed as if it were the answer");
    let help = text(&["agg", "--help"]);
    assert!(
        help.contains(&format!("each line at most {} bytes", ipmask::parse::MAX_LINE)),
        "--help states the limit: {help}"
    );
}

#[test]
fn agg_refuses_a_line_that_is_not_utf8_and_names_it() {
    // Reading used to stop silently at the bad line: 10.0.0.0/8 alone, exit 0, and 11.0.0.0/8 never read.
    let out = with_stdin(&["agg"], b"10.0.0.0/8\n\xff\n11.0.0.0/8\n");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(
        err, "ipmask: line 2 of standard input is not UTF-8 text: \\xff\n",
        "one line naming the line"
    );
    assert_eq!(out.stdout, b"", "nothing partial printed as if it were the answer");
    let out = with_stdin(&["agg"], b"10.0.0.0/8\n\n10.0.0.0/33\n");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.starts_with("ipmask: line 3 of standard input: \"/33\""), "{err}");
    // Without the bad line, every line is read: 10.0.0.0/8 and 11.0.0.0/8 merge into one /7.
    let out = with_stdin(&["agg"], b"10.0.0.0/8\n\n11.0.0.0/8\n");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "10.0.0.0/7\n");
}

#[test]
fn splits_of_all_of_ipv6_count_exactly() {
    let out = text(&["::/0", "--split", "128"]);
    let lines: Vec<&str> = out.lines().collect();
    // 2^128 was shown as 2^127's value, and what was left as "more more".
    assert_eq!(
        lines[0],
        "::/0 in /128 subnets: 2^128 = 340282366920938463463374607431768211456"
    );
    assert_eq!(lines[1], "::/128");
    assert_eq!(
        *lines.last().unwrap(),
        "... and 340282366920938463463374607431768211424 more",
        "2^128 less the 32 shown"
    );
    let out = text(&["::/1", "--split", "128"]);
    assert!(
        out.starts_with("::/1 in /128 subnets: 2^127 = 170141183460469231731687303715884105728\n"),
        "{out}"
    );
    assert!(
        out.ends_with("... and 170141183460469231731687303715884105696 more\n"),
        "{out}"
    );
}

#[test]
fn vlsm_too_small_says_the_exact_need() {
    // 2^63 hosts take a /64's 2^64 addresses, 2 hosts take 4 more: 2^64 + 4, which a float rounds to ...552000.
    let out = ipmask(&["vlsm", "2001:db8::/64", "9223372036854775808", "2"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("it has 2^64 addresses, and subnets for the 2 largest requests need 18446744073709551620 "),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn standard_input_that_cannot_be_read_is_a_runtime_failure_exit_1() {
    // A folder as standard input: every read fails (EISDIR). The command was right, so not exit 2.
    let folder = std::fs::File::open(env!("CARGO_MANIFEST_DIR")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ipmask"))
        .arg("agg")
        .stdin(folder)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with("ipmask: cannot read standard input: ") && err.lines().count() == 1,
        "{err}"
    );
}
