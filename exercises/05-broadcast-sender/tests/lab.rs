//! Lab 5 tests. Two listeners share one port on this machine (SO_REUSEADDR and SO_REUSEPORT, bound to
//! 0.0.0.0:port, port chosen by the system); your `send_broadcast` sends once to 127.255.255.255:port, and both
//! listeners must hear the message, byte for byte. A datagram sent to one address (127.0.0.1) reaches only one of
//! them: only a broadcast reaches both. Nothing leaves the machine, and nothing is random.
#[path = "../../support/timed.rs"]
mod timed;

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use socket2::{Domain, Socket, Type};

/// How long a listener waits for the broadcast. Loopback delivers within microseconds; this leaves room for a
/// slow, busy machine and still fails quickly when nothing was sent.
const LISTEN_WAIT: Duration = Duration::from_secs(2);

/// Seconds `send_broadcast` may take: one socket, one datagram.
const LIMIT: u64 = 5;

/// A listener on 0.0.0.0:`port` that shares the port with others (port 0: the system picks one).
fn listener(port: u16) -> UdpSocket {
    let s = Socket::new(Domain::IPV4, Type::DGRAM, None).unwrap();
    s.set_reuse_address(true).unwrap();
    // Linux and macOS need SO_REUSEPORT as well to let two sockets share a port; on Windows SO_REUSEADDR does it.
    #[cfg(unix)]
    s.set_reuse_port(true).unwrap();
    s.bind(&SocketAddr::from(([0, 0, 0, 0], port)).into()).unwrap();
    let s: UdpSocket = s.into();
    s.set_read_timeout(Some(LISTEN_WAIT)).unwrap();
    s
}

/// Two listeners on one port, and that port.
fn two_listeners() -> ([UdpSocket; 2], u16) {
    let first = listener(0);
    let port = first.local_addr().unwrap().port();
    ([first, listener(port)], port)
}

fn send(message: &'static str, port: u16) -> usize {
    let result = timed::within(LIMIT, &format!("send_broadcast({message:?}, {port})"), move || {
        lab05_broadcast_sender::send_broadcast(message, port)
    });
    match result {
        Ok(sent) => sent,
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => panic!(
            "send_broadcast({message:?}, {port}) returned the error {e:?}: the kernel refuses to send to a \
             broadcast address from a socket without SO_BROADCAST; set it first (the seed's \
             setsockopt(SOL_SOCKET, SO_BROADCAST, 1))"
        ),
        Err(e) => panic!("send_broadcast({message:?}, {port}) returned the error {e:?}"),
    }
}

fn check_heard(listeners: &[UdpSocket; 2], message: &str, port: u16) {
    let heard: Vec<Option<(Vec<u8>, SocketAddr)>> = listeners
        .iter()
        .map(|l| {
            let mut buf = [0u8; 1024];
            l.recv_from(&mut buf).ok().map(|(n, from)| (buf[..n].to_vec(), from))
        })
        .collect();
    let broadcast = lab05_broadcast_sender::LOOPBACK_BROADCAST;
    match heard.iter().filter(|h| h.is_some()).count() {
        0 => panic!(
            "neither listener on port {port} heard anything within {LISTEN_WAIT:?}, although send_broadcast \
             returned Ok: was the send refused? Set SO_BROADCAST, and return send_to's error instead of ignoring it"
        ),
        1 => panic!(
            "only one of the two listeners on port {port} heard the message: a datagram sent to one address (such as \
             127.0.0.1) reaches one listener; send it to the broadcast address {broadcast}:{port} and every \
             listener on the port hears it"
        ),
        _ => {}
    }
    for (number, (bytes, from)) in heard.into_iter().flatten().enumerate() {
        assert!(
            bytes == message.as_bytes(),
            "listener {} heard {:?} from {from}, not {message:?}: send the message's UTF-8 bytes, message.as_bytes()",
            number + 1,
            String::from_utf8_lossy(&bytes)
        );
    }
}

#[test]
fn two_listeners_hear_one_broadcast() {
    let (listeners, port) = two_listeners();
    let sent = send("hello, everyone", port);
    check_heard(&listeners, "hello, everyone", port);
    assert_eq!(
        sent, 15,
        "send_broadcast(\"hello, everyone\", {port}) should return 15 (the bytes sent), got {sent}"
    );
}

#[test]
fn a_chinese_message_goes_as_its_utf8_bytes() {
    let message = "大家好, everyone";
    let (listeners, port) = two_listeners();
    let sent = send(message, port);
    check_heard(&listeners, message, port);
    assert_eq!(
        sent,
        message.len(),
        "send_broadcast({message:?}, {port}) should return {} (the bytes sent: {} characters, but each Chinese \
         character is 3 bytes in UTF-8), got {sent}",
        message.len(),
        message.chars().count()
    );
}
