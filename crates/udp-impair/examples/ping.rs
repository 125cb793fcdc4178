//! UDP's unreliability made visible (seed §3.1): 50 pings to an echo responder, first straight through the relay,
//! then with 20% of datagrams lost each way. Run it with:
//!
//! ```text
//! cargo run -p udp-impair --example ping
//! ```

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use udp_impair::{Config, Impairments, Relay};

fn main() -> std::io::Result<()> {
    // The echo responder: whatever arrives goes back to its sender.
    let echo = UdpSocket::bind("127.0.0.1:0")?;
    let echo_addr = echo.local_addr()?;
    std::thread::spawn(move || {
        let mut buf = [0u8; 1500];
        while let Ok((n, from)) = echo.recv_from(&mut buf) {
            let _ = echo.send_to(&buf[..n], from);
        }
    });
    for loss in [0.0, 0.2] {
        let knobs = Impairments {
            loss,
            ..Default::default()
        };
        let config = Config {
            up: knobs,
            down: knobs,
            seed: 7,
            ..Config::new(([127, 0, 0, 1], 0).into(), echo_addr)
        };
        let relay = Relay::start(config)?;
        let client = UdpSocket::bind("127.0.0.1:0")?;
        client.set_read_timeout(Some(Duration::from_millis(100)))?;
        let (mut received, mut worst) = (0, Duration::ZERO);
        let mut buf = [0u8; 64];
        for seq in 0u32..50 {
            let sent = Instant::now();
            client.send_to(&seq.to_be_bytes(), relay.local_addr())?;
            // Replies to earlier, timed-out pings may still come; wait for this one's number.
            while let Ok((n, _)) = client.recv_from(&mut buf) {
                if buf[..n] == seq.to_be_bytes() {
                    received += 1;
                    worst = worst.max(sent.elapsed());
                    break;
                }
            }
        }
        println!(
            "loss {:>2}% each way: 50 pings sent, {received} answered ({}% lost), slowest answer {} µs",
            loss * 100.0,
            (50 - received) * 2,
            worst.as_micros()
        );
        print!("{}", relay.stop());
    }
    println!("A round trip needs both directions to get through: 20% each way loses about 1 - 0.8 × 0.8 = 36%.");
    Ok(())
}
