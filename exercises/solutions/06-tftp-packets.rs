//! Lab 6 — reference solution.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    Rrq { filename: String, mode: String },
    Wrq { filename: String, mode: String },
    Data { block: u16, data: Vec<u8> },
    Ack { block: u16 },
    Error { code: u16, message: String },
}

fn push_text(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(text.as_bytes());
    out.push(0);
}

pub fn encode(packet: &Packet) -> Vec<u8> {
    let mut out = Vec::new();
    match packet {
        Packet::Rrq { filename, mode } | Packet::Wrq { filename, mode } => {
            out.extend_from_slice(&[0, if matches!(packet, Packet::Rrq { .. }) { 1 } else { 2 }]);
            push_text(&mut out, filename);
            push_text(&mut out, mode);
        }
        Packet::Data { block, data } => {
            out.extend_from_slice(&[0, 3]);
            out.extend_from_slice(&block.to_be_bytes());
            out.extend_from_slice(data);
        }
        Packet::Ack { block } => {
            out.extend_from_slice(&[0, 4]);
            out.extend_from_slice(&block.to_be_bytes());
        }
        Packet::Error { code, message } => {
            out.extend_from_slice(&[0, 5]);
            out.extend_from_slice(&code.to_be_bytes());
            push_text(&mut out, message);
        }
    }
    out
}

fn text(bytes: &[u8]) -> Result<(String, &[u8]), String> {
    let end = bytes.iter().position(|&b| b == 0).ok_or("text without its zero byte")?;
    let s = std::str::from_utf8(&bytes[..end]).map_err(|_| "text is not UTF-8")?;
    Ok((s.to_string(), &bytes[end + 1..]))
}

pub fn decode(bytes: &[u8]) -> Result<Packet, String> {
    if bytes.len() < 4 && !(bytes.len() >= 2 && matches!(bytes[1], 1 | 2) && bytes[0] == 0) {
        return Err(format!("too short: {} bytes", bytes.len()));
    }
    let opcode = u16::from_be_bytes([bytes[0], bytes[1]]);
    let body = &bytes[2..];
    match opcode {
        1 | 2 => {
            let (filename, rest) = text(body)?;
            let (mode, _) = text(rest)?;
            Ok(if opcode == 1 {
                Packet::Rrq { filename, mode }
            } else {
                Packet::Wrq { filename, mode }
            })
        }
        3 => Ok(Packet::Data {
            block: u16::from_be_bytes([bytes[2], bytes[3]]),
            data: bytes[4..].to_vec(),
        }),
        4 => Ok(Packet::Ack {
            block: u16::from_be_bytes([bytes[2], bytes[3]]),
        }),
        5 => {
            let (message, _) = text(&bytes[4..])?;
            Ok(Packet::Error {
                code: u16::from_be_bytes([bytes[2], bytes[3]]),
                message,
            })
        }
        other => Err(format!("unknown opcode {other}")),
    }
}
