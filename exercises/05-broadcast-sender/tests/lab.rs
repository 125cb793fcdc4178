//! Lab 5 tests: two listeners sharing a port both hear one broadcast.
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use socket2::{Domain, Socket, Type};

fn listener(port: u16) -> UdpSocket {
    let s = Socket::new(Domain::IPV4, Type::DGRAM, None).unwrap();
    s.set_reuse_address(true).unwrap();
    s.set_reuse_port(true).unwrap();
    s.bind(&SocketAddr::from(([0, 0, 0, 0], port)).into()).unwrap();
    let s: UdpSocket = s.into();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s
}

#[test]
fn two_listeners_hear_one_broadcast() {
    let port = UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (a, b) = (listener(port), listener(port));
    let sent = lab05_broadcast_sender::send_broadcast("hello, everyone", port).expect("the send failed");
    assert_eq!(sent, 15);
    for l in [&a, &b] {
        let mut buf = [0u8; 64];
        let (n, _) = l.recv_from(&mut buf).expect("a listener heard nothing");
        assert_eq!(&buf[..n], b"hello, everyone");
    }
}
