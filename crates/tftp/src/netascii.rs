//! netascii — seed §3.3.1 (the three modes); RFC 1350 §1 and RFC 764 (Telnet's NVT ASCII).
//!
//! On the wire, a line ends with CR LF and a lone CR is sent as CR NUL. So a sender turns every local LF into
//! CR LF and every CR into CR NUL; a receiver undoes both. A CR before any other byte breaks RFC 764's rule; the
//! receiver is liberal and keeps both bytes as they came, rather than lose one. A pair can be split by a block boundary — the CR at the
//! end of one DATA block, its LF at the start of the next — so both directions carry one byte of state from block
//! to block. The seed's client only does octet mode.
//!
//! [`ModeReader`] and [`ModeWriter`] put a file on either side of a transfer in its mode: translated for netascii,
//! as it is for octet. [`wire_size`] is a text file's size on the wire, for tsize; [`Counted`] counts the file's
//! own bytes, which a log reports beside the wire's ([`amount`]).

use std::io::{self, Read, Write};

use crate::packet::Mode;

/// The size of local text as netascii sends it — every LF and CR gains a byte (CR LF, CR NUL) — for the tsize
/// option: a server announces it for a download, a client for an upload.
pub fn wire_size(mut text: impl Read) -> io::Result<u64> {
    let mut buf = vec![0u8; 64 << 10];
    let mut size = 0u64;
    loop {
        let n = match text.read(&mut buf) {
            Ok(0) => return Ok(size),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        size += n as u64 + buf[..n].iter().filter(|&&b| b == b'\n' || b == b'\r').count() as u64;
    }
}

/// A file's size for a person, in the words every log uses: `1500 bytes`, or in netascii, where the wire carries
/// more, `1500 bytes (1520 on the wire)`.
pub fn amount(file_bytes: u64, wire_bytes: u64) -> String {
    if file_bytes == wire_bytes {
        format!("{file_bytes} bytes")
    } else {
        format!("{file_bytes} bytes ({wire_bytes} on the wire)")
    }
}

/// A reader or writer that counts the bytes through it. Put between a file and a [`ModeReader`] or [`ModeWriter`],
/// it counts the file's own bytes: in netascii fewer than on the wire, where each line end travels as CR LF.
#[derive(Debug)]
pub struct Counted<T> {
    inner: T,
    bytes: u64,
}

impl<T> Counted<T> {
    /// Counts what goes through `inner`, from zero.
    pub fn new(inner: T) -> Self {
        Counted { inner, bytes: 0 }
    }

    /// The bytes read or written so far.
    pub fn total(&self) -> u64 {
        self.bytes
    }
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A local file read as a transfer in `mode` sends it: through a [`NetasciiReader`] for netascii, as it is for
/// octet.
#[derive(Debug)]
pub enum ModeReader<R> {
    /// Octet: the bytes as they are.
    Plain(R),
    /// Netascii: line ends translated.
    Netascii(NetasciiReader<R>),
}

impl<R: Read> ModeReader<R> {
    /// Reads `inner` for a transfer in `mode`.
    pub fn new(mode: Mode, inner: R) -> Self {
        match mode {
            Mode::Netascii => ModeReader::Netascii(NetasciiReader::new(inner)),
            Mode::Octet | Mode::Mail => ModeReader::Plain(inner),
        }
    }
}

impl<R: Read> Read for ModeReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            ModeReader::Plain(inner) => inner.read(buf),
            ModeReader::Netascii(text) => text.read(buf),
        }
    }
}

/// A local file written as a transfer in `mode` receives it: through a [`NetasciiWriter`] for netascii, as it is
/// for octet. End it with [`ModeWriter::finish`].
#[derive(Debug)]
pub enum ModeWriter<W: Write> {
    /// Octet: the bytes as they are.
    Plain(W),
    /// Netascii: line ends translated.
    Netascii(NetasciiWriter<W>),
}

impl<W: Write> ModeWriter<W> {
    /// Writes into `inner` for a transfer in `mode`.
    pub fn new(mode: Mode, inner: W) -> Self {
        match mode {
            Mode::Netascii => ModeWriter::Netascii(NetasciiWriter::new(inner)),
            Mode::Octet | Mode::Mail => ModeWriter::Plain(inner),
        }
    }

    /// Ends the file (see [`NetasciiWriter::finish`]) and flushes it; returns the inner writer.
    pub fn finish(self) -> io::Result<W> {
        match self {
            ModeWriter::Plain(mut inner) => {
                inner.flush()?;
                Ok(inner)
            }
            ModeWriter::Netascii(text) => text.finish(),
        }
    }
}

impl<W: Write> Write for ModeWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            ModeWriter::Plain(inner) => inner.write(buf),
            ModeWriter::Netascii(text) => text.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            ModeWriter::Plain(inner) => inner.write_all(buf),
            ModeWriter::Netascii(text) => text.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            ModeWriter::Plain(inner) => inner.flush(),
            ModeWriter::Netascii(text) => text.flush(),
        }
    }
}

/// Reads local text and yields its netascii form. Wrap a file in it and read blocks as usual.
#[derive(Debug)]
pub struct NetasciiReader<R> {
    inner: R,
    /// The second byte of a pair that did not fit in the caller's last buffer (LF of CR LF, NUL of CR NUL).
    pending: Option<u8>,
    raw: Vec<u8>,
}

impl<R: Read> NetasciiReader<R> {
    /// Translates what `inner` yields.
    pub fn new(inner: R) -> Self {
        NetasciiReader {
            inner,
            pending: None,
            raw: Vec::new(),
        }
    }
}

impl<R: Read> Read for NetasciiReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = 0;
        if let (Some(b), false) = (self.pending, buf.is_empty()) {
            buf[0] = b;
            self.pending = None;
            n = 1;
        }
        if n == buf.len() {
            return Ok(n);
        }
        // Each local byte becomes at most two: reading half the free room always fits, except that the last
        // pair may be cut, and its second byte waits in `pending`.
        let want = (buf.len() - n).div_ceil(2);
        self.raw.resize(want, 0);
        let got = self.inner.read(&mut self.raw)?;
        for &b in &self.raw[..got] {
            let (first, second) = match b {
                b'\n' => (b'\r', Some(b'\n')),
                b'\r' => (b'\r', Some(0)),
                other => (other, None),
            };
            buf[n] = first;
            n += 1;
            if let Some(s) = second {
                if n < buf.len() {
                    buf[n] = s;
                    n += 1;
                } else {
                    self.pending = Some(s);
                }
            }
        }
        Ok(n)
    }
}

/// Takes netascii from the wire and writes local text to `inner`.
#[derive(Debug)]
pub struct NetasciiWriter<W: Write> {
    inner: W,
    /// The previous block ended with a CR whose meaning depends on the next byte.
    cr_pending: bool,
    out: Vec<u8>,
}

impl<W: Write> NetasciiWriter<W> {
    /// Translates into `inner`.
    pub fn new(inner: W) -> Self {
        NetasciiWriter {
            inner,
            cr_pending: false,
            out: Vec::new(),
        }
    }

    /// Ends the stream: a CR left dangling at the very end is kept as a CR. Returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        if self.cr_pending {
            self.inner.write_all(b"\r")?;
        }
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for NetasciiWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.clear();
        for &b in buf {
            if self.cr_pending {
                self.cr_pending = false;
                match b {
                    b'\n' => {
                        self.out.push(b'\n');
                        continue;
                    }
                    0 => {
                        self.out.push(b'\r');
                        continue;
                    }
                    // A CR followed by anything else breaks the rule; keep both bytes rather than lose one.
                    _ => self.out.push(b'\r'),
                }
            }
            if b == b'\r' {
                self.cr_pending = true;
            } else {
                self.out.push(b);
            }
        }
        self.inner.write_all(&self.out)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to_wire(local: &[u8], chunk: usize) -> Vec<u8> {
        let mut reader = NetasciiReader::new(local);
        let mut wire = Vec::new();
        let mut buf = vec![0u8; chunk];
        loop {
            let n = reader.read(&mut buf).unwrap();
            if n == 0 {
                return wire;
            }
            wire.extend_from_slice(&buf[..n]);
        }
    }

    fn from_wire(wire: &[u8], chunk: usize) -> Vec<u8> {
        let mut writer = NetasciiWriter::new(Vec::new());
        for block in wire.chunks(chunk) {
            writer.write_all(block).unwrap();
        }
        writer.finish().unwrap()
    }

    #[test]
    fn lf_becomes_cr_lf_and_cr_becomes_cr_nul() {
        assert_eq!(to_wire(b"a\nb\rc", 512), b"a\r\nb\r\0c");
        assert_eq!(from_wire(b"a\r\nb\r\0c", 512), b"a\nb\rc");
    }

    #[test]
    fn a_pair_split_across_blocks_is_kept_whole() {
        // Buffers of 2 force every CR LF / CR NUL pair to straddle a boundary somewhere.
        for chunk in 1..=4 {
            assert_eq!(to_wire(b"x\ny\rz\n", chunk), b"x\r\ny\r\0z\r\n", "read chunk {chunk}");
            assert_eq!(
                from_wire(b"x\r\ny\r\0z\r\n", chunk),
                b"x\ny\rz\n",
                "write chunk {chunk}"
            );
        }
    }

    #[test]
    fn trailing_lone_cr_survives() {
        assert_eq!(from_wire(b"end\r", 2), b"end\r");
        assert_eq!(from_wire(b"a\rb", 1), b"a\rb");
    }

    #[test]
    fn a_cr_before_any_other_byte_is_kept_with_it_wherever_the_block_ends() {
        for b in (1..=255u8).filter(|&b| b != b'\n') {
            let wire = [b'x', b'\r', b, b'y'];
            for chunk in 1..=4 {
                assert_eq!(from_wire(&wire, chunk), wire, "CR then {b:#04x}, blocks of {chunk}");
            }
        }
    }

    #[test]
    fn the_wire_size_counts_a_byte_more_for_each_line_end_and_cr() {
        assert_eq!(wire_size(&b"a\nb\r\n"[..]).unwrap(), 5 + 3);
        assert_eq!(wire_size(&b""[..]).unwrap(), 0);
        let text: Vec<u8> = b"line\n".repeat(20_000);
        assert_eq!(wire_size(text.as_slice()).unwrap(), 6 * 20_000, "past one read buffer");
        assert_eq!(wire_size(text.as_slice()).unwrap(), to_wire(&text, 512).len() as u64);
    }

    #[test]
    fn a_mode_reader_and_writer_translate_netascii_only() {
        let mut wire = Vec::new();
        ModeReader::new(Mode::Netascii, &b"a\n"[..])
            .read_to_end(&mut wire)
            .unwrap();
        assert_eq!(wire, b"a\r\n");
        wire.clear();
        ModeReader::new(Mode::Octet, &b"a\n"[..])
            .read_to_end(&mut wire)
            .unwrap();
        assert_eq!(wire, b"a\n");
        let mut text = ModeWriter::new(Mode::Netascii, Vec::new());
        text.write_all(b"a\r\nb\r").unwrap();
        assert_eq!(text.finish().unwrap(), b"a\nb\r", "a dangling CR is kept at the end");
        let mut octets = ModeWriter::new(Mode::Octet, Vec::new());
        octets.write_all(b"a\r\nb\r").unwrap();
        assert_eq!(octets.finish().unwrap(), b"a\r\nb\r");
    }

    #[test]
    fn round_trip_of_every_byte_in_every_block_size() {
        let local: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
        for chunk in [1, 2, 3, 7, 512] {
            assert_eq!(from_wire(&to_wire(&local, chunk), chunk + 1), local, "chunk {chunk}");
        }
    }

    #[test]
    fn an_amount_names_the_wires_bytes_only_when_they_differ() {
        assert_eq!(amount(1500, 1500), "1500 bytes");
        assert_eq!(amount(1500, 1520), "1500 bytes (1520 on the wire)");
    }

    #[test]
    fn counted_counts_the_bytes_on_its_side() {
        let mut text = Counted::new(&b"a\nb\n"[..]);
        let mut wire = Vec::new();
        ModeReader::new(Mode::Netascii, &mut text)
            .read_to_end(&mut wire)
            .unwrap();
        assert_eq!((text.total(), wire.len()), (4, 6));
        let mut file = Counted::new(Vec::new());
        let mut writer = ModeWriter::new(Mode::Netascii, &mut file);
        writer.write_all(&wire).unwrap();
        writer.finish().unwrap();
        assert_eq!(file.total(), 4);
    }
}
