//! Lab 11 tests. Multicast on this machine only: every datagram leaves by `lo` (IP_MULTICAST_IF 127.0.0.1) with
//! TTL 1, to a group in 239.255.0.0/16 (RFC 2365's local scope), and every receiver joins on `lo`. A sender of
//! yours is read back (its interface and TTL) before anything is sent through it.
//!
//! Every receiver gets a group of its own, made from its port (239.255.P/256.P%256), and the port is held for the
//! whole test by a socket listening to another group on it (239.255.0.1:P, never joined, like another program on
//! the same port). So no other socket on this machine, in this test or another one running at the same time, is
//! a member of the group, and on Linux (where IP_MULTICAST_ALL hands a group's datagrams to every socket bound to
//! it once *any* socket has joined) a receiver that did not join, or left, really hears nothing.
//!
//! "Hears nothing" is checked without sleeping: a message that must not arrive is sent first, then a control
//! message that must; once the control message has been heard, the first one has had its chance, and the socket
//! gets `QUIET` more to show it.
#[path = "../../support/timed.rs"]
mod timed;

use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::time::Duration;

use lab11_multicast_receiver::{join, leave, receive, sender};
use socket2::{Domain, Protocol, SockRef, Socket, Type};

/// The interface every test joins on and sends by: `lo`, named by its address.
const LO: Ipv4Addr = Ipv4Addr::LOCALHOST;

/// The group the port's other listener is bound to (never joined, never sent to).
const NEIGHBOUR: Ipv4Addr = Ipv4Addr::new(239, 255, 0, 1);

/// How long a receiver waits for a message that was sent. Loopback delivers within microseconds; this leaves room
/// for a slow, busy machine and still fails quickly when nothing arrives.
const LISTEN_WAIT: Duration = Duration::from_secs(2);

/// How long a socket must stay silent once a control message sent after the unwanted one has been heard.
const QUIET: Duration = Duration::from_millis(300);

/// Seconds each of your functions may take: a few socket calls, or one datagram that was already sent.
const LIMIT: u64 = 5;

/// The largest UDP payload over IPv4: 65,535 - 20 (IP header) - 8 (UDP header).
const LARGEST: usize = 65_507;

/// A group and port of this test's own, and the socket that holds the port while the test runs.
struct Place {
    group: Ipv4Addr,
    port: u16,
    _neighbour: UdpSocket,
}

impl Place {
    fn new() -> Place {
        // Bound without SO_REUSEADDR, so no other socket gets this port for 239.255.0.1 or for 0.0.0.0.
        let neighbour = UdpSocket::bind((NEIGHBOUR, 0)).unwrap();
        let port = neighbour.local_addr().unwrap().port();
        let group = Ipv4Addr::new(239, 255, (port >> 8) as u8, port as u8);
        assert_ne!(group, NEIGHBOUR);
        Place {
            group,
            port,
            _neighbour: neighbour,
        }
    }

    fn to(&self) -> SocketAddr {
        SocketAddrV4::new(self.group, self.port).into()
    }

    /// Calls your `join(group, 127.0.0.1, port)`; `others` receivers of yours are on the port already.
    fn join(&self, others: usize) -> UdpSocket {
        let (group, port) = (self.group, self.port);
        let call = format!("join({group}, {LO}, {port})");
        let result = timed::within(LIMIT, &call, move || join(group, LO, port));
        let receiver = match result {
            Ok(receiver) => receiver,
            Err(e) if e.kind() == io::ErrorKind::AddrInUse && others > 0 => panic!(
                "{call} returned {e:?} with {others} receiver(s) of yours on {group}:{port} already: several programs \
                 on one machine may listen to one group and port, and each bind after the first fails unless every \
                 socket sets SO_REUSEADDR before its bind (socket2: set_reuse_address(true), then bind)"
            ),
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => panic!(
                "{call} returned {e:?}: port {port} is in use on this machine by a socket listening to another group \
                 ({NEIGHBOUR}:{port}), as another program could be. A socket bound to 0.0.0.0:{port} claims the \
                 port on every address, theirs too (and would get their datagrams): bind the group's address, \
                 {group}:{port}"
            ),
            Err(e) if e.kind() == io::ErrorKind::InvalidInput => panic!(
                "{call} returned {e:?}: IP_ADD_MEMBERSHIP takes the group's address first, then the interface's \
                 (socket2: join_multicast_v4(&group, &interface)); the kernel refuses a group that is not a \
                 multicast address"
            ),
            Err(e) => panic!("{call} returned the error {e:?}"),
        };
        receiver.set_read_timeout(Some(LISTEN_WAIT)).unwrap();
        receiver
    }

    /// Calls your `leave(receiver, group, 127.0.0.1)`.
    fn leave(&self, receiver: &UdpSocket) {
        let (group, socket) = (self.group, receiver.try_clone().unwrap());
        let call = format!("leave(receiver, {group}, {LO})");
        match timed::within(LIMIT, &call, move || leave(&socket, group, LO)) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AddrNotAvailable => panic!(
                "{call} returned {e:?}: the kernel found no such membership on this socket. Leave names the \
                 membership as the join did: the same group, on the same interface (IP_DROP_MEMBERSHIP, socket2: \
                 leave_multicast_v4(&group, &interface))"
            ),
            Err(e) if e.kind() == io::ErrorKind::InvalidInput => panic!(
                "{call} returned {e:?}: IP_DROP_MEMBERSHIP takes the group's address first, then the interface's"
            ),
            Err(e) => panic!(
                "{call} returned the error {e:?}: leave the group on the interface the join used, {LO}, \
                 not on 0.0.0.0 (which lets the routing table pick another interface)"
            ),
        }
    }
}

/// The tests' own sender: bound to 127.0.0.1, sending by lo, TTL 1, heard on this machine (loopback on).
fn test_sender() -> UdpSocket {
    let socket = UdpSocket::bind((LO, 0)).unwrap();
    let options = SockRef::from(&socket);
    options.set_multicast_if_v4(&LO).unwrap();
    options.set_multicast_ttl_v4(1).unwrap();
    options.set_multicast_loop_v4(true).unwrap();
    socket
}

/// The tests' own member of `place`'s group, joined on lo, that gets nothing else (Linux: IP_MULTICAST_ALL off).
fn test_member(place: &Place) -> UdpSocket {
    let socket = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP)).unwrap();
    socket.set_reuse_address(true).unwrap();
    socket.bind(&place.to().into()).unwrap();
    #[cfg(target_os = "linux")]
    socket.set_multicast_all_v4(false).unwrap();
    socket.join_multicast_v4(&place.group, &LO).unwrap();
    socket.set_read_timeout(Some(LISTEN_WAIT)).unwrap();
    socket.into()
}

/// A socket of the tests on `place`'s group and port that does not join (Linux: IP_MULTICAST_ALL off, as on other
/// systems, so it gets only the groups it joined: none).
#[cfg(target_os = "linux")]
fn test_outsider(place: &Place) -> UdpSocket {
    let socket = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP)).unwrap();
    socket.set_reuse_address(true).unwrap();
    socket.bind(&place.to().into()).unwrap();
    socket.set_multicast_all_v4(false).unwrap();
    socket.into()
}

/// The test's own receive, for the control messages and the "hears nothing" checks.
fn recv_within(socket: &UdpSocket, wait: Duration) -> Option<(Vec<u8>, SocketAddr)> {
    socket.set_read_timeout(Some(wait)).unwrap();
    let mut buf = vec![0u8; 65_536];
    let heard = socket
        .recv_from(&mut buf)
        .ok()
        .map(|(n, from)| (buf[..n].to_vec(), from));
    socket.set_read_timeout(Some(LISTEN_WAIT)).unwrap();
    heard
}

/// Calls your `receive` on a receiver of yours that should hear `message` from `from`, and checks what it returns.
fn hears(receiver: &UdpSocket, place: &Place, message: &[u8], from: SocketAddr) {
    let socket = receiver.try_clone().unwrap();
    let result = timed::within(LIMIT, "receive(receiver)", move || receive(&socket));
    let (group, port) = (place.group, place.port);
    let (bytes, source) = match result {
        Ok(heard) => heard,
        Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
            let bound = receiver.local_addr().unwrap();
            let why = if bound.ip() != group {
                format!(
                    "it is bound to {bound}, so a datagram to {group}:{port} is not for it: bind the group's \
                     address and the port, {group}:{port}"
                )
            } else {
                format!(
                    "did it join the group? Only a member gets the group's datagrams: IP_ADD_MEMBERSHIP with the group \
                     and the interface's address, {LO} (socket2: join_multicast_v4); SO_BROADCAST is for broadcast, \
                     IP_MULTICAST_IF for sending"
                )
            };
            panic!(
                "your receiver of {group}:{port} heard nothing within {LISTEN_WAIT:?} of a datagram sent to \
                 {group}:{port} by lo: {why}"
            )
        }
        Err(e) => panic!("receive(receiver) returned the error {e:?}"),
    };
    if bytes != message {
        let got = bytes.len();
        let hint = match got {
            1024 | 2048 | 4096 | 8192 => format!(
                ": a buffer of {got} bytes cuts a longer datagram short (the rest is lost); receive into one of \
                 65,536 bytes, more than any UDP payload"
            ),
            65_536 => ": that is the whole buffer; return only the n bytes recv_from received".to_string(),
            _ => String::new(),
        };
        let show = |b: &[u8]| {
            let text = String::from_utf8_lossy(&b[..b.len().min(40)]).into_owned();
            if b.len() > 40 {
                format!("{text:?}...")
            } else {
                format!("{text:?}")
            }
        };
        panic!(
            "receive(receiver) returned {got} bytes ({}), but {} bytes were sent ({}){hint}",
            show(&bytes),
            message.len(),
            show(message)
        );
    }
    assert_eq!(
        source, from,
        "receive(receiver) says the datagram came from {source}, but it was sent from {from}: return the address \
         recv_from gives"
    );
}

/// Sends `message` to `place`'s group from the tests' own sender.
fn send(sender: &UdpSocket, place: &Place, message: &[u8]) {
    let sent = sender.send_to(message, place.to()).unwrap();
    assert_eq!(sent, message.len());
}

#[test]
fn a_receiver_that_joined_hears_the_group() {
    let place = Place::new();
    let receiver = place.join(0);
    let sender = test_sender();
    send(&sender, &place, "hello, group 你好".as_bytes());
    hears(
        &receiver,
        &place,
        "hello, group 你好".as_bytes(),
        sender.local_addr().unwrap(),
    );
}

#[test]
fn the_largest_datagram_arrives_whole() {
    let place = Place::new();
    let receiver = place.join(0);
    let sender = test_sender();
    let message: Vec<u8> = b"multicast ".iter().copied().cycle().take(LARGEST).collect();
    send(&sender, &place, &message);
    hears(&receiver, &place, &message, sender.local_addr().unwrap());
}

#[test]
fn receivers_share_the_port_and_a_socket_that_did_not_join_hears_nothing() {
    let place = Place::new();
    let first = place.join(0);
    let second = place.join(1);
    #[cfg(target_os = "linux")]
    let outsider = test_outsider(&place);
    let sender = test_sender();
    let from = sender.local_addr().unwrap();
    send(&sender, &place, b"to the members");
    hears(&first, &place, b"to the members", from);
    hears(&second, &place, b"to the members", from);
    // Both members heard it: the outsider has had its chance.
    #[cfg(target_os = "linux")]
    if let Some((bytes, _)) = recv_within(&outsider, QUIET) {
        panic!(
            "a socket on {}:{} that never joined heard {:?}: only members should hear a group",
            place.group,
            place.port,
            String::from_utf8_lossy(&bytes)
        );
    }
}

#[test]
fn a_receiver_that_left_hears_no_more() {
    let place = Place::new();
    let receiver = place.join(0);
    let sender = test_sender();
    let from = sender.local_addr().unwrap();
    send(&sender, &place, b"before leaving");
    hears(&receiver, &place, b"before leaving", from);
    place.leave(&receiver);

    // The control: a member of another group of its own, sent to after the message the receiver must not hear.
    let control = Place::new();
    let member = test_member(&control);
    send(&sender, &place, b"after leaving");
    send(&sender, &control, b"control");
    let heard = recv_within(&member, LISTEN_WAIT).map(|(bytes, _)| bytes);
    assert_eq!(
        heard.as_deref(),
        Some(&b"control"[..]),
        "the test's own member of {} heard nothing: multicast on lo does not work on this machine",
        control.group
    );
    if let Some((bytes, _)) = recv_within(&receiver, QUIET) {
        panic!(
            "your receiver left {} but still heard {:?}: leave must drop the membership the join made \
             (IP_DROP_MEMBERSHIP with the same group and interface; socket2: leave_multicast_v4)",
            place.group,
            String::from_utf8_lossy(&bytes)
        );
    }
}

/// Calls your `sender(interface, ttl)` and reads its options back; nothing is sent through it here.
fn your_sender(interface: Ipv4Addr, ttl: u32) -> UdpSocket {
    let call = format!("sender({interface}, {ttl})");
    let result = timed::within(LIMIT, &call, move || sender(interface, ttl));
    let socket = result.unwrap_or_else(|e| panic!("{call} returned the error {e:?}"));
    let options = SockRef::from(&socket);
    let pinned = options.multicast_if_v4().unwrap();
    assert!(
        pinned == interface,
        "{call}: its outgoing interface for groups (IP_MULTICAST_IF) is {pinned}, not {interface}. Without it \
         the routing table picks the interface, on most machines the one to your real network (nothing was sent \
         through it). Set it with socket2's set_multicast_if_v4(&interface); binding to the interface's address \
         is not the same"
    );
    let multicast_ttl = options.multicast_ttl_v4().unwrap();
    let unicast_ttl = options.ttl_v4().unwrap();
    let hint = if unicast_ttl == ttl && ttl != multicast_ttl {
        " You set IP_TTL (set_ttl), the TTL of unicast datagrams; a group's datagrams use IP_MULTICAST_TTL \
         (set_multicast_ttl_v4)."
    } else {
        ""
    };
    assert!(
        multicast_ttl == ttl,
        "{call}: its TTL for groups (IP_MULTICAST_TTL) is {multicast_ttl}, not {ttl} (nothing was sent \
         through it).{hint}"
    );
    socket
}

#[test]
fn the_sender_sends_by_lo_with_ttl_1_and_a_member_here_hears_it() {
    // Read back first: only a socket that leaves by lo with TTL 1 sends anything.
    let yours = your_sender(LO, 1);
    assert!(
        SockRef::from(&yours).multicast_loop_v4().unwrap(),
        "sender({LO}, 1): IP_MULTICAST_LOOP is off, so no receiver on this machine can hear it; leave it on \
         (it is on by default)"
    );
    let place = Place::new();
    let member = test_member(&place);
    let sent = yours.send_to(b"from your sender", place.to()).unwrap();
    assert_eq!(sent, 16);
    let heard = recv_within(&member, LISTEN_WAIT);
    let port = yours.local_addr().unwrap().port();
    match heard {
        Some((bytes, from)) => {
            assert_eq!(bytes, b"from your sender");
            assert_eq!(
                from,
                SocketAddr::from((LO, port)),
                "a datagram sent by lo comes from 127.0.0.1 and your sender's port"
            );
        }
        None => panic!(
            "a member of {} on lo heard nothing of what your sender sent to {}",
            place.group,
            place.to()
        ),
    }
}

#[test]
fn the_sender_sets_the_ttl_it_is_given() {
    // TTLs above 1 are only read back: nothing is sent through these sockets.
    for ttl in [4, 255, 0] {
        your_sender(LO, ttl);
    }
}

/// On Linux, every address of 127.0.0.0/8 names lo: a sender pinned by 127.0.0.2 sends by lo too.
#[cfg(target_os = "linux")]
#[test]
fn the_sender_pins_the_interface_it_is_given() {
    your_sender(Ipv4Addr::new(127, 0, 0, 2), 1);
}
