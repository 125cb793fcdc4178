//! Two chats talking over loopback through pipes, GBK on the wire, a Python peer, long and undecodable messages.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Write};
use std::net::UdpSocket;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;

use labbench::lines::Lines;

/// A running chat: its stdin to type into, its stdout lines through a channel, the port it bound.
struct Chat {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Lines,
    port: u16,
}

impl Chat {
    /// Starts a chat on 127.0.0.1, port 0; `args` may name the peer or not (then it asks).
    fn start(args: &[&str]) -> Chat {
        let mut child = Command::new(env!("CARGO_BIN_EXE_udp-chat"))
            .args(["--bind", "127.0.0.1", "--port", "0"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = Lines::of(child.stdout.take().unwrap());
        let stdin = child.stdin.take();
        let mut chat = Chat {
            child,
            stdin,
            lines,
            port: 0,
        };
        let first = chat.next();
        assert!(first.starts_with("udp-chat on 127.0.0.1:"), "{first}");
        chat.port = first
            .split_whitespace()
            .nth(2)
            .unwrap()
            .rsplit(':')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        chat
    }

    fn next(&self) -> String {
        self.lines.next()
    }

    /// The next received message: (sender, text), after checking the seed's line shape.
    fn message(&self) -> (String, String) {
        loop {
            let line = self.next();
            if let Some((head, text)) = line.split_once('\t') {
                let (from, stamp) = head.split_once(' ').unwrap_or((head, ""));
                let fields: Vec<&str> = stamp.split_whitespace().collect();
                assert_eq!(fields.len(), 5, "ctime has five fields: {stamp:?} in {line:?}");
                assert_eq!(fields[3].matches(':').count(), 2, "hh:mm:ss in {line:?}");
                return (from.to_string(), text.to_string());
            }
        }
    }

    fn say(&mut self, text: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{text}").unwrap();
        stdin.flush().unwrap();
    }

    /// Closes stdin (Ctrl-D) and waits for the chat to end.
    fn finish(mut self) -> std::process::ExitStatus {
        drop(self.stdin.take());
        self.child.wait().unwrap()
    }
}

#[test]
fn two_chats_talk_both_ways_in_the_seed_format() {
    // a asks for its peer, as in the seed; b is given a's address on the command line.
    let mut a = Chat::start(&[]);
    let mut b = Chat::start(&["127.0.0.1", &a.port.to_string()]);
    a.say("127.0.0.1");
    a.say(&b.port.to_string());
    assert!(
        a.next().contains("talking to 127.0.0.1:"),
        "the prompts, then who a talks to"
    );
    b.say("hello from b");
    assert_eq!(
        a.message(),
        (format!("127.0.0.1:{}", b.port), "hello from b".to_string())
    );
    a.say("你好, b");
    assert_eq!(b.message(), (format!("127.0.0.1:{}", a.port), "你好, b".to_string()));
    a.say("/quit");
    assert!(a.finish().success());
    assert!(b.finish().success(), "end of input ends the chat cleanly");
}

#[test]
fn gbk_on_the_wire() {
    let raw = UdpSocket::bind("127.0.0.1:0").unwrap();
    raw.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let raw_port = raw.local_addr().unwrap().port().to_string();
    let mut chat = Chat::start(&["--encoding", "gbk", "127.0.0.1", &raw_port]);
    chat.say("测试消息");
    let mut buf = [0u8; 64];
    let (n, from) = raw.recv_from(&mut buf).unwrap();
    assert_eq!(
        &buf[..n],
        &[0xb2, 0xe2, 0xca, 0xd4, 0xcf, 0xfb, 0xcf, 0xa2],
        "GBK bytes, two per character"
    );
    raw.send_to(&buf[..n], from).unwrap();
    assert_eq!(chat.message().1, "测试消息", "and GBK back to the same text");
    chat.finish();
}

#[test]
fn long_and_undecodable_messages() {
    let raw = UdpSocket::bind("127.0.0.1:0").unwrap();
    let raw_port = raw.local_addr().unwrap().port().to_string();
    let mut chat = Chat::start(&["127.0.0.1", &raw_port]);
    let to = format!("127.0.0.1:{}", chat.port);
    let long = "x".repeat(65_507);
    raw.send_to(long.as_bytes(), &to).unwrap();
    assert_eq!(
        chat.message().1.len(),
        65_507,
        "the seed's recvfrom(1024) would cut it to 1024"
    );
    raw.send_to(b"caf\xe9 \xff", &to).unwrap();
    assert_eq!(chat.message().1, "caf\\xe9 \\xff", "shown, not a crash");
    raw.send_to(b"still here", &to).unwrap();
    assert_eq!(chat.message().1, "still here");
    chat.say("/quit");
    assert!(chat.finish().success());
}

/// The seed's chat, reduced to one exchange: bind, then receive a message and answer its sender.
const PYTHON_PEER: &str = "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', 0))
print(s.getsockname()[1], flush=True)
s.settimeout(10)
msg, (host, port) = s.recvfrom(65536)
print(msg.decode(), flush=True)
s.sendto('你好 from Python'.encode(), (host, port))
";

#[test]
fn a_python_peer_in_the_seed_style() {
    let mut python = Command::new("python3")
        .args(["-c", PYTHON_PEER])
        .stdout(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .expect("python3");
    let mut out = BufReader::new(python.stdout.take().unwrap());
    let mut port = String::new();
    out.read_line(&mut port).unwrap();
    let mut chat = Chat::start(&["127.0.0.1", port.trim()]);
    chat.say("hello, Python");
    let mut heard = String::new();
    out.read_line(&mut heard).unwrap();
    assert_eq!(heard.trim(), "hello, Python");
    assert_eq!(
        chat.message(),
        (format!("127.0.0.1:{}", port.trim()), "你好 from Python".to_string())
    );
    let _ = python.wait();
    chat.finish();
}

#[test]
fn ctrl_c_ends_the_chat_cleanly() {
    let chat = Chat::start(&["127.0.0.1", "9"]);
    let _ = chat.next(); // "talking to ...": the chat is running
    Command::new("kill")
        .args(["-INT", &chat.child.id().to_string()])
        .status()
        .unwrap();
    let mut chat = chat;
    assert!(chat.child.wait().unwrap().success(), "Ctrl-C leaves with exit code 0");
}

#[test]
fn an_unencodable_line_is_refused_and_the_chat_goes_on() {
    let raw = UdpSocket::bind("127.0.0.1:0").unwrap();
    raw.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let port = raw.local_addr().unwrap().port().to_string();
    let mut chat = Chat::start(&["--encoding", "gbk", "127.0.0.1", &port]);
    chat.say("smile 😀");
    chat.say("plain");
    let mut buf = [0u8; 64];
    let (n, _) = raw.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"plain", "the emoji line was not sent; the next one was");
    chat.finish();
}

#[test]
fn ipv6_both_ways() {
    let raw = UdpSocket::bind("[::1]:0").unwrap();
    raw.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let port = raw.local_addr().unwrap().port().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_udp-chat"))
        .args(["--bind", "::1", "--port", "0", "::1", &port])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = Lines::of(child.stdout.take().unwrap());
    assert!(lines.next().starts_with("udp-chat on [::1]:"));
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "hello over IPv6").unwrap();
    stdin.flush().unwrap();
    let mut buf = [0u8; 64];
    let (n, chat_addr) = raw.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"hello over IPv6");
    raw.send_to("你好".as_bytes(), chat_addr).unwrap();
    let line = lines.wait_for("\t");
    assert!(
        line.starts_with(&format!("[::1]:{port} ")) && line.ends_with("\t你好"),
        "{line}"
    );
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[test]
fn a_line_that_is_not_utf8_is_sent_as_its_bytes_and_the_chat_goes_on() {
    for encoding in ["utf-8", "gbk"] {
        let raw = UdpSocket::bind("127.0.0.1:0").unwrap();
        raw.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let port = raw.local_addr().unwrap().port().to_string();
        let mut chat = Chat::start(&["--encoding", encoding, "127.0.0.1", &port]);
        // The middle line is Latin-1 then GBK: not UTF-8. Reading used to stop there, silently, with exit 0.
        let stdin = chat.stdin.as_mut().unwrap();
        stdin.write_all(b"before\ncaf\xe9 \xb2\xe2\r\nafter\n").unwrap();
        assert!(chat.finish().success(), "{encoding}");
        let mut buf = [0u8; 64];
        let mut got = Vec::new();
        for _ in 0..3 {
            let (n, _) = raw.recv_from(&mut buf).unwrap();
            got.push(buf[..n].to_vec());
        }
        assert_eq!(
            got,
            [&b"before"[..], &b"caf\xe9 \xb2\xe2"[..], &b"after"[..]],
            "{encoding}: every line sent, the bad one as its bytes"
        );
    }
}

#[test]
fn control_bytes_are_shown_escaped_and_cannot_fake_a_line() {
    let raw = UdpSocket::bind("127.0.0.1:0").unwrap();
    let raw_port = raw.local_addr().unwrap().port().to_string();
    let mut chat = Chat::start(&["127.0.0.1", &raw_port]);
    let to = format!("127.0.0.1:{}", chat.port);
    let from = format!("127.0.0.1:{raw_port}");
    // A message that starts a new line dressed as a message from another host...
    raw.send_to(b"\n127.0.0.1:9999 Thu Jan  1 00:00:00 1970\tspoofed", &to)
        .unwrap();
    // ... and one that would turn the terminal red and retitle its window.
    raw.send_to(b"\x1b[31mred\x1b]0;owned\x07 tab\there\r\n", &to).unwrap();
    raw.send_to(b"the end", &to).unwrap();
    assert_eq!(
        chat.message(),
        (
            from.clone(),
            "\\n127.0.0.1:9999 Thu Jan  1 00:00:00 1970\\tspoofed".to_string()
        ),
        "one line, from its real sender"
    );
    assert_eq!(
        chat.message(),
        (from.clone(), "\\x1b[31mred\\x1b]0;owned\\x07 tab\\there".to_string()),
        "the line ending at the very end is the sender's, not shown"
    );
    assert_eq!(chat.message(), (from, "the end".to_string()));
    chat.say("/quit");
    assert!(chat.finish().success());
}

/// udp-chat run to its end with `stdin` as its input: exit code and standard error.
fn ended(args: &[&str], stdin: &[u8]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_udp-chat"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The chat may have ended before reading it all: a closed pipe is no failure here.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    let out = child.wait_with_output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn bad_addresses_exit_2_whether_typed_or_asked_for() {
    let (code, err) = ended(&["--bind", "256.1.1.1", "--port", "0", "127.0.0.1", "9"], b"");
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(
        err,
        "udp-chat: --bind \"256.1.1.1\": octet 256 is out of range (0-255)\n"
    );
    let (code, err) = ended(&["--bind", "127.0.0.1", "--port", "0", "10.0.0.256", "9"], b"");
    assert_eq!((code, err.lines().count()), (Some(2), 1), "{err}");
    // A host name that resolves to nothing is bad input too (it used to exit 1). Asked for, the name can hold a
    // NUL byte, which the system refuses before any look-up, so the test sends no DNS query anywhere.
    let (code, err) = ended(&["--bind", "127.0.0.1", "--port", "0"], b"no\0such-host\n9\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.starts_with("udp-chat: \"no\\0such-host\": cannot resolve host name (") && err.lines().count() == 1,
        "{err}"
    );
}

#[test]
fn a_peer_port_0_is_refused_at_start_with_exit_2() {
    // It used to print "not sent: Invalid argument (os error 22)" for every line, and exit 0.
    let (code, err) = ended(
        &["--bind", "127.0.0.1", "--port", "0", "127.0.0.1", "0"],
        b"hi\nthere\n",
    );
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(
        err,
        "udp-chat: port 0 cannot be sent to: a peer's port is 1 to 65535 (0 means any free port only for --port)\n"
    );
}

#[test]
fn a_port_already_taken_is_a_runtime_failure_exit_1() {
    let taken = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let (code, err) = ended(&["--bind", "127.0.0.1", "--port", &port, "127.0.0.1", "9"], b"");
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.starts_with("udp-chat: ") && err.contains(&port) && err.lines().count() == 1,
        "{err}"
    );
}

#[test]
fn a_line_longer_than_a_datagram_is_refused_at_the_limit_and_the_chat_goes_on() {
    let raw = UdpSocket::bind("127.0.0.1:0").unwrap();
    raw.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let port = raw.local_addr().unwrap().port().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_udp-chat"))
        .args(["--bind", "127.0.0.1", "--port", "0", "127.0.0.1", &port])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let errors = Lines::of(child.stderr.take().unwrap());
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"before\n").unwrap();
    stdin.write_all(&[b'a'; 100_000]).unwrap();
    stdin.flush().unwrap();
    // Said while the line has not ended: the chat used to wait for a newline that may never come (`< /dev/zero`),
    // keeping every byte.
    assert_eq!(
        errors.next(),
        "not sent: line 2 is longer than 65507 bytes, more than one UDP datagram holds"
    );
    stdin.write_all(b"aaa\nafter\n").unwrap();
    drop(stdin);
    assert!(child.wait().unwrap().success());
    let mut buf = [0u8; 64];
    let mut got = Vec::new();
    for _ in 0..2 {
        let (n, _) = raw.recv_from(&mut buf).unwrap();
        got.push(buf[..n].to_vec());
    }
    assert_eq!(
        got,
        [&b"before"[..], &b"after"[..]],
        "the rest of the long line was not sent"
    );
    assert_eq!(errors.rest(), Vec::<String>::new(), "one line said it all");
}

#[test]
fn invisible_format_characters_are_shown_escaped() {
    let raw = UdpSocket::bind("127.0.0.1:0").unwrap();
    let chat = Chat::start(&["127.0.0.1", &raw.local_addr().unwrap().port().to_string()]);
    // A soft hyphen and a zero-width space hide in a word; U+202E would turn the rest of the line around.
    raw.send_to(
        "pay\u{ad}pal\u{200b} \u{202e}1.0.0.721".as_bytes(),
        format!("127.0.0.1:{}", chat.port),
    )
    .unwrap();
    assert_eq!(chat.message().1, "pay\\xadpal\\u200b \\u202e1.0.0.721");
    assert!(chat.finish().success());
}
