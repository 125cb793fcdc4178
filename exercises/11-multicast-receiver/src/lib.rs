//! Lab 11 — a multicast receiver and sender (beyond the seed's §3.2.2). A broadcast reaches every host on the
//! link; a datagram to a multicast *group* reaches only the sockets that joined it. We stay on this machine: the
//! tests join on `lo` (named by its address, 127.0.0.1), send by `lo` with TTL 1, to groups in 239.255.0.0/16.
//! Replace every `todo!()`; `just lab 11` runs the tests.
//!
//! | Python: `s.setsockopt(...)`                         | Rust: socket2                          |
//! |-----------------------------------------------------|----------------------------------------|
//! | `SOL_SOCKET, SO_REUSEADDR, 1` (before `bind`)       | `set_reuse_address(true)`              |
//! | `IPPROTO_IP, IP_ADD_MEMBERSHIP, mreq`               | `join_multicast_v4(&group, &iface)`    |
//! | `IPPROTO_IP, IP_DROP_MEMBERSHIP, mreq`              | `leave_multicast_v4(&group, &iface)`   |
//! | `IPPROTO_IP, IP_MULTICAST_IF, inet_aton(iface)`     | `set_multicast_if_v4(&iface)`          |
//! | `IPPROTO_IP, IP_MULTICAST_TTL, 1`                   | `set_multicast_ttl_v4(1)`              |
//!
//! (`mreq = inet_aton(group) + inet_aton(iface)`: the group first, then the interface's address.)
//!
//! socket2 works on a `Socket` made with `Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))`, which
//! becomes a std `UdpSocket` with `.into()`; on a `UdpSocket` you already have, `SockRef::from(&socket)` gives
//! the same calls.

use std::io;
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};

#[allow(unused_imports)] // you will need them
use socket2::{Domain, Protocol, SockRef, Socket, Type};

/// A socket that receives what is sent to `group`:`port`, a member of `group` on the interface whose address is
/// `interface`.
pub fn join(group: Ipv4Addr, interface: Ipv4Addr, port: u16) -> io::Result<UdpSocket> {
    // TODO: 1. a socket2 Socket; SO_REUSEADDR on, before the bind, so other receivers may share the port.
    // TODO: 2. bind the group's address and the port (not 0.0.0.0, not the interface's address).
    // TODO: 3. join the group on the interface (IP_ADD_MEMBERSHIP: the group first, then the interface).
    let _ = (group, interface, port);
    todo!()
}

/// Receives one datagram on `socket`: its bytes and who sent it.
pub fn receive(socket: &UdpSocket) -> io::Result<(Vec<u8>, SocketAddr)> {
    // TODO: a buffer large enough for any UDP datagram; return only the bytes received.
    let _ = socket;
    todo!()
}

/// Leaves `group` on the interface whose address is `interface`: the socket stays open, the datagrams stop.
pub fn leave(socket: &UdpSocket, group: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
    // TODO: IP_DROP_MEMBERSHIP, naming the membership as the join did.
    let _ = (socket, group, interface);
    todo!()
}

/// A socket for sending to groups by the interface whose address is `interface`, with the TTL `ttl`.
pub fn sender(interface: Ipv4Addr, ttl: u32) -> io::Result<UdpSocket> {
    // TODO: 1. a UDP socket on any address and port (a sender needs no membership).
    // TODO: 2. the outgoing interface for groups (IP_MULTICAST_IF), 3. their TTL (IP_MULTICAST_TTL, not IP_TTL).
    let _ = (interface, ttl);
    todo!()
}
