//! What the request port does with one datagram — seed §3.3.1 (a transfer starts with an RRQ or a WRQ), RFC 1350
//! §4 and §7: serve it, answer it with an ERROR, or drop it. A pure function, so tests and the fuzzer can feed it
//! any bytes without a socket.
//!
//! Only a request is answered here. Anything else — DATA, ACK, OACK, ERROR, junk — is dropped without a word, as
//! tftpd-hpa does: RFC 1350 never answers an ERROR, and answering the rest would let one forged datagram start an
//! endless exchange of ERRORs with another server (or an echo server). A request that is broken gets ERROR 4
//! naming what is wrong: nothing of ours sends a request in answer to anything, so that cannot loop either.

use tftp::packet::{Opcode, error_bytes};
use tftp::{ErrorCode, Operation, Packet, Request};

/// What the request port does with a datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arrival {
    /// A request: serve it, in a transfer of its own.
    Serve(Operation, Request),
    /// A request too broken to serve: send this ERROR back, and nothing more.
    Reply(Vec<u8>),
    /// Not a request: drop it unanswered.
    Ignore,
}

/// Decides what to do with `datagram`, which arrived on the request port. A request is read liberally: an
/// incomplete last option is ignored and the request served, as tftpd-hpa serves it
/// ([`Packet::decode_lenient`]).
pub fn arrival(datagram: &[u8]) -> Arrival {
    match Packet::decode_lenient(datagram) {
        Ok(Packet::Rrq(request)) => Arrival::Serve(Operation::Download, request),
        Ok(Packet::Wrq(request)) => Arrival::Serve(Operation::Upload, request),
        Err(e) if matches!(Opcode::of(datagram), Some(Opcode::Rrq | Opcode::Wrq)) => {
            Arrival::Reply(error_bytes(ErrorCode::IllegalOperation, &e.to_string()))
        }
        _ => Arrival::Ignore,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tftp::Mode;

    #[test]
    fn a_read_or_write_request_is_served_with_its_options() {
        let Arrival::Serve(op, request) = arrival(b"\0\x01hello.txt\0octet\0blksize\x001428\0") else {
            panic!("not served")
        };
        assert_eq!(
            (op, request.filename.as_str(), request.mode),
            (Operation::Download, "hello.txt", Mode::Octet)
        );
        assert_eq!(request.options, [("blksize".to_string(), "1428".to_string())]);
        let Arrival::Serve(op, request) = arrival(b"\0\x02up.txt\0NETASCII\0") else {
            panic!("not served")
        };
        assert_eq!((op, request.mode), (Operation::Upload, Mode::Netascii));
    }

    #[test]
    fn a_request_whose_last_option_is_cut_short_is_served_without_it() {
        let Arrival::Serve(_, request) = arrival(b"\0\x01f\0octet\0timeout\0") else {
            panic!("not served")
        };
        assert!(request.options.is_empty());
    }

    #[test]
    fn a_broken_request_gets_error_4_saying_what_is_wrong() {
        for (datagram, why) in [
            (&b"\0\x01f\0binary\0"[..], &b"unknown transfer mode \"binary\""[..]),
            (b"\0\x02\0octet\0", b"empty file name"),
            (b"\0\x01no terminator", b"file name is not terminated by a zero byte"),
        ] {
            let error = [&b"\0\x05\0\x04"[..], why, b"\0"].concat();
            assert_eq!(arrival(datagram), Arrival::Reply(error), "{datagram:?}");
        }
    }

    #[test]
    fn anything_but_a_request_is_dropped_unanswered() {
        for datagram in [
            &b""[..],
            b"\0",
            b"\0\x03\0\x01data",
            b"\0\x04\0\x01",
            b"\0\x05\0\x04an error is never answered\0",
            b"\0\x06blksize\x00512\0",
            b"\0\x07",
            b"\x01\0f\0octet\0",
        ] {
            assert_eq!(arrival(datagram), Arrival::Ignore, "{datagram:?}");
        }
    }
}
