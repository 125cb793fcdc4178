//! Lab 3 tests: datagrams of 0, 1, 1024, 1025 and 65,507 bytes come back exactly, from two clients.
use std::net::UdpSocket;
use std::time::Duration;

#[test]
fn every_size_comes_back_exactly() {
    let server = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = server.local_addr().unwrap();
    let sizes = [0usize, 1, 1024, 1025, 65_507];
    let echo = std::thread::spawn(move || lab03_udp_echo::serve(&server, 2 * sizes.len()));
    for client_number in 0..2u8 {
        let client = UdpSocket::bind("127.0.0.1:0").unwrap();
        client.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        for size in sizes {
            let payload: Vec<u8> = (0..size)
                .map(|i| (i as u8).wrapping_mul(7).wrapping_add(client_number))
                .collect();
            client.send_to(&payload, addr).unwrap();
            let mut buf = vec![0u8; 70_000];
            let (n, from) = client.recv_from(&mut buf).expect("no echo within 5 s");
            assert_eq!(from, addr, "the echo comes from the server's port");
            assert_eq!(n, size, "a {size}-byte datagram came back as {n} bytes");
            assert!(buf[..n] == payload[..], "a {size}-byte datagram came back changed");
        }
    }
    echo.join().unwrap().unwrap();
}
