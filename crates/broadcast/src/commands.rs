//! What each subcommand of the `broadcast` program does, from checked arguments to the lines it prints: what
//! `main` calls after parsing, and what another program (or the book) calls to do the same. The lessons these
//! use live in the crate root (broadcast addresses, SO_BROADCAST), [`crate::multicast`], [`crate::listen`] and
//! [`crate::presence`].
//!
//! Each takes `capture`, the file of `--pcap FILE` (`None` without the flag): every socket here is a
//! [`CapturedSocket`] that records into it, and a capture that could not be written whole fails the command.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use netlab::capture::{Capture, CapturedSocket};

use crate::listen::{self, Until};
use crate::multicast::{self, Membership, Options};
use crate::{Error, Interface};

/// A presence peer: the name it announces, how often, and for how long (`None`: until Ctrl-C).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    /// The name others see.
    pub name: String,
    /// The time between announcements.
    pub every: Duration,
    /// How long to stay before announcing offline.
    pub duration: Option<Duration>,
}

fn write_line(out: &mut dyn Write, line: &str) -> Result<(), Error> {
    writeln!(out, "{line}").map_err(|e| Error::io("cannot write", e))
}

/// `socket`, recording into `capture` when there is one.
fn captured(socket: UdpSocket, capture: Option<&Arc<Capture>>) -> CapturedSocket {
    CapturedSocket::new(socket, capture.cloned())
}

/// At the end of a command: an error if the capture could not be written whole.
fn finish(socket: &CapturedSocket) -> Result<(), Error> {
    match socket.capture() {
        Some(capture) => capture.finish().map_err(|e| Error::Network(e.to_string())),
        None => Ok(()),
    }
}

/// A socket on every IPv4 address's `port`, shared with other listeners (see [`crate::listener`]).
fn shared_port(port: u16, capture: Option<&Arc<Capture>>) -> Result<CapturedSocket, Error> {
    let socket = crate::listener(port)
        .map_err(|e| Error::Network(netlab::explain_bind_error(SocketAddr::from(([0, 0, 0, 0], port)), &e)))?;
    Ok(captured(socket, capture))
}

/// Refuses a message that one UDP datagram cannot carry.
pub fn check_size(message: &str) -> Result<(), Error> {
    if message.len() > netlab::MAX_UDP_PAYLOAD {
        return Err(Error::BadInput(format!(
            "the message is {} bytes, more than a UDP datagram holds ({})",
            message.len(),
            netlab::MAX_UDP_PAYLOAD
        )));
    }
    Ok(())
}

/// `broadcast send`: one datagram to the broadcast address `to` (from [`crate::destination`]).
pub fn send(
    message: &str,
    to: Ipv4Addr,
    iface: Option<&Interface>,
    port: u16,
    so_broadcast: bool,
    capture: Option<&Arc<Capture>>,
    out: &mut dyn Write,
) -> Result<(), Error> {
    check_size(message)?;
    let target = SocketAddr::new(to.into(), port);
    let socket = crate::sender(so_broadcast).map_err(|e| Error::io("cannot open a socket", e))?;
    let socket = captured(socket, capture);
    let n = socket
        .send_to(message.as_bytes(), target)
        .map_err(|e| Error::Network(crate::explain_send_error(target, &e)))?;
    write_line(
        out,
        &format!("sent {n} bytes to {target}, {}", crate::reason(to, iface)),
    )?;
    finish(&socket)
}

/// `broadcast listen`: prints every datagram to `port` with its sender, until `until`; returns how many.
pub fn listen(port: u16, until: Until, capture: Option<&Arc<Capture>>, out: &mut dyn Write) -> Result<u64, Error> {
    let socket = shared_port(port, capture)?;
    let local = socket
        .local_addr()
        .map_err(|e| Error::io("cannot read the bound address", e))?;
    write_line(out, &format!("listening on {local}"))?;
    let heard = listen::run(&socket, until, out)?;
    finish(&socket)?;
    Ok(heard)
}

/// `broadcast presence`: the roster of peers announcing themselves to the broadcast address `to`.
pub fn presence(
    peer: &Peer,
    to: Ipv4Addr,
    iface: Option<&Interface>,
    port: u16,
    stop: &AtomicBool,
    capture: Option<&Arc<Capture>>,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let socket = shared_port(port, capture)?;
    let target = SocketAddr::new(to.into(), port);
    write_line(
        out,
        &format!("{} announcing to {target}, {}", peer.name, crate::reason(to, iface)),
    )?;
    let end = peer.duration.map(|d| Instant::now() + d);
    crate::presence::run(&socket, target, &peer.name, peer.every, end, stop, out)?;
    finish(&socket)
}

/// A multicast group as the `multicast` subcommands take it: its address, port and interface, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The group's address (IPv4 224.0.0.0/4 or IPv6 ff00::/8).
    pub group: IpAddr,
    /// The port its datagrams go to.
    pub port: u16,
    /// The interface named with `--iface`; `None` lets the routing table pick.
    pub iface: Option<multicast::Interface>,
}

impl Group {
    /// Checks what the user typed: a multicast address, and an interface that exists.
    pub fn new(group: &str, port: u16, iface: Option<&str>) -> Result<Group, Error> {
        Ok(Group {
            group: multicast::group(group)?,
            port,
            iface: iface.map(multicast::interface).transpose()?,
        })
    }

    /// The group and port, as printed.
    fn address(&self) -> SocketAddr {
        SocketAddr::new(self.group, self.port)
    }

    /// `by lo, TTL 1`: how a datagram leaves, in words.
    fn how(&self, ttl: u32, loopback: bool) -> String {
        let by = self
            .iface
            .as_ref()
            .map_or("the interface the routing table picks", |i| &i.name);
        let field = if self.group.is_ipv4() { "TTL" } else { "hop limit" };
        let heard_here = if loopback { "" } else { ", loopback off" };
        format!("by {by}, {field} {ttl}{heard_here}")
    }

    fn options(&self, ttl: u32, loopback: bool) -> Options {
        Options {
            iface: self.iface.clone(),
            ttl,
            loopback,
        }
    }
}

/// `broadcast multicast send`: one datagram to the group, with the TTL (hop limit) and loopback asked for.
pub fn multicast_send(
    group: &Group,
    message: &str,
    ttl: u32,
    loopback: bool,
    capture: Option<&Arc<Capture>>,
    out: &mut dyn Write,
) -> Result<(), Error> {
    check_size(message)?;
    let socket = captured(multicast::sender(group.group, &group.options(ttl, loopback))?, capture);
    let to = multicast::destination(group.group, group.port, group.iface.as_ref());
    let n = socket
        .send_to(message.as_bytes(), to)
        .map_err(|e| multicast::send_error(e, to, group.iface.as_ref()))?;
    write_line(
        out,
        &format!(
            "sent {n} bytes to {} {} ({})",
            group.address(),
            group.how(ttl, loopback),
            multicast::scope(group.group)
        ),
    )?;
    finish(&socket)
}

/// A second handle on `member`'s socket, recording into `capture`: the membership keeps its own, to leave with.
fn member_socket(member: &Membership, capture: Option<&Arc<Capture>>) -> Result<CapturedSocket, Error> {
    let socket = member
        .socket()
        .try_clone()
        .map_err(|e| Error::io("cannot share the socket", e))?;
    Ok(captured(socket, capture))
}

/// `broadcast multicast listen`: joins the group (unless `join` is false, to show what then arrives: nothing)
/// and prints every datagram with its sender until `until`. With `leave_after`, leaves the group after that many
/// messages and goes on listening on the same port, to show that nothing more arrives. Returns how many came.
pub fn multicast_listen(
    group: &Group,
    join: bool,
    until: Until,
    leave_after: Option<u64>,
    capture: Option<&Arc<Capture>>,
    out: &mut dyn Write,
) -> Result<u64, Error> {
    let mut member = if join {
        Membership::join(group.group, group.port, group.iface.as_ref())?
    } else {
        Membership::without_joining(group.group, group.port, group.iface.as_ref())?
    };
    let socket = member_socket(&member, capture)?;
    let local = socket
        .local_addr()
        .map_err(|e| Error::io("cannot read the bound address", e))?;
    let state = if join {
        format!("joined {}", member.describe())
    } else {
        format!("not a member of {}", group.group)
    };
    write_line(
        out,
        &format!("{state}; listening on {local} ({})", multicast::scope(group.group)),
    )?;
    let Some(leave_after) = leave_after.filter(|_| join) else {
        let heard = listen::run(&socket, until, out)?;
        finish(&socket)?;
        return Ok(heard);
    };
    let before = listen::run(
        &socket,
        Until {
            count: Some(until.count.map_or(leave_after, |c| c.min(leave_after))),
            deadline: until.deadline,
        },
        out,
    )?;
    let mut after = 0;
    // Unless the deadline or the count came first: leave, and listen on.
    if before == leave_after && until.count.is_none_or(|c| c > before) {
        member.leave()?;
        write_line(out, &format!("left {}", member.describe()))?;
        let rest = Until {
            count: until.count.map(|c| c - before),
            deadline: until.deadline,
        };
        after = listen::run(&socket, rest, out)?;
    }
    finish(&socket)?;
    Ok(before + after)
}

/// `broadcast multicast presence`: the presence roster over a group instead of a broadcast address.
pub fn multicast_presence(
    group: &Group,
    peer: &Peer,
    ttl: u32,
    loopback: bool,
    stop: &AtomicBool,
    capture: Option<&Arc<Capture>>,
    out: &mut dyn Write,
) -> Result<(), Error> {
    // One socket hears the group (so it joins) and speaks to it (so it has the send options).
    let member = Membership::join(group.group, group.port, group.iface.as_ref())?;
    multicast::set_options(member.socket(), group.group, &group.options(ttl, loopback))?;
    let socket = member_socket(&member, capture)?;
    let target = multicast::destination(group.group, group.port, group.iface.as_ref());
    write_line(
        out,
        &format!(
            "{} announcing to {} {} ({})",
            peer.name,
            group.address(),
            group.how(ttl, loopback),
            multicast::scope(group.group)
        ),
    )?;
    let end = peer.duration.map(|d| Instant::now() + d);
    crate::presence::run(&socket, target, &peer.name, peer.every, end, stop, out)?;
    finish(&socket)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_is_checked_where_it_is_typed() {
        let g = Group::new("239.255.70.77", 8080, Some("lo")).unwrap();
        assert_eq!(g.how(1, true), "by lo, TTL 1");
        let g6 = Group::new("ff15::7077", 8080, None).unwrap();
        assert_eq!(
            g6.how(2, false),
            "by the interface the routing table picks, hop limit 2, loopback off"
        );
        assert!(matches!(
            Group::new("10.0.0.1", 8080, None),
            Err(Error::NotMulticast(_))
        ));
        assert!(matches!(
            Group::new("239.255.70.77", 8080, Some("no-such-if0")),
            Err(Error::NoSuchInterface { .. })
        ));
    }

    #[test]
    fn a_message_larger_than_a_datagram_is_refused() {
        assert!(check_size(&"x".repeat(netlab::MAX_UDP_PAYLOAD)).is_ok());
        let err = check_size(&"x".repeat(netlab::MAX_UDP_PAYLOAD + 1)).unwrap_err();
        assert!(err.is_usage());
    }
}
