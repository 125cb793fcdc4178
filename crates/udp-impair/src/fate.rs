//! A datagram's fate (seed §3.1: UDP may lose, duplicate and reorder datagrams, and its 16-bit checksum can let a
//! flipped bit through): decided here by a pure function of the settings, the datagram's length and a seeded
//! generator, with no socket in sight. The relay carries the fate out; this file only decides it.
//!
//! ```text
//! Fate::decide(knobs, len, rng)
//!   loss?     ── yes ──► Drop                       (one draw, nothing more)
//!   corrupt?  ── yes ──► which bit of len × 8       flip: Some(Flip { byte, mask })
//!   dup?      ── yes ──►                            duplicated: true
//!   jitter?   ── on  ──► delay ± jitter, ≥ 0        delay
//!   reorder?  ── yes ──►                            reordered: true (held REORDER_HOLD more)
//! ```
//!
//! The draws come in that fixed order, and a knob that is off draws nothing, so the same seed and the same
//! traffic give the same faults (`--seed`): a class can replay one run.

use std::fmt;
use std::time::Duration;

use netlab::rng::Rng;

use crate::config::Impairments;

/// How much extra a reordered datagram is held back, so that the ones after it overtake it.
pub const REORDER_HOLD: Duration = Duration::from_millis(10);

/// What happens to one datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Lost on the way: never sent.
    Drop,
    /// Sent on, perhaps changed, twice or late.
    Send(Delivery),
}

/// How a datagram that is not lost is sent. The default sends it once, now, unchanged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivery {
    /// One bit to flip before sending.
    pub flip: Option<Flip>,
    /// Sent twice.
    pub duplicated: bool,
    /// The delay drawn for it (`--delay` ± `--jitter`); zero sends it at once.
    pub delay: Duration,
    /// Held back [`REORDER_HOLD`] more, so that later datagrams pass it.
    pub reordered: bool,
}

/// One bit of a datagram to flip: `mask` (one bit set) in byte number `byte`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flip {
    /// Which byte, counting from 0.
    pub byte: usize,
    /// Which bit of it: `0x01` is the lowest, `0x80` the highest.
    pub mask: u8,
}

impl Fate {
    /// Decides the fate of a datagram of `len` bytes going one way, with that way's settings.
    pub fn decide(knobs: &Impairments, len: usize, rng: &mut Rng) -> Fate {
        if rng.chance(knobs.loss) {
            return Fate::Drop;
        }
        let mut flip = None;
        // The chance is drawn even for an empty datagram, so its length never shifts the draws that follow.
        if rng.chance(knobs.corrupt) && len > 0 {
            let bit = rng.below(len as u64 * 8);
            flip = Some(Flip {
                byte: (bit / 8) as usize,
                mask: 1 << (bit % 8),
            });
        }
        let duplicated = rng.chance(knobs.dup);
        let delay = if knobs.jitter.is_zero() {
            knobs.delay
        } else {
            jittered(knobs.delay, knobs.jitter, rng)
        };
        let reordered = rng.chance(knobs.reorder);
        Fate::Send(Delivery {
            flip,
            duplicated,
            delay,
            reordered,
        })
    }
}

/// `delay` moved by a whole number of microseconds drawn uniformly from −`jitter` to +`jitter`, never below zero.
/// (Sums in 128 bits, so that no `--delay` or `--jitter` a user can type overflows.)
fn jittered(delay: Duration, jitter: Duration, rng: &mut Rng) -> Duration {
    let spread = jitter.as_micros();
    let choices = u64::try_from(spread * 2 + 1).unwrap_or(u64::MAX);
    let offset = i128::from(rng.below(choices)) - spread as i128;
    let micros = (delay.as_micros() as i128 + offset).max(0);
    Duration::from_micros(u64::try_from(micros).unwrap_or(u64::MAX))
}

impl Delivery {
    /// How many times the datagram is sent: 1, or 2 when duplicated.
    pub fn copies(&self) -> usize {
        if self.duplicated { 2 } else { 1 }
    }

    /// How long the datagram waits before it is sent: its delay, plus [`REORDER_HOLD`] when reordered.
    pub fn hold(&self) -> Duration {
        let extra = if self.reordered { REORDER_HOLD } else { Duration::ZERO };
        self.delay.saturating_add(extra)
    }
}

impl Flip {
    /// Flips the bit in `datagram`; a byte past its end is left alone.
    pub fn apply(&self, datagram: &mut [u8]) {
        if let Some(b) = datagram.get_mut(self.byte) {
            *b ^= self.mask;
        }
    }
}

/// One line a student can read in a test: `drop`, `send`, `send flip byte 2 mask 0x10 twice delay 12.5 ms
/// reordered`.
impl fmt::Display for Fate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = match self {
            Fate::Drop => return f.write_str("drop"),
            Fate::Send(d) => d,
        };
        f.write_str("send")?;
        if let Some(flip) = d.flip {
            write!(f, " flip byte {} mask {:#04x}", flip.byte, flip.mask)?;
        }
        if d.duplicated {
            f.write_str(" twice")?;
        }
        if !d.delay.is_zero() {
            write!(f, " delay {} ms", d.delay.as_micros() as f64 / 1000.0)?;
        }
        if d.reordered {
            f.write_str(" reordered")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TFTP ACK of block 1, as the RFC draws it: opcode 4, block 1.
    const ACK_1: [u8; 4] = [0x00, 0x04, 0x00, 0x01];

    #[test]
    fn with_every_knob_off_everything_is_sent_at_once_and_no_draw_is_made() {
        let mut rng = Rng::new(3);
        for _ in 0..1000 {
            assert_eq!(
                Fate::decide(&Impairments::default(), 4, &mut rng),
                Fate::Send(Delivery::default())
            );
        }
        assert_eq!(rng.next_u64(), Rng::new(3).next_u64(), "the generator was not touched");
    }

    #[test]
    fn a_seed_gives_the_same_fates_every_time() {
        // Pinned for the default `--seed 1`: a change to the order of the draws would change what a seed replays.
        let knobs = Impairments {
            loss: 0.2,
            dup: 0.2,
            reorder: 0.2,
            corrupt: 0.2,
            delay: Duration::from_millis(5),
            jitter: Duration::from_millis(2),
        };
        let mut rng = Rng::new(1);
        let fates: Vec<Fate> = (0..8).map(|_| Fate::decide(&knobs, ACK_1.len(), &mut rng)).collect();
        let read: Vec<String> = fates.iter().map(Fate::to_string).collect();
        assert_eq!(
            read,
            [
                "send delay 3.091 ms",
                "send delay 4.717 ms",
                "send delay 4.116 ms",
                "drop",
                "send delay 4.703 ms reordered",
                "drop",
                "send flip byte 3 mask 0x80 twice delay 3.065 ms",
                "drop",
            ]
        );
        let Fate::Send(Delivery { flip: Some(flip), .. }) = fates[6] else {
            panic!("the seventh fate flips a bit");
        };
        let mut ack = ACK_1;
        flip.apply(&mut ack);
        assert_eq!(
            ack,
            [0x00, 0x04, 0x00, 0x81],
            "the top bit of the block number's low byte"
        );
        let again: Vec<Fate> = (0..8)
            .scan(Rng::new(1), |r, _| Some(Fate::decide(&knobs, 4, r)))
            .collect();
        assert_eq!(again, fates, "the same seed, the same fates");
        let other: Vec<Fate> = (0..8)
            .scan(Rng::new(2), |r, _| Some(Fate::decide(&knobs, 4, r)))
            .collect();
        assert_ne!(other, fates, "another seed, other fates");
    }

    #[test]
    fn a_dropped_datagram_costs_one_draw() {
        let knobs = Impairments {
            loss: 1.0,
            corrupt: 1.0,
            dup: 1.0,
            ..Default::default()
        };
        let mut rng = Rng::new(9);
        assert_eq!(Fate::decide(&knobs, 4, &mut rng), Fate::Drop);
        let mut once = Rng::new(9);
        once.next_u64();
        assert_eq!(rng.next_u64(), once.next_u64());
    }

    #[test]
    fn a_flip_changes_exactly_the_bit_it_names() {
        let mut ack = ACK_1;
        Flip { byte: 3, mask: 0x02 }.apply(&mut ack);
        assert_eq!(ack, [0x00, 0x04, 0x00, 0x03], "block 1 became block 3");
        Flip { byte: 0, mask: 0x80 }.apply(&mut ack);
        assert_eq!(ack, [0x80, 0x04, 0x00, 0x03]);
        Flip { byte: 4, mask: 0x01 }.apply(&mut ack);
        assert_eq!(ack, [0x80, 0x04, 0x00, 0x03], "past the end: nothing");
    }

    #[test]
    fn corruption_picks_one_bit_inside_the_datagram() {
        let knobs = Impairments {
            corrupt: 1.0,
            ..Default::default()
        };
        let mut rng = Rng::new(5);
        let mut seen = [0u8; ACK_1.len()];
        for _ in 0..10_000 {
            let Fate::Send(Delivery { flip: Some(flip), .. }) = Fate::decide(&knobs, ACK_1.len(), &mut rng) else {
                panic!("corrupt 100% always flips a bit");
            };
            let mut ack = ACK_1;
            flip.apply(&mut ack);
            let changed: u32 = ack.iter().zip(ACK_1).map(|(a, b)| (a ^ b).count_ones()).sum();
            assert_eq!(changed, 1, "{flip:?}");
            seen[flip.byte] |= flip.mask;
        }
        assert_eq!(seen, [0xff; 4], "every bit of every byte gets its turn");
        // An empty datagram has no bit to flip; it is sent unchanged.
        assert_eq!(Fate::decide(&knobs, 0, &mut rng), Fate::Send(Delivery::default()));
    }

    #[test]
    fn rates_over_ten_thousand_datagrams_match_the_settings() {
        let knobs = Impairments {
            loss: 0.10,
            dup: 0.05,
            reorder: 0.05,
            corrupt: 0.02,
            ..Default::default()
        };
        let mut rng = Rng::new(2024);
        let all: Vec<Fate> = (0..10_000).map(|_| Fate::decide(&knobs, 512, &mut rng)).collect();
        let sent: Vec<&Delivery> = all
            .iter()
            .filter_map(|f| match f {
                Fate::Send(d) => Some(d),
                Fate::Drop => None,
            })
            .collect();
        let dropped = all.len() - sent.len();
        let count = |pick: fn(&Delivery) -> bool| sent.iter().filter(|d| pick(d)).count();
        assert!((800..=1_200).contains(&dropped), "dropped {dropped}");
        // Of the ~9,000 sent: 5% is ~450, 2% is ~180.
        assert!((350..=550).contains(&count(|d| d.duplicated)), "duplicated");
        assert!((350..=550).contains(&count(|d| d.reordered)), "reordered");
        assert!((110..=250).contains(&count(|d| d.flip.is_some())), "corrupted");
        assert_eq!(count(|d| !d.delay.is_zero()), 0, "no delay asked, none given");
    }

    #[test]
    fn jitter_stays_within_its_bounds_and_never_below_zero() {
        let knobs = Impairments {
            delay: Duration::from_millis(3),
            jitter: Duration::from_millis(5),
            ..Default::default()
        };
        let mut rng = Rng::new(11);
        let delays: Vec<Duration> = (0..10_000)
            .map(|_| match Fate::decide(&knobs, 4, &mut rng) {
                Fate::Send(d) => d.delay,
                Fate::Drop => panic!("no loss asked"),
            })
            .collect();
        assert!(delays.iter().all(|d| *d <= Duration::from_millis(8)));
        // 3 ms − 5 ms is below zero: that part of the range (2,000 of 10,001 microseconds) is sent at once.
        let at_once = delays.iter().filter(|d| d.is_zero()).count();
        assert!((1_700..=2_300).contains(&at_once), "{at_once} sent at once");
        assert!(delays.iter().any(|d| *d > Duration::from_millis(7)));
    }

    #[test]
    fn hold_adds_the_reorder_hold_and_never_overflows() {
        let late = Delivery {
            delay: Duration::from_millis(30),
            reordered: true,
            ..Default::default()
        };
        assert_eq!(late.hold(), Duration::from_millis(40));
        assert_eq!(late.copies(), 1);
        let knobs = Impairments {
            delay: Duration::from_millis(u64::MAX),
            jitter: Duration::from_millis(u64::MAX),
            reorder: 1.0,
            dup: 1.0,
            ..Default::default()
        };
        let Fate::Send(d) = Fate::decide(&knobs, 4, &mut Rng::new(1)) else {
            panic!("no loss asked");
        };
        assert_eq!((d.copies(), d.hold() >= d.delay), (2, true));
    }
}
