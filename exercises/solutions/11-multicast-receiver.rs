//! Lab 11 — reference solution: a multicast receiver that joins, hears and leaves, and a sender that stays on
//! one interface and one link (beyond the seed's §3.2.2).

use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};

use socket2::{Domain, Protocol, SockRef, Socket, Type};

/// More than any UDP payload (at most 65,507 bytes over IPv4), so no datagram is ever cut short.
const MAX_DATAGRAM: usize = 65_536;

/// A socket that receives what is sent to `group`:`port`, a member of `group` on the interface whose address is
/// `interface`.
pub fn join(group: Ipv4Addr, interface: Ipv4Addr, port: u16) -> io::Result<UdpSocket> {
    let socket = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
    // Several programs on one host may listen to the same group and port; without it the second bind fails
    // ("address in use"). It must be set before the bind, which is why std's UdpSocket::bind cannot do it.
    socket.set_reuse_address(true)?;
    // Bind the group's address, not 0.0.0.0: a socket on the wildcard gets every datagram to the port, unicast
    // too, and any other group this host has joined; and a program bound to another group on the same port keeps
    // it from binding at all. Not the interface's address either: a datagram to the group is not for that one.
    socket.bind(&SocketAddrV4::new(group, port).into())?;
    // Linux hands a group's datagrams to every socket bound to it once any socket of this host has joined the
    // group (IP_MULTICAST_ALL, on by default). Off, this socket gets only the groups it joined itself.
    #[cfg(target_os = "linux")]
    socket.set_multicast_all_v4(false)?;
    // IP_ADD_MEMBERSHIP: the group first, then the address of the interface to join on. The kernel takes the
    // group's datagrams on that interface from now on, and says so to the network (an IGMP report).
    socket.join_multicast_v4(&group, &interface)?;
    Ok(socket.into())
}

/// Receives one datagram on `socket`: its bytes and who sent it.
pub fn receive(socket: &UdpSocket) -> io::Result<(Vec<u8>, SocketAddr)> {
    let mut buf = vec![0u8; MAX_DATAGRAM];
    let (n, from) = socket.recv_from(&mut buf)?;
    buf.truncate(n);
    Ok((buf, from))
}

/// Leaves `group` on the interface whose address is `interface`: the socket stays open, the datagrams stop.
pub fn leave(socket: &UdpSocket, group: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
    // IP_DROP_MEMBERSHIP names the membership as the join did: the same group, the same interface.
    SockRef::from(socket).leave_multicast_v4(&group, &interface)
}

/// A socket for sending to groups by the interface whose address is `interface`, with the TTL `ttl`.
pub fn sender(interface: Ipv4Addr, ttl: u32) -> io::Result<UdpSocket> {
    // Port 0: any free port will do for sending. A sender needs no membership: any socket may send to a group.
    let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))?;
    let options = SockRef::from(&socket);
    // IP_MULTICAST_IF. Without it the routing table picks the interface, on most hosts the one of the default
    // route: the real network.
    options.set_multicast_if_v4(&interface)?;
    // IP_MULTICAST_TTL, not IP_TTL (set_ttl, for unicast): how many routers may pass the datagram on. 1 keeps
    // it on the link it leaves by.
    options.set_multicast_ttl_v4(ttl)?;
    Ok(socket)
}
