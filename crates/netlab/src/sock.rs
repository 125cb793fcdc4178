//! Socket builders — seed §2 (`socket(AF_INET, SOCK_DGRAM)`) and §3.2.2 (`setsockopt(SOL_SOCKET, SO_BROADCAST, 1)`).
//!
//! `std::net` can bind a socket, but it cannot set an option *before* the bind (SO_REUSEADDR, SO_REUSEPORT,
//! IPV6_V6ONLY must be set first) and has no call for buffer sizes. socket2 exposes the system calls one to one, the
//! way Python's `setsockopt` does. [`SocketBuilder`] makes the socket with socket2, applies the options in the order
//! the kernel needs, binds, and hands back a plain `std::net` socket that the rest of the program uses.

use std::io;
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};

/// The largest UDP payload over IPv4: 65,535 bytes (the IP packet's largest size) less the IP header (20) and the
/// UDP header (8). The most one datagram can carry, so the most a user can send in one.
pub const MAX_UDP_PAYLOAD: usize = 65_507;

/// A receive buffer that holds any datagram whole: 65,536 bytes is more than any UDP payload (65,507 over IPv4,
/// 65,527 over IPv6), so `recv_from` never cuts one short (a smaller buffer silently loses what does not fit).
pub const MAX_DATAGRAM: usize = 65_536;

/// Options to apply to a new socket before binding it.
///
/// ```
/// let sock = netlab::SocketBuilder::new().broadcast(true).bind_udp("127.0.0.1:0".parse().unwrap()).unwrap();
/// assert!(sock.broadcast().unwrap());
/// ```
#[derive(Debug, Clone, Default)]
pub struct SocketBuilder {
    reuse_address: bool,
    reuse_port: bool,
    broadcast: bool,
    recv_buffer: Option<usize>,
    send_buffer: Option<usize>,
    read_timeout: Option<Duration>,
    v6_only: Option<bool>,
}

impl SocketBuilder {
    /// A builder with every option left at the system's default.
    pub fn new() -> Self {
        Self::default()
    }

    /// SO_REUSEADDR: rebind a port whose old connections are still in TIME_WAIT; with UDP on Linux, lets several
    /// sockets that all set it share a port.
    pub fn reuse_address(mut self, on: bool) -> Self {
        self.reuse_address = on;
        self
    }

    /// SO_REUSEPORT (Unix only; ignored elsewhere): several sockets share one port, e.g. two broadcast listeners.
    pub fn reuse_port(mut self, on: bool) -> Self {
        self.reuse_port = on;
        self
    }

    /// SO_BROADCAST: without it the kernel refuses to send to a broadcast address (EACCES).
    pub fn broadcast(mut self, on: bool) -> Self {
        self.broadcast = on;
        self
    }

    /// SO_RCVBUF in bytes. Datagrams that arrive while the buffer is full are dropped, so a receiver that expects
    /// bursts (a TFTP window of 16 × 64 KiB blocks) must ask for room. Linux doubles the value it is given.
    pub fn recv_buffer(mut self, bytes: usize) -> Self {
        self.recv_buffer = Some(bytes);
        self
    }

    /// SO_SNDBUF in bytes.
    pub fn send_buffer(mut self, bytes: usize) -> Self {
        self.send_buffer = Some(bytes);
        self
    }

    /// SO_RCVTIMEO: a blocking receive gives up after this long with `WouldBlock`/`TimedOut`.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = Some(timeout);
        self
    }

    /// IPV6_V6ONLY for IPv6 sockets: `false` makes `[::]` accept IPv4 too (dual stack), `true` keeps it IPv6 only.
    /// Left unset, the system default applies (dual stack on Linux and macOS, IPv6 only on Windows).
    pub fn v6_only(mut self, on: bool) -> Self {
        self.v6_only = Some(on);
        self
    }

    /// Makes a UDP socket, applies the options and binds it to `addr` (port 0 picks a free port).
    pub fn bind_udp(&self, addr: SocketAddr) -> io::Result<UdpSocket> {
        let socket = self.socket(addr, Type::DGRAM, Protocol::UDP)?;
        socket.bind(&addr.into())?;
        Ok(socket.into())
    }

    /// Makes a TCP socket, applies the options, binds it to `addr` and listens with room for `backlog` pending
    /// connections.
    pub fn listen_tcp(&self, addr: SocketAddr, backlog: i32) -> io::Result<TcpListener> {
        let socket = self.socket(addr, Type::STREAM, Protocol::TCP)?;
        socket.bind(&addr.into())?;
        socket.listen(backlog)?;
        Ok(socket.into())
    }

    // ANCHOR: builder
    fn socket(&self, addr: SocketAddr, ty: Type, protocol: Protocol) -> io::Result<Socket> {
        let socket = Socket::new(Domain::for_address(addr), ty, Some(protocol))?;
        if let (Some(only), SocketAddr::V6(_)) = (self.v6_only, addr) {
            socket.set_only_v6(only)?;
        }
        if self.reuse_address {
            socket.set_reuse_address(true)?;
        }
        #[cfg(all(unix, not(any(target_os = "solaris", target_os = "illumos"))))]
        if self.reuse_port {
            socket.set_reuse_port(true)?;
        }
        if self.broadcast {
            socket.set_broadcast(true)?;
        }
        if let Some(bytes) = self.recv_buffer {
            socket.set_recv_buffer_size(bytes)?;
        }
        if let Some(bytes) = self.send_buffer {
            socket.set_send_buffer_size(bytes)?;
        }
        if self.read_timeout.is_some() {
            socket.set_read_timeout(self.read_timeout)?;
        }
        Ok(socket)
    }
    // ANCHOR_END: builder
}

/// The receive buffer the kernel really gave a socket (it may round or double what was asked).
pub fn recv_buffer_size(socket: &UdpSocket) -> io::Result<usize> {
    socket2::SockRef::from(socket).recv_buffer_size()
}

/// One line that says why a bind failed and what to try, for servers to print before exiting.
///
/// ```
/// use std::io::{Error, ErrorKind};
/// let msg = netlab::explain_bind_error("0.0.0.0:69".parse().unwrap(), &Error::from(ErrorKind::PermissionDenied));
/// assert!(msg.contains("ports below 1024 need root"));
/// ```
pub fn explain_bind_error(addr: SocketAddr, err: &io::Error) -> String {
    let hint = match err.kind() {
        io::ErrorKind::PermissionDenied if addr.port() < 1024 => {
            format!(
                "ports below 1024 need root or CAP_NET_BIND_SERVICE; try --port {}",
                addr.port() as u32 + 6900
            )
        }
        io::ErrorKind::AddrInUse => "another program is using that port; stop it or choose another --port".into(),
        io::ErrorKind::AddrNotAvailable => "that address is not on any interface of this machine".into(),
        _ => String::new(),
    };
    if hint.is_empty() {
        format!("cannot bind {addr}: {err}")
    } else {
        format!("cannot bind {addr}: {err} ({hint})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use socket2::SockRef;

    fn loopback() -> SocketAddr {
        "127.0.0.1:0".parse().unwrap()
    }

    #[test]
    fn plain_udp_socket_has_no_broadcast() {
        let s = SocketBuilder::new().bind_udp(loopback()).unwrap();
        assert!(!s.broadcast().unwrap());
        assert_ne!(
            s.local_addr().unwrap().port(),
            0,
            "port 0 must be replaced by a real port"
        );
    }

    #[test]
    fn broadcast_option_sets_so_broadcast() {
        let s = SocketBuilder::new().broadcast(true).bind_udp(loopback()).unwrap();
        assert!(SockRef::from(&s).broadcast().unwrap());
    }

    #[test]
    fn reuse_options_are_set_before_bind() {
        let s = SocketBuilder::new()
            .reuse_address(true)
            .reuse_port(true)
            .bind_udp(loopback())
            .unwrap();
        assert!(SockRef::from(&s).reuse_address().unwrap());
        #[cfg(unix)]
        assert!(SockRef::from(&s).reuse_port().unwrap());
    }

    #[cfg(unix)]
    #[test]
    fn two_sockets_share_a_port_with_reuse_port() {
        let b = SocketBuilder::new().reuse_address(true).reuse_port(true);
        let first = b.bind_udp(loopback()).unwrap();
        let second = b.bind_udp(first.local_addr().unwrap()).unwrap();
        assert_eq!(first.local_addr().unwrap(), second.local_addr().unwrap());
        let plain = SocketBuilder::new().bind_udp(first.local_addr().unwrap());
        assert_eq!(plain.unwrap_err().kind(), io::ErrorKind::AddrInUse);
    }

    #[test]
    fn buffer_sizes_are_at_least_what_was_asked() {
        let s = SocketBuilder::new()
            .recv_buffer(200_000)
            .send_buffer(150_000)
            .bind_udp(loopback())
            .unwrap();
        assert!(recv_buffer_size(&s).unwrap() >= 200_000);
        assert!(SockRef::from(&s).send_buffer_size().unwrap() >= 150_000);
    }

    #[test]
    fn read_timeout_makes_recv_give_up() {
        let t = Duration::from_millis(30);
        let s = SocketBuilder::new().read_timeout(t).bind_udp(loopback()).unwrap();
        // The kernel keeps the timeout in clock ticks, so it may round up a little.
        assert!(
            s.read_timeout().unwrap().is_some_and(|got| got >= t),
            "{:?}",
            s.read_timeout()
        );
        let err = s.recv_from(&mut [0u8; 8]).unwrap_err();
        assert!(
            matches!(err.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut),
            "{err:?}"
        );
    }

    #[test]
    fn ipv6_dual_stack_and_v6_only() {
        let any6: SocketAddr = "[::]:0".parse().unwrap();
        let dual = SocketBuilder::new().v6_only(false).bind_udp(any6).unwrap();
        assert!(!SockRef::from(&dual).only_v6().unwrap());
        // A dual-stack socket on [::] hears IPv4 senders, which appear as IPv4-mapped addresses.
        let port = dual.local_addr().unwrap().port();
        let sender = UdpSocket::bind(loopback()).unwrap();
        sender.send_to(b"v4", ("127.0.0.1", port)).unwrap();
        let mut buf = [0u8; 8];
        let (n, from) = dual.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"v4");
        assert!(matches!(from.ip(), std::net::IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some()));

        let only = SocketBuilder::new().v6_only(true).bind_udp(any6).unwrap();
        assert!(SockRef::from(&only).only_v6().unwrap());
    }

    #[test]
    fn tcp_listener_accepts() {
        let l = SocketBuilder::new()
            .reuse_address(true)
            .listen_tcp(loopback(), 16)
            .unwrap();
        let addr = l.local_addr().unwrap();
        let _client = std::net::TcpStream::connect(addr).unwrap();
        let (_conn, peer) = l.accept().unwrap();
        assert!(peer.ip().is_loopback());
    }

    #[test]
    fn bind_errors_explain_themselves() {
        let addr: SocketAddr = "0.0.0.0:69".parse().unwrap();
        let denied = explain_bind_error(addr, &io::Error::from(io::ErrorKind::PermissionDenied));
        assert!(denied.starts_with("cannot bind 0.0.0.0:69: "), "{denied}");
        assert!(denied.ends_with("try --port 6969)"), "{denied}");

        let taken = UdpSocket::bind(loopback()).unwrap();
        let err = SocketBuilder::new().bind_udp(taken.local_addr().unwrap()).unwrap_err();
        let msg = explain_bind_error(taken.local_addr().unwrap(), &err);
        assert!(msg.contains("another program is using that port"), "{msg}");
    }
}
