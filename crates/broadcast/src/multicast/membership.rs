//! Joining and leaving a group (RFC 1112 §7.1 for IPv4, RFC 3493 §5.2 for IPv6): a [`Membership`] is a
//! socket on the group's port and whether it is a member now. What a join changes: the kernel takes the group's
//! datagrams on that interface for this socket, and reports the membership to the network (IGMP, RFC 3376; MLD,
//! RFC 3810) so that switches and routers send the group's traffic this way; leaving undoes both.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};

use socket2::SockRef;

use super::{Interface, destination, no_route_or, unspecified};
use crate::Error;

/// A socket on a group's port, and whether it is a member of the group now.
#[derive(Debug)]
pub struct Membership {
    socket: UdpSocket,
    group: IpAddr,
    iface: Option<Interface>,
    joined: bool,
}

impl Membership {
    /// A socket on `group`'s `port` that joins the group on `iface` (`None`: the interface the routing table
    /// picks for the group). Several may share the port, as broadcast listeners do.
    pub fn join(group: IpAddr, port: u16, iface: Option<&Interface>) -> Result<Membership, Error> {
        let mut member = Membership::without_joining(group, port, iface)?;
        member.change(true)?;
        Ok(member)
    }

    /// A socket on `group`'s `port` that does not join: what arrives for it shows what a join is for.
    pub fn without_joining(group: IpAddr, port: u16, iface: Option<&Interface>) -> Result<Membership, Error> {
        // ANCHOR: bind
        // Bind the group's address, not 0.0.0.0: a socket on the wildcard gets every datagram to the port —
        // unicast too, and any other group this host has joined. Windows cannot bind a multicast address.
        let local = if cfg!(windows) { unspecified(group) } else { group };
        let at = destination(local, port, iface);
        let socket = netlab::SocketBuilder::new()
            .reuse_address(true)
            .reuse_port(true)
            .bind_udp(at)
            .map_err(|e| Error::Network(netlab::explain_bind_error(at, &e)))?;
        // Linux hands a group's datagrams to every socket on the port once *any* socket of this host has joined
        // the group (IP_MULTICAST_ALL, on by default). Off, only the sockets that joined get them, as elsewhere.
        #[cfg(target_os = "linux")]
        {
            let all = match group {
                IpAddr::V4(_) => SockRef::from(&socket).set_multicast_all_v4(false),
                IpAddr::V6(_) => SockRef::from(&socket).set_multicast_all_v6(false),
            };
            all.map_err(|e| Error::io("cannot turn IP_MULTICAST_ALL off", e))?;
        }
        // ANCHOR_END: bind
        Ok(Membership {
            socket,
            group,
            iface: iface.cloned(),
            joined: false,
        })
    }

    /// Leaves the group: the host stops taking its datagrams for this socket, and says so to the network.
    pub fn leave(&mut self) -> Result<(), Error> {
        self.change(false)
    }

    // ANCHOR: join
    /// Joins (`true`) or leaves (`false`) the group on the interface.
    fn change(&mut self, join: bool) -> Result<(), Error> {
        let socket = SockRef::from(&self.socket);
        let done = match (self.group, &self.iface) {
            // IPv4 names the interface by its address; 0.0.0.0 lets the routing table pick one.
            (IpAddr::V4(group), iface) => {
                let on = match iface {
                    Some(i) => i.ipv4()?,
                    None => Ipv4Addr::UNSPECIFIED,
                };
                if join {
                    socket.join_multicast_v4(&group, &on)
                } else {
                    socket.leave_multicast_v4(&group, &on)
                }
            }
            // IPv6 names it by index; 0 lets the routing table pick one.
            (IpAddr::V6(group), iface) => {
                let on = iface.as_ref().map_or(0, |i| i.index);
                if join {
                    socket.join_multicast_v6(&group, on)
                } else {
                    socket.leave_multicast_v6(&group, on)
                }
            }
        };
        let doing = if join { "cannot join" } else { "cannot leave" };
        done.map_err(|e| no_route_or(e, SocketAddr::new(self.group, 0), self.iface.as_ref(), doing))?;
        self.joined = join;
        Ok(())
    }
    // ANCHOR_END: join

    /// The socket, to receive on (and to send from, as presence does).
    pub fn socket(&self) -> &UdpSocket {
        &self.socket
    }

    /// The group.
    pub fn group(&self) -> IpAddr {
        self.group
    }

    /// Whether the socket is a member now.
    pub fn is_joined(&self) -> bool {
        self.joined
    }

    /// `239.255.70.77 on lo`, or `239.255.70.77` when the routing table picks the interface.
    pub fn describe(&self) -> String {
        match &self.iface {
            Some(i) => format!("{} on {}", self.group, i.name),
            None => self.group.to_string(),
        }
    }
}
