//! What `--pcap FILE` says about each datagram (seed §3.1): the relay records every datagram twice — as it
//! arrived and as it left — and each record's comment tells its fate, so a student sees in Wireshark which DATA
//! or ACK was lost and the retransmission that followed.
//!
//! ```text
//! #12 client->server arrived: dropped (loss)                        no record leaves: the datagram is gone
//! #13 server->client arrived: forwarded                             #13 server->client left
//! #14 client->server arrived: duplicated, delayed by 3.091 ms       #14 client->server left: copy 1 of 2, held 3.091 ms
//!                                                                   #14 client->server left: copy 2 of 2, held 3.091 ms
//! #15 server->client arrived: corrupted (bit 0x80 of byte 3)        #15 server->client left: byte 3 was 0x01, now 0x81
//! #16 client->server arrived: refused (256 clients already, --max-clients)
//! #17 client->server arrived: dropped (held datagrams already fill 64 MiB)
//! ```
//!
//! The numbers count datagrams as they arrive at the relay, so an arrival and its departures share one. The
//! words of an arrival are those of the tally's columns: the comments and the tally count the same things.

use std::fmt::Write;

use crate::fate::{Delivery, Fate};

/// The comment on a datagram as it arrived: its number, its way, and its fate.
pub fn arrived(number: u64, way: &str, fate: &Fate) -> String {
    let d = match fate {
        Fate::Drop => return format!("#{number} {way} arrived: dropped (loss)"),
        Fate::Send(d) => d,
    };
    let mut faults = Vec::new();
    if let Some(flip) = d.flip {
        faults.push(format!("corrupted (bit {:#04x} of byte {})", flip.mask, flip.byte));
    }
    if d.duplicated {
        faults.push("duplicated".to_string());
    }
    if !d.delay.is_zero() {
        faults.push(format!("delayed by {}", milliseconds(d.delay)));
    }
    if d.reordered {
        faults.push(format!(
            "reordered (held {} more)",
            milliseconds(crate::fate::REORDER_HOLD)
        ));
    }
    if faults.is_empty() {
        faults.push("forwarded".to_string());
    }
    format!("#{number} {way} arrived: {}", faults.join(", "))
}

/// The comment on a datagram from a new client that the relay had no room for.
pub fn refused(number: u64, max_clients: usize) -> String {
    format!("#{number} client->server arrived: refused ({max_clients} clients already, --max-clients)")
}

/// The comment on a datagram that was to be held for later (delayed or reordered) while held datagrams already
/// filled `max_held` bytes: it is dropped instead.
pub fn no_room(number: u64, way: &str, max_held: usize) -> String {
    const MIB: usize = 1 << 20;
    let room = if max_held % MIB == 0 {
        format!("{} MiB", max_held / MIB)
    } else {
        format!("{max_held} bytes")
    };
    format!("#{number} {way} arrived: dropped (held datagrams already fill {room})")
}

/// The comment on a datagram from a new client that is one of the relay's own come back — from its own upstream
/// socket, or byte for byte one it has just sent upstream (see `ring`): `--to` leads back to the relay.
pub fn came_back(number: u64) -> String {
    format!(
        "#{number} arrived: ignored (this relay's own datagram come back: --to leads back to this relay, \
         directly or through another relay)"
    )
}

/// The comment on a datagram that arrived from someone the relay does not relay for on that port (a stranger
/// on a client's port, or on a server port's mirror); the tally does not count it.
pub fn ignored(number: u64) -> String {
    format!("#{number} arrived: ignored (not from the peer this port relays for)")
}

/// The comment on copy `copy` (from 1) of datagram `number` as it left. `original` is the datagram as it
/// arrived, to show a flipped byte before and after.
pub fn left(number: u64, way: &str, d: &Delivery, copy: usize, original: &[u8]) -> String {
    let mut comment = format!("#{number} {way} left");
    let mut parts = Vec::new();
    if d.duplicated {
        parts.push(format!("copy {copy} of {}", d.copies()));
    }
    if !d.hold().is_zero() {
        parts.push(format!("held {}", milliseconds(d.hold())));
    }
    if let Some((flip, &before)) = d.flip.and_then(|f| Some((f, original.get(f.byte)?))) {
        parts.push(format!(
            "byte {} was {before:#04x}, now {:#04x}",
            flip.byte,
            before ^ flip.mask
        ));
    }
    if !parts.is_empty() {
        let _ = write!(comment, ": {}", parts.join(", "));
    }
    comment
}

fn milliseconds(d: std::time::Duration) -> String {
    format!("{} ms", d.as_micros() as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::fate::Flip;

    const ACK_1: [u8; 4] = [0x00, 0x04, 0x00, 0x01];

    #[test]
    fn an_arrival_names_its_fate_in_the_tallys_words() {
        assert_eq!(
            arrived(12, "client->server", &Fate::Drop),
            "#12 client->server arrived: dropped (loss)"
        );
        assert_eq!(
            arrived(13, "server->client", &Fate::Send(Delivery::default())),
            "#13 server->client arrived: forwarded"
        );
        let everything = Delivery {
            flip: Some(Flip { byte: 3, mask: 0x80 }),
            duplicated: true,
            delay: Duration::from_micros(3091),
            reordered: true,
        };
        assert_eq!(
            arrived(14, "client->server", &Fate::Send(everything)),
            "#14 client->server arrived: corrupted (bit 0x80 of byte 3), duplicated, delayed by 3.091 ms, \
             reordered (held 10 ms more)"
        );
        assert_eq!(
            refused(16, 256),
            "#16 client->server arrived: refused (256 clients already, --max-clients)"
        );
        assert_eq!(
            no_room(17, "client->server", crate::MAX_HELD),
            "#17 client->server arrived: dropped (held datagrams already fill 64 MiB)"
        );
        assert_eq!(
            no_room(18, "server->client", 3000),
            "#18 server->client arrived: dropped (held datagrams already fill 3000 bytes)"
        );
    }

    #[test]
    fn a_departure_says_which_copy_how_long_it_was_held_and_what_changed() {
        assert_eq!(
            left(13, "server->client", &Delivery::default(), 1, &ACK_1),
            "#13 server->client left"
        );
        let d = Delivery {
            flip: Some(Flip { byte: 3, mask: 0x80 }),
            duplicated: true,
            delay: Duration::from_micros(3091),
            reordered: true,
        };
        assert_eq!(
            left(14, "client->server", &d, 2, &ACK_1),
            "#14 client->server left: copy 2 of 2, held 13.091 ms, byte 3 was 0x01, now 0x81"
        );
    }
}
