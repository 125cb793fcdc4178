//! # Multicast — beyond the seed's §3.2.2: one datagram to the hosts that asked for it
//!
//! A broadcast (seed §3.2.2) reaches every host on the link, wanted or not, and stops at the first router. A
//! datagram to a multicast *group* address reaches only the hosts that joined the group, and routers may carry
//! it further, as far as its TTL (IPv6: hop limit) allows. IPv6 has no broadcast at all: what IPv4 does with
//! 255.255.255.255, IPv6 does with the group ff02::1, all nodes on the link. Service discovery works this way
//! (mDNS on 224.0.0.251 and ff02::fb, SSDP on 239.255.255.250).
//!
//! | step                       | IPv4 (RFC 1112)                    | IPv6 (RFC 3493 §5.2)                 |
//! |----------------------------|------------------------------------|--------------------------------------|
//! | join a group               | `IP_ADD_MEMBERSHIP` (group, interface *address*) | `IPV6_JOIN_GROUP` (group, interface *index*) |
//! | leave it                   | `IP_DROP_MEMBERSHIP`               | `IPV6_LEAVE_GROUP`                   |
//! | which interface to send by | `IP_MULTICAST_IF`                  | `IPV6_MULTICAST_IF`                  |
//! | how far it may go          | `IP_MULTICAST_TTL` (default 1)     | `IPV6_MULTICAST_HOPS` (default 1)    |
//! | this host hears it too     | `IP_MULTICAST_LOOP` (default on)   | `IPV6_MULTICAST_LOOP` (default on)   |
//!
//! Sending needs no membership: any socket may send to a group. Receiving does. A join tells the kernel to accept
//! the group's datagrams on that interface, and the kernel tells the network: an IGMP report (RFC 3376) for IPv4,
//! an MLD report (RFC 3810) for IPv6, which switches and routers use to decide where the group's traffic goes.
//! Leaving (or closing the socket) undoes both.
//!
//! Which groups are safe to play with: the *administratively scoped* ones, which routers at a site's edge do not
//! pass. For IPv4, 239.255.0.0/16 is the "IPv4 Local Scope" (RFC 2365 §6.1); for IPv6 the scope is written in
//! the address itself, its fourth hex digit (RFC 4291 §2.7): ff12:: link-local, ff15:: site-local. With a TTL of
//! 1 (the default here and in the kernel) no router forwards the datagram at all: it stays on the link.
//!
//! The Python the tutorial would write, next to what this module does:
//!
//! ```text
//! mreq = struct.pack('4s4s', inet_aton('239.255.70.77'), inet_aton(iface_ip))   # join_group
//! s.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, mreq)
//! s.setsockopt(IPPROTO_IP, IP_MULTICAST_TTL, 1)                                  # set_options
//! ```

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};

use socket2::SockRef;

use crate::Error;

mod membership;
pub use membership::Membership;

/// The IPv4 group our programs use unless told otherwise: in 239.255.0.0/16, the IPv4 Local Scope (RFC 2365
/// §6.1), which routers at the edge of a site never pass. 70.77 spells "FM" in ASCII: nothing else uses it.
pub const GROUP_V4: Ipv4Addr = Ipv4Addr::new(239, 255, 70, 77);

/// The IPv6 group of our examples: ff15::7077. `ff` marks multicast, `1` a transient (not IANA-assigned)
/// group, `5` site-local scope (RFC 4291 §2.7): routers may carry it within a site, never out of it.
pub const GROUP_V6: Ipv6Addr = Ipv6Addr::new(0xff15, 0, 0, 0, 0, 0, 0, 0x7077);

/// The TTL (IPv6: hop limit) we send with unless told otherwise. 1 keeps a datagram on the link it leaves by:
/// each router takes one off, and one that would send it on with 0 drops it (RFC 1112 §6.1).
pub const TTL: u32 = 1;

/// The largest TTL: the field is one byte.
pub const TTL_MAX: u32 = 255;

/// Reads a group address, refusing what is not multicast (IPv4 224.0.0.0/4, IPv6 ff00::/8). Only an address
/// is taken, never a host name: a group is not a host, and a name would send a DNS query.
pub fn group(text: &str) -> Result<IpAddr, Error> {
    let bare = text.trim().trim_start_matches('[').trim_end_matches(']');
    let ip: IpAddr = bare.parse().map_err(|_| {
        Error::BadInput(format!(
            "{text:?} is not an IP address (a group is written as one, e.g. {GROUP_V4} or {GROUP_V6})"
        ))
    })?;
    if ip.is_multicast() {
        Ok(ip)
    } else {
        Err(Error::NotMulticast(ip))
    }
}

/// How far a group reaches, in words, with the RFC that says so.
pub fn scope(group: IpAddr) -> &'static str {
    match group {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            match (a, b, c) {
                (224, 0, 0) => "local network control block, never routed (RFC 5771)",
                (239, 255, _) => "IPv4 local scope, kept inside a site (RFC 2365 §6.1)",
                (239, 192..=195, _) => "IPv4 organization-local scope (RFC 2365 §6.2)",
                (239, _, _) => "administratively scoped (RFC 2365)",
                _ => "global scope: routers may carry it as far as its TTL allows",
            }
        }
        // The scope is the low four bits of the second byte: ff1X / ff0X (RFC 4291 §2.7).
        IpAddr::V6(v6) => match v6.segments()[0] & 0x000f {
            0x1 => "interface-local scope, this host only (RFC 4291 §2.7)",
            0x2 => "link-local scope, never routed (RFC 4291 §2.7)",
            0x4 => "admin-local scope (RFC 4291 §2.7)",
            0x5 => "site-local scope (RFC 4291 §2.7)",
            0x8 => "organization-local scope (RFC 4291 §2.7)",
            0xe => "global scope (RFC 4291 §2.7)",
            _ => "a reserved or unassigned scope (RFC 4291 §2.7)",
        },
    }
}

/// An interface to join a group on and to send by. IPv4's calls name it by one of its addresses, IPv6's by
/// its index (the number `ip link` shows before the name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    /// Its name (`lo`, `eth0`).
    pub name: String,
    /// Its index, for IPv6.
    pub index: u32,
    /// Its first IPv4 address, for IPv4; `None` on an interface with IPv6 only.
    pub ipv4: Option<Ipv4Addr>,
}

impl Interface {
    /// The address IPv4's calls name this interface by.
    fn ipv4(&self) -> Result<Ipv4Addr, Error> {
        self.ipv4.ok_or_else(|| Error::NoIpv4Address(self.name.clone()))
    }
}

/// The interface called `name`, or an error listing the ones there are.
pub fn interface(name: &str) -> Result<Interface, Error> {
    let all = if_addrs::get_if_addrs().map_err(|e| Error::io("cannot list the interfaces", e))?;
    let mine: Vec<&if_addrs::Interface> = all.iter().filter(|i| i.name == name).collect();
    if mine.is_empty() {
        let mut known: Vec<String> = Vec::new();
        for i in &all {
            if !known.contains(&i.name) {
                known.push(i.name.clone());
            }
        }
        return Err(Error::NoSuchInterface {
            name: name.to_string(),
            known,
            ipv4_only: false,
        });
    }
    let index = mine
        .iter()
        .find_map(|i| i.index)
        .ok_or_else(|| Error::Network(format!("the system gives no index for interface {name}")))?;
    let ipv4 = mine.iter().find_map(|i| match i.addr {
        if_addrs::IfAddr::V4(ref v4) => Some(v4.ip),
        if_addrs::IfAddr::V6(_) => None,
    });
    Ok(Interface {
        name: name.to_string(),
        index,
        ipv4,
    })
}

/// Where to send a group's datagrams: the group and port, and for IPv6 the interface's index as the scope, which
/// a link-local group (ff12::...) needs to say which link is meant.
pub fn destination(group: IpAddr, port: u16, iface: Option<&Interface>) -> SocketAddr {
    let mut to = SocketAddr::new(group, port);
    if let (SocketAddr::V6(v6), Some(iface)) = (&mut to, iface) {
        v6.set_scope_id(iface.index);
    }
    to
}

/// How a datagram to a group leaves this host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The interface to send by; `None` lets the routing table choose, as for any other address.
    pub iface: Option<Interface>,
    /// TTL (IPv4) or hop limit (IPv6): how many routers may pass it on. 0 keeps it on this host.
    pub ttl: u32,
    /// Whether listeners on this host hear it too (multicast loopback).
    pub loopback: bool,
}

impl Default for Options {
    /// The kernel's own defaults: the routing table's interface, TTL 1, loopback on.
    fn default() -> Options {
        Options {
            iface: None,
            ttl: TTL,
            loopback: true,
        }
    }
}

// ANCHOR: set_options
/// Sets how `socket`'s datagrams to `group` leave: by which interface, how far, and heard here or not.
pub fn set_options(socket: &UdpSocket, group: IpAddr, options: &Options) -> Result<(), Error> {
    let socket = SockRef::from(socket);
    let set = match group {
        IpAddr::V4(_) => {
            let iface = options.iface.as_ref().map(Interface::ipv4).transpose()?;
            set_options_v4(&socket, iface, options)
        }
        IpAddr::V6(_) => set_options_v6(&socket, options.iface.as_ref().map(|i| i.index), options),
    };
    set.map_err(|e| Error::io("cannot set the multicast options", e))
}

fn set_options_v4(socket: &SockRef<'_>, iface: Option<Ipv4Addr>, options: &Options) -> io::Result<()> {
    if let Some(address) = iface {
        // Without it the routing table picks the interface (the default route's, on most hosts): on a host with
        // several networks, say which one the group lives on.
        socket.set_multicast_if_v4(&address)?;
    }
    socket.set_multicast_ttl_v4(options.ttl)?;
    socket.set_multicast_loop_v4(options.loopback)
}

fn set_options_v6(socket: &SockRef<'_>, iface: Option<u32>, options: &Options) -> io::Result<()> {
    if let Some(index) = iface {
        socket.set_multicast_if_v6(index)?;
    }
    socket.set_multicast_hops_v6(options.ttl)?;
    socket.set_multicast_loop_v6(options.loopback)
}
// ANCHOR_END: set_options

/// A socket for sending to `group` with `options`: bound to any address and a free port, since a sender needs
/// no membership.
pub fn sender(group: IpAddr, options: &Options) -> Result<UdpSocket, Error> {
    let any = SocketAddr::new(unspecified(group), 0);
    let socket = netlab::SocketBuilder::new()
        .bind_udp(any)
        .map_err(|e| Error::Network(netlab::explain_bind_error(any, &e)))?;
    set_options(&socket, group, options)?;
    Ok(socket)
}

/// 0.0.0.0 or ::, whichever family `like` is.
pub(crate) fn unspecified(like: IpAddr) -> IpAddr {
    match like {
        IpAddr::V4(_) => Ipv4Addr::UNSPECIFIED.into(),
        IpAddr::V6(_) => Ipv6Addr::UNSPECIFIED.into(),
    }
}

/// Why a send to `to` failed: [`Error::NoRoute`] when the kernel found no way to the group (the failure to
/// expect), else what it said.
pub fn send_error(err: io::Error, to: SocketAddr, iface: Option<&Interface>) -> Error {
    no_route_or(err, to, iface, "cannot send to")
}

/// [`Error::NoRoute`] when the kernel found no way to the group, else what it said.
pub(crate) fn no_route_or(err: io::Error, to: SocketAddr, iface: Option<&Interface>, doing: &str) -> Error {
    if Error::is_no_route(&err) {
        Error::NoRoute {
            to,
            iface: iface.map(|i| i.name.clone()),
            source: err,
        }
    } else {
        Error::Network(format!("{doing} {}: {err}", to.ip()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_multicast_addresses_and_nothing_else() {
        assert_eq!(group("239.255.70.77").unwrap(), IpAddr::V4(GROUP_V4));
        assert_eq!(group("[ff15::7077]").unwrap(), IpAddr::V6(GROUP_V6));
        assert!(matches!(group("10.0.0.1"), Err(Error::NotMulticast(_))));
        assert!(matches!(group("255.255.255.255"), Err(Error::NotMulticast(_))));
        assert!(matches!(group("fe80::1"), Err(Error::NotMulticast(_))));
        let err = group("example.com").unwrap_err();
        assert!(
            err.is_usage() && err.to_string().contains("is not an IP address"),
            "{err}"
        );
        assert!(GROUP_V4.is_multicast() && GROUP_V6.is_multicast());
    }

    #[test]
    fn scopes_follow_rfc_2365_and_rfc_4291() {
        assert!(scope(GROUP_V4.into()).contains("IPv4 local scope"));
        assert!(scope("224.0.0.251".parse().unwrap()).contains("never routed"));
        assert!(scope("239.192.0.1".parse().unwrap()).contains("organization-local"));
        assert!(scope("233.1.1.1".parse().unwrap()).starts_with("global"));
        assert!(scope(GROUP_V6.into()).starts_with("site-local"));
        assert!(scope("ff02::fb".parse().unwrap()).starts_with("link-local"));
        assert!(scope("ff12::7077".parse().unwrap()).starts_with("link-local"));
        assert!(scope("ff01::1".parse().unwrap()).starts_with("interface-local"));
        assert!(scope("ff0e::1".parse().unwrap()).starts_with("global"));
    }

    #[test]
    fn lo_is_an_interface_and_a_missing_one_is_bad_input() {
        let lo = interface("lo").unwrap();
        assert_eq!(lo.ipv4, Some(Ipv4Addr::LOCALHOST));
        assert!(lo.index > 0);
        let err = interface("no-such-if0").unwrap_err();
        assert!(err.is_usage());
        assert!(
            err.to_string()
                .starts_with("no interface called \"no-such-if0\" (there are: "),
            "{err}"
        );
        assert!(err.to_string().contains("lo"), "{err}");
    }

    #[test]
    fn options_are_set_on_the_socket() {
        let lo = interface("lo").unwrap();
        let options = Options {
            iface: Some(lo),
            ttl: 3,
            loopback: false,
        };
        let s = sender(GROUP_V4.into(), &options).unwrap();
        let s = SockRef::from(&s);
        assert_eq!(s.multicast_ttl_v4().unwrap(), 3);
        assert!(!s.multicast_loop_v4().unwrap());
        assert_eq!(s.multicast_if_v4().unwrap(), Ipv4Addr::LOCALHOST);
        let v6 = sender(GROUP_V6.into(), &Options::default()).unwrap();
        assert_eq!(SockRef::from(&v6).multicast_hops_v6().unwrap(), TTL);
    }

    #[test]
    fn an_ipv4_group_on_an_interface_without_ipv4_is_bad_input() {
        let v6_only = Interface {
            name: "v6only".into(),
            index: 1,
            ipv4: None,
        };
        let options = Options {
            iface: Some(v6_only.clone()),
            ..Options::default()
        };
        let err = sender(GROUP_V4.into(), &options).unwrap_err();
        assert!(
            err.is_usage() && err.to_string().starts_with("v6only has no IPv4 address"),
            "{err}"
        );
        let err = Membership::join(GROUP_V4.into(), 0, Some(&v6_only)).unwrap_err();
        assert!(matches!(err, Error::NoIpv4Address(_)), "{err}");
    }

    #[test]
    fn ipv6_destinations_carry_the_interface_as_their_scope() {
        let lo = interface("lo").unwrap();
        let to = destination("ff12::7077".parse().unwrap(), 8080, Some(&lo));
        assert!(matches!(to, SocketAddr::V6(v6) if v6.scope_id() == lo.index));
        assert_eq!(
            destination(GROUP_V4.into(), 8080, Some(&lo)).to_string(),
            "239.255.70.77:8080"
        );
    }
}
