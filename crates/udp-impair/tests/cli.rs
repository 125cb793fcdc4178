//! The `udp-impair` program: its first line names the port it listens on; Ctrl-C prints the tally.
#![allow(clippy::unwrap_used)]

use std::net::{SocketAddr, UdpSocket};
use std::process::{Command, Stdio};

use labbench::lines::Lines;

#[test]
fn relays_and_prints_the_tally_on_ctrl_c() {
    let server = UdpSocket::bind("127.0.0.1:0").unwrap();
    let to = server.local_addr().unwrap().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_udp-impair"))
        .args(["--listen", "127.0.0.1:0", "--to", &to, "--loss-up", "100%", "-v"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = Lines::of(child.stdout.take().unwrap());
    let first = lines.next();
    assert!(first.starts_with("relaying 127.0.0.1:"), "{first}");
    assert!(first.trim_end().ends_with(&format!("<-> {to}")), "{first}");
    let listen: SocketAddr = first.split_whitespace().nth(1).unwrap().parse().unwrap();
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    for _ in 0..3 {
        client.send_to(b"lost", listen).unwrap();
    }
    // -v prints the tally each second it changes: wait for the line that counts all three.
    let mut line = String::new();
    while !line.starts_with("client->server") || line.split_whitespace().nth(1) != Some("3") {
        line = lines.next();
    }
    server.set_nonblocking(true).unwrap();
    assert!(
        server.recv_from(&mut [0u8; 8]).is_err(),
        "nothing got through 100% loss"
    );
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let rest = lines.rest();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    let up = rest.iter().rfind(|l| l.starts_with("client->server")).unwrap();
    let fields: Vec<&str> = up.split_whitespace().collect();
    assert_eq!(
        fields[1..4],
        ["3", "0", "3"],
        "received 3, forwarded 0, dropped 3: {up}"
    );
}

#[test]
fn bad_arguments_exit_2() {
    for args in [
        &["--listen", "127.0.0.1:0", "--to", "127.0.0.1:9", "--loss", "150%"][..],
        &["--listen", "300.0.0.1:0", "--to", "127.0.0.1:9"][..],
        &["--listen", "127.0.0.1:0"][..],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_udp-impair"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
