//! Where a transfer goes: `HOST REMOTE` on the command line, or a `tftp://host[:port]/file` URL as curl reads it,
//! and the file names a transfer takes when none is given.

use std::path::PathBuf;

use anyhow::{Result, anyhow};

use crate::usage;

/// Where a transfer goes: the server's address and the file's name there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The server, with the port for the request.
    pub server: std::net::SocketAddr,
    /// The remote file name.
    pub remote: String,
}

/// Reads `tftp://host[:port]/path`. The path is the remote file name (without the leading `/`); `%XX` escapes
/// are decoded, so `%E6%B5%8B` names a UTF-8 file, as curl does.
pub fn parse_url(url: &str, default_port: u16) -> Result<Target> {
    let bad = |why: &str| usage(&format!("{url:?}: {why}"));
    let rest = url
        .strip_prefix("tftp://")
        .ok_or_else(|| bad("a URL starts with tftp://"))?;
    let (authority, path) = rest.split_once('/').ok_or_else(|| bad("no file name after the host"))?;
    if authority.is_empty() {
        return Err(bad("no host"));
    }
    let server = server_address(authority, default_port)?;
    let remote = percent_decode(path).map_err(|e| bad(&format!("bad %-escape: {e}")))?;
    if remote.is_empty() {
        return Err(bad("no file name after the host"));
    }
    Ok(Target { server, remote })
}

fn percent_decode(text: &str) -> Result<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .ok_or_else(|| anyhow!("'%' needs two hex digits"))?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| anyhow!("'%{hex}' is not hex"))?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| anyhow!("the decoded name is not UTF-8"))
}

/// Any address that does not work is bad input (exit 2), as `netlab::exit` says: a mistyped one, and a name that
/// names no host, since the fix is to change the command, not to run it again.
fn address_error(e: netlab::AddrError) -> anyhow::Error {
    usage(&e.to_string())
}

/// The server's address from `HOST` or `HOST:PORT` (`port` unless it names one). Port 0 can be bound (any free
/// port) but not sent to: bad input, said before anything is sent (the send would fail with "Invalid argument").
pub(crate) fn server_address(host: &str, port: u16) -> Result<std::net::SocketAddr> {
    let server = netlab::parse_endpoint(host, port).map_err(address_error)?;
    if server.port() == 0 {
        return Err(usage(&format!(
            "{host:?}: port 0 cannot be sent to; a server's port is 1 to 65535 (69 by default)"
        )));
    }
    Ok(server)
}

/// `HOST REMOTE` as a target; `port` unless HOST names one.
pub fn host_target(host: &str, remote: &str, port: u16) -> Result<Target> {
    let server = server_address(host, port)?;
    Ok(Target {
        server,
        remote: remote.to_string(),
    })
}

/// The last path component of a remote name, as the default local name (and of a local path, as the default
/// remote one).
pub fn local_name_for(remote: &str) -> Result<PathBuf> {
    remote
        .rsplit(['/', '\\'])
        .next()
        .filter(|name| !name.is_empty() && *name != "." && *name != "..")
        .map(PathBuf::from)
        .ok_or_else(|| anyhow!("{remote:?} does not end in a file name; give a LOCAL name"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Usage;

    #[test]
    fn port_0_is_no_server_port() {
        for target in [
            parse_url("tftp://127.0.0.1:0/x.bin", 69),
            parse_url("tftp://127.0.0.1/x.bin", 0),
            host_target("127.0.0.1:0", "x.bin", 69),
            host_target("127.0.0.1", "x.bin", 0),
        ] {
            let e = target.unwrap_err();
            assert!(e.downcast_ref::<Usage>().is_some(), "{e}: not bad input");
            assert!(e.to_string().contains("port 0 cannot be sent to"), "{e}");
        }
    }

    #[test]
    fn urls_with_and_without_port() {
        let t = parse_url("tftp://127.0.0.1:6969/dir/file.bin", 69).unwrap();
        assert_eq!(
            t,
            Target {
                server: "127.0.0.1:6969".parse().unwrap(),
                remote: "dir/file.bin".into()
            }
        );
        let t = parse_url("tftp://[::1]/a", 69).unwrap();
        assert_eq!(t.server, "[::1]:69".parse().unwrap());
        let t = parse_url("tftp://127.0.0.1/%E6%B5%8B%E8%AF%95.txt", 69).unwrap();
        assert_eq!(t.remote, "测试.txt");
    }

    #[test]
    fn bad_urls_say_what_is_wrong() {
        let msg = |u: &str| parse_url(u, 69).unwrap_err().to_string();
        assert!(msg("http://x/a").contains("starts with tftp://"));
        assert!(msg("tftp://127.0.0.1").contains("no file name"));
        assert!(msg("tftp://127.0.0.1/").contains("no file name"));
        assert!(msg("tftp:///a").contains("no host"));
        assert!(msg("tftp://256.0.0.1/a").contains("octet 256 is out of range"));
        assert!(
            msg("tftp://127.0.0.1/%zz").contains("not hex"),
            "{}",
            msg("tftp://127.0.0.1/%zz")
        );
        assert!(parse_url("tftp://256.0.0.1/a", 69).unwrap_err().is::<Usage>());
        // An empty label: refused by the resolver without a DNS query, so nothing leaves this machine.
        assert!(
            parse_url("tftp://no-such-host..invalid/a", 69)
                .unwrap_err()
                .is::<Usage>()
        );
    }

    #[test]
    fn local_names_come_from_the_last_component() {
        assert_eq!(local_name_for("a/b/c.txt").unwrap(), PathBuf::from("c.txt"));
        assert_eq!(local_name_for("c.txt").unwrap(), PathBuf::from("c.txt"));
        assert_eq!(local_name_for("win\\dir\\d.bin").unwrap(), PathBuf::from("d.bin"));
        assert!(local_name_for("dir/").is_err());
        assert!(local_name_for("..").is_err());
    }
}
