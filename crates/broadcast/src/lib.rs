//! # broadcast — seed §3.2.2, UDP broadcast, and multicast beyond it
//!
//! A datagram sent to a broadcast address reaches every host on the network: the switch floods it to every port.
//! The seed sets `SO_BROADCAST` and sends to `'<broadcast>'`; it also describes a LAN chat where a user who comes
//! online tells everyone. This crate does both, and explains the addresses:
//!
//! | address                | name                | reaches                                        |
//! |------------------------|---------------------|------------------------------------------------|
//! | `255.255.255.255`      | limited broadcast   | every host on the link the packet leaves by    |
//! | `192.168.0.255` (/24)  | directed broadcast  | every host on 192.168.0.0/24 (host bits all 1) |
//! | `127.255.255.255`      | loopback broadcast  | every socket on this machine (used in tests)   |
//!
//! Without `SO_BROADCAST` the kernel refuses to send to any of them (EACCES, "permission denied").
//!
//! Beyond the seed, [`multicast`] sends to a group instead: only the hosts that joined it hear, and routers may
//! carry it as far as its TTL allows. It is what IPv6 has instead of broadcast.
//!
//! ## Layout
//! - this file: [`interfaces`] and their directed broadcast addresses (via ipmask), where a broadcast goes and
//!   why ([`destination`], [`reason`]), the [`sender`] and [`listener`] sockets, send errors explained.
//! - [`multicast`]: groups and their scopes, interfaces, the sending options (interface, TTL, loopback);
//!   `multicast/membership.rs`: [`multicast::Membership`], joining and leaving a group.
//! - [`listen`]: the listener's loop, the same for broadcast and multicast: each datagram with its source.
//! - [`presence`]: the online/offline announcements, the roster, and the loop that runs them.
//! - [`commands`]: each subcommand of the `broadcast` program, from checked arguments to printed lines.
//! - [`error`](mod@error): [`Error`], one line each, bad input (exit 2) told apart from a failure (exit 1).
//! - `main.rs`: the command line (clap) and nothing else.

pub mod commands;
pub mod error;
pub mod listen;
pub mod multicast;
pub mod presence;

pub use error::Error;

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};

use netlab::SocketBuilder;

/// An interface's IPv4 address and the directed broadcast address of its network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    /// Its name (`eth0`, `veth-a`).
    pub name: String,
    /// Its address.
    pub ip: Ipv4Addr,
    /// Its netmask.
    pub netmask: Ipv4Addr,
    /// The netmask as a prefix length (`/24`).
    pub prefix: u8,
    /// Host bits all one: computed from address and mask (`ipmask::directed_broadcast`), not taken from the OS.
    pub broadcast: Ipv4Addr,
}

/// The machine's IPv4 interfaces.
pub fn interfaces() -> io::Result<Vec<Interface>> {
    let mut out = Vec::new();
    for iface in if_addrs::get_if_addrs()? {
        if let if_addrs::IfAddr::V4(v4) = iface.addr {
            let broadcast =
                ipmask::directed_broadcast(v4.ip, v4.netmask).map_err(|e| io::Error::other(e.to_string()))?;
            out.push(Interface {
                name: iface.name,
                ip: v4.ip,
                netmask: v4.netmask,
                // ipmask has just checked the mask: its ones are contiguous, so their count is the prefix.
                prefix: u32::from(v4.netmask).leading_ones() as u8,
                broadcast,
            });
        }
    }
    Ok(out)
}

/// The interface called `name`, or an error listing the others when there is none.
pub fn interface(name: &str) -> Result<Interface, Error> {
    let all = interfaces().map_err(|e| Error::io("cannot list the interfaces", e))?;
    let known: Vec<String> = all.iter().map(|i| i.name.clone()).collect();
    all.into_iter()
        .find(|i| i.name == name)
        .ok_or_else(|| Error::NoSuchInterface {
            name: name.to_string(),
            known,
            ipv4_only: true,
        })
}

/// Where a broadcast goes: `iface`'s directed broadcast when an interface is named, else `to` (an IPv4
/// address, or `<broadcast>` for 255.255.255.255).
pub fn destination(to: &str, iface: Option<&str>) -> Result<(Ipv4Addr, Option<Interface>), Error> {
    if let Some(name) = iface {
        let i = interface(name)?;
        return Ok((i.broadcast, Some(i)));
    }
    match netlab::parse_host(to) {
        Ok(IpAddr::V4(v4)) => Ok((v4, None)),
        Ok(v6) => Err(Error::BadInput(format!(
            "{v6}: IPv6 has no broadcast; use multicast instead (broadcast multicast send --group ff02::1)"
        ))),
        Err(e) => Err(Error::BadInput(e.to_string())),
    }
}

// ANCHOR: sender
/// A socket for sending broadcasts: SO_BROADCAST on (or deliberately off, to show the error).
pub fn sender(so_broadcast: bool) -> io::Result<UdpSocket> {
    SocketBuilder::new()
        .broadcast(so_broadcast)
        .bind_udp(SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), 0))
}

// ANCHOR_END: sender
/// A socket listening on `port` of every IPv4 address, shareable: several listeners on one host all hear a
/// broadcast (SO_REUSEADDR, and SO_REUSEPORT where there is one).
pub fn listener(port: u16) -> io::Result<UdpSocket> {
    SocketBuilder::new()
        .reuse_address(true)
        .reuse_port(true)
        .broadcast(true)
        .bind_udp(SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), port))
}

/// Why a send failed, in words, with what to try.
pub fn explain_send_error(to: SocketAddr, err: &io::Error) -> String {
    let hint = match (err.kind(), err.raw_os_error()) {
        (io::ErrorKind::PermissionDenied, _) => {
            " (a broadcast needs SO_BROADCAST set on the socket: setsockopt(SOL_SOCKET, SO_BROADCAST, 1), seed 3.2.2)"
                .to_string()
        }
        (io::ErrorKind::NetworkUnreachable, _) | (_, Some(101)) if to.ip() == IpAddr::V4(Ipv4Addr::BROADCAST) => {
            " (no route for 255.255.255.255 on this host: name the interface with --iface, which sends to its \
             directed broadcast address instead)"
                .to_string()
        }
        _ => String::new(),
    };
    format!("cannot send to {to}: {err}{hint}")
}

/// Where `send` will go and why, as one line for the user.
pub fn reason(to: Ipv4Addr, iface: Option<&Interface>) -> String {
    match iface {
        Some(i) => format!(
            "{to}: the directed broadcast of {} ({}/{} with its host bits set to 1)",
            i.name, i.ip, i.prefix
        ),
        None if to == Ipv4Addr::BROADCAST => {
            format!("{to}: the limited broadcast ('<broadcast>' in Python), every host on the link")
        }
        None if to.is_loopback() => format!("{to}: the loopback network's broadcast, every listener on this machine"),
        None => format!("{to}: as given"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_among_the_interfaces_with_its_broadcast() {
        let lo = interfaces().unwrap().into_iter().find(|i| i.ip.is_loopback()).unwrap();
        assert_eq!(lo.broadcast, Ipv4Addr::new(127, 255, 255, 255));
        assert_eq!(lo.prefix, 8);
    }

    #[test]
    fn sending_without_so_broadcast_is_refused_and_explained() {
        let s = sender(false).unwrap();
        let to: SocketAddr = "127.255.255.255:9".parse().unwrap();
        let err = s.send_to(b"x", to).unwrap_err();
        let msg = explain_send_error(to, &err);
        assert!(msg.contains("needs SO_BROADCAST"), "{msg}");
        assert!(sender(true).unwrap().broadcast().unwrap());
    }

    #[test]
    fn reasons() {
        assert!(reason(Ipv4Addr::BROADCAST, None).contains("limited broadcast"));
        let eth = Interface {
            name: "eth0".into(),
            ip: Ipv4Addr::new(192, 168, 0, 23),
            netmask: Ipv4Addr::new(255, 255, 255, 0),
            prefix: 24,
            broadcast: Ipv4Addr::new(192, 168, 0, 255),
        };
        assert_eq!(
            reason(eth.broadcast, Some(&eth)),
            "192.168.0.255: the directed broadcast of eth0 (192.168.0.23/24 with its host bits set to 1)"
        );
    }
}
