//! Why a broadcast or multicast command failed, in one line, and whose fault it was.
//!
//! A caller (our `main`, another crate, a lab) matches on the variant; a person reads the `Display` line. The
//! split follows [`netlab::exit`]: a command that is wrong (a group that is not a multicast address, an interface
//! that does not exist) is bad input, exit code 2, and retrying cannot help; a command that was right but met a
//! network that said no (no route, a refused send) is a runtime failure, exit code 1.

use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};

use netlab::exit::Failure;

/// A failed command.
#[derive(Debug)]
pub enum Error {
    /// The group given is not a multicast address (bad input).
    NotMulticast(IpAddr),
    /// No interface has that name (bad input). `ipv4_only`: only interfaces with an IPv4 address were looked
    /// at, as a broadcast needs one.
    NoSuchInterface {
        /// The name asked for.
        name: String,
        /// The names there are, to choose from.
        known: Vec<String>,
        /// Whether only IPv4 interfaces count.
        ipv4_only: bool,
    },
    /// An IPv4 group on an interface without an IPv4 address: IPv4's join names the interface by one (bad input).
    NoIpv4Address(String),
    /// Any other input that cannot work, said in a line (an address that does not parse, a message too long).
    BadInput(String),
    /// The kernel has no route for the group, or none through the interface asked for (runtime failure).
    NoRoute {
        /// Where the datagram was going, or the group being joined.
        to: SocketAddr,
        /// The interface named with `--iface`, if one was.
        iface: Option<String>,
        /// What the kernel said (ENETUNREACH, EHOSTUNREACH, ENODEV).
        source: io::Error,
    },
    /// The system refused something else (a bind, a send, a receive), explained in a line (runtime failure).
    Network(String),
}

impl Error {
    /// True when the command itself is wrong (exit code 2), false when the network or the system said no (1).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Error::NotMulticast(_) | Error::NoSuchInterface { .. } | Error::NoIpv4Address(_) | Error::BadInput(_)
        )
    }

    /// A runtime failure saying what was being done: `Error::io("cannot receive", e)`.
    pub fn io(doing: &str, err: io::Error) -> Error {
        Error::Network(format!("{doing}: {err}"))
    }

    /// True for the errors that mean "no route": the kernel found no interface to reach the address by.
    pub fn is_no_route(err: &io::Error) -> bool {
        // ENETUNREACH and EHOSTUNREACH have kinds of their own; ENODEV (19 on Linux and macOS) does not: it is what
        // IPv4's join says when no route picks an interface for the group.
        let no_device = cfg!(unix) && err.raw_os_error() == Some(19);
        matches!(
            err.kind(),
            io::ErrorKind::NetworkUnreachable | io::ErrorKind::HostUnreachable
        ) || no_device
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotMulticast(ip) => {
                let range = if ip.is_ipv4() {
                    "IPv4 groups are 224.0.0.0/4; try 239.255.70.77, an administratively scoped one (RFC 2365)"
                } else {
                    "IPv6 groups are ff00::/8; try ff15::7077 (site-local scope) or ff12::7077 (link-local)"
                };
                write!(f, "{ip} is not a multicast address ({range})")
            }
            Error::NoSuchInterface { name, known, ipv4_only } => write!(
                f,
                "no {}interface called {name:?} (there are: {})",
                if *ipv4_only { "IPv4 " } else { "" },
                known.join(", ")
            ),
            Error::NoIpv4Address(name) => write!(
                f,
                "{name} has no IPv4 address, and an IPv4 group is joined and sent to through an interface's \
                 address; use an IPv6 group (ff15::7077) or another --iface"
            ),
            Error::BadInput(why) | Error::Network(why) => f.write_str(why),
            Error::NoRoute { to, iface, source } => match iface {
                Some(name) => write!(
                    f,
                    "no route to {} through {name}: {source} (is {name} up, with multicast on and an address?)",
                    to.ip()
                ),
                None => write!(
                    f,
                    "no route to {}: {source} (the routing table has no way to it; name the interface with --iface)",
                    to.ip()
                ),
            },
        }
    }
}

impl std::error::Error for Error {}

/// Our failures in the one convention of every Socket Labs program: bad input exits 2, the rest 1.
impl From<Error> for Failure {
    fn from(err: Error) -> Failure {
        if err.is_usage() {
            Failure::usage(err)
        } else {
            Failure::runtime(err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_is_usage_and_the_network_is_runtime() {
        let no_route = Error::NoRoute {
            to: "239.255.70.77:8080".parse().unwrap(),
            iface: None,
            source: io::Error::from_raw_os_error(101),
        };
        assert!(!no_route.is_usage());
        assert!(
            no_route.to_string().starts_with("no route to 239.255.70.77: "),
            "{no_route}"
        );
        assert!(Error::NotMulticast("10.0.0.1".parse().unwrap()).is_usage());
        assert_eq!(
            netlab::exit::Failure::from(no_route).kind(),
            netlab::exit::Kind::Runtime
        );
        let missing = Error::NoSuchInterface {
            name: "eth9".into(),
            known: vec!["lo".into(), "eth0".into()],
            ipv4_only: false,
        };
        assert_eq!(
            missing.to_string(),
            "no interface called \"eth9\" (there are: lo, eth0)"
        );
        assert!(Error::is_no_route(&io::Error::from_raw_os_error(19)));
        assert!(!Error::is_no_route(&io::Error::from(io::ErrorKind::PermissionDenied)));
    }
}
