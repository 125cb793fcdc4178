//! Floors: the least an exchange could cost on this machine, measured in the same run as the programs, so ratios
//! against them mean something.

use std::io;
use std::net::UdpSocket;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

/// Lock-step floor: `round_trips` exchanges of a `request`-byte datagram answered by a `reply`-byte one (a DATA
/// block and its ACK), between two threads on loopback. Nothing touches a file: this is the network's part of a
/// lock-step transfer. The answering side always sleeps in `recv`, like tftpd-hpa; the asking side sleeps too, or
/// with `poll` asks again and again (yielding the core between tries), as our TFTP engine does for the first
/// 50 µs or more of a wait.
pub fn ping_pong(round_trips: u64, request: usize, reply: usize, poll: bool) -> Result<Duration> {
    let server = UdpSocket::bind("127.0.0.1:0")?;
    let client = UdpSocket::bind("127.0.0.1:0")?;
    client.connect(server.local_addr()?)?;
    server.connect(client.local_addr()?)?;
    // A datagram lost on loopback would hang the loop: give up instead.
    server.set_read_timeout(Some(Duration::from_secs(5)))?;
    client.set_read_timeout(Some(Duration::from_secs(5)))?;
    client.set_nonblocking(poll)?;
    let answerer = thread::spawn(move || -> io::Result<()> {
        let mut buf = vec![0u8; request.max(reply)];
        let answer = vec![0u8; reply];
        for _ in 0..round_trips {
            server.recv(&mut buf)?;
            server.send(&answer)?;
        }
        Ok(())
    });
    let packet = vec![0u8; request];
    let mut buf = vec![0u8; request.max(reply)];
    let give_up = Instant::now() + Duration::from_secs(120);
    let started = Instant::now();
    for _ in 0..round_trips {
        client.send(&packet)?;
        loop {
            match client.recv(&mut buf) {
                Ok(_) => break,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock && poll && Instant::now() < give_up => {
                    std::thread::yield_now();
                }
                Err(e) => return Err(e).context("ping-pong reply lost"),
            }
        }
    }
    let elapsed = started.elapsed();
    answerer
        .join()
        .map_err(|_| anyhow::anyhow!("answering thread panicked"))??;
    Ok(elapsed)
}

/// Throughput ceiling: one thread sends `count` datagrams of `size` bytes as fast as it can, another receives
/// and counts bytes; returns the bytes received and the time from first send to last receive. Loss is possible
/// (the receiver's buffer can overflow) and shows as fewer bytes.
pub fn blast(count: u64, size: usize) -> Result<(u64, Duration)> {
    let receiver = netlab::SocketBuilder::new()
        .recv_buffer(8 << 20)
        .bind_udp(([127, 0, 0, 1], 0).into())?;
    let sender = UdpSocket::bind("127.0.0.1:0")?;
    sender.connect(receiver.local_addr()?)?;
    receiver.set_read_timeout(Some(Duration::from_millis(200)))?;
    let counter = thread::spawn(move || {
        let mut buf = vec![0u8; netlab::MAX_DATAGRAM];
        let mut bytes = 0u64;
        let mut last = Instant::now();
        while let Ok(n) = receiver.recv(&mut buf) {
            bytes += n as u64;
            last = Instant::now();
        }
        (bytes, last)
    });
    let packet = vec![0u8; size];
    let started = Instant::now();
    for _ in 0..count {
        sender.send(&packet)?;
    }
    let (bytes, last) = counter
        .join()
        .map_err(|_| anyhow::anyhow!("receiving thread panicked"))?;
    Ok((bytes, last.saturating_duration_since(started)))
}

/// Disk ceiling: writes `size` bytes in `chunk`-byte writes to a new file in `dir` (as a download does: no
/// fsync), and returns the time taken. The file is removed afterwards. A download to a file can go no faster.
pub fn disk_write(dir: &std::path::Path, size: u64, chunk: usize) -> Result<Duration> {
    use std::io::Write;
    let path = dir.join(".labbench-disk-ceiling");
    let block = vec![0x5au8; chunk];
    let started = Instant::now();
    let mut file = std::fs::File::create(&path).context("cannot create the disk-ceiling file")?;
    let mut left = size;
    while left > 0 {
        let n = left.min(chunk as u64) as usize;
        file.write_all(&block[..n])?;
        left -= n as u64;
    }
    drop(file);
    let elapsed = started.elapsed();
    std::fs::remove_file(&path)?;
    Ok(elapsed)
}
