//! A short tour of what every Socket Labs program shares. Run it with:
//!
//! ```text
//! cargo run -p netlab --example tour
//! ```

use netlab::{Encoding, SocketBuilder, bytes_literal, ctime_now, hexdump, parse_endpoint, parse_host};

fn main() {
    println!("== Addresses, as the seed's Python reads them (seed 3.2.1, 3.2.2)");
    for typed in [
        "",
        "<broadcast>",
        "127.0.0.1",
        "::1",
        "localhost",
        "256.1.1.1",
        "10.0.1",
    ] {
        match parse_host(typed) {
            Ok(ip) => println!("  {:<17} -> {ip}", format!("{typed:?}")),
            Err(e) => println!("  {:<17} -> error: {e}", format!("{typed:?}")),
        }
    }
    for typed in ["[::1]:69", "127.0.0.1:65536"] {
        match parse_endpoint(typed, 69) {
            Ok(addr) => println!("  {:<17} -> {addr}", format!("{typed:?}")),
            Err(e) => println!("  {:<17} -> error: {e}", format!("{typed:?}")),
        }
    }

    println!("\n== The seed's TFTP read request, as bytes (seed 3.3.2)");
    let rrq = b"\x00\x01test.txt\x00octet\x00";
    print!("{}", hexdump(rrq));
    println!("  python: {}", bytes_literal(rrq));

    println!("\n== One message, two encodings (seed 3.2.1)");
    let text = "测试消息";
    for enc in [Encoding::Gbk, Encoding::Utf8] {
        match enc.encode(text) {
            Ok(bytes) => println!("  {enc:<5} {} bytes  {}", bytes.len(), bytes_literal(&bytes)),
            Err(e) => println!("  {enc:<5} {e}"),
        }
    }
    let gbk = Encoding::Gbk.encode(text).unwrap_or_default();
    println!("  GBK bytes read as UTF-8: {}", Encoding::Utf8.decode(&gbk));

    println!("\n== A socket with SO_BROADCAST set (seed 3.2.2), bound to loopback port 0");
    match "127.0.0.1:0"
        .parse()
        .map(|a| SocketBuilder::new().broadcast(true).bind_udp(a))
    {
        Ok(Ok(sock)) => println!(
            "  bound {} broadcast={}",
            sock.local_addr().map(|a| a.to_string()).unwrap_or_default(),
            sock.broadcast().unwrap_or(false)
        ),
        Ok(Err(e)) => println!("  cannot bind: {e}"),
        Err(e) => println!("  bad address: {e}"),
    }

    println!("\n== ctime(), as the chat stamps messages: {}", ctime_now());
}
