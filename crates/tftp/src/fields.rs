//! The named values a TFTP exchange carries — seed §3.3.1 (the modes, the error codes); RFC 1350 §1 and its
//! appendix, RFC 2347 (error 8): the transfer [`Mode`], the [`ErrorCode`], and the [`Operation`] a request asks
//! for. `packet.rs` puts them into bytes and takes them out.

use std::fmt;
use std::io;

/// What a request asks for, named from the client's side: a read request (RRQ) downloads a file from the server,
/// a write request (WRQ) uploads one to it. The whole workspace says download and upload, with one exception: the
/// command-line words every TFTP client has used since BSD's tftp, [`Operation::command`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// RRQ: the file goes from the server to the client.
    Download,
    /// WRQ: the file goes from the client to the server.
    Upload,
}

impl Operation {
    /// `get` or `put`, the words of every TFTP client's command line (BSD's tftp, tftp-hpa, Windows' TFTP.EXE):
    /// `tftp-client`'s subcommands and the server's log line keep them.
    pub fn command(self) -> &'static str {
        match self {
            Operation::Download => "get",
            Operation::Upload => "put",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Operation::Download => "download",
            Operation::Upload => "upload",
        })
    }
}

/// Transfer modes (RFC 1350 §1). "mail" is obsolete and refused by servers, as the seed says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Text: line ends become CR LF on the wire (see [`crate::netascii`]).
    Netascii,
    /// Raw 8-bit bytes, sent exactly as they are.
    #[default]
    Octet,
    /// Obsolete: deliver to a user instead of a file.
    Mail,
}

impl Mode {
    /// The mode's name as it travels in a request.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Netascii => "netascii",
            Mode::Octet => "octet",
            Mode::Mail => "mail",
        }
    }

    /// Mode names are case-insensitive on the wire ("OCTET" is "octet").
    pub fn parse(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "netascii" => Some(Mode::Netascii),
            "octet" => Some(Mode::Octet),
            "mail" => Some(Mode::Mail),
            _ => None,
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// Error codes (RFC 1350 appendix; 8 from RFC 2347). Unknown codes from a peer are kept, not refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// 0: not defined, see the message.
    NotDefined,
    /// 1: file not found.
    FileNotFound,
    /// 2: access violation.
    AccessViolation,
    /// 3: disk full or allocation exceeded.
    DiskFull,
    /// 4: illegal TFTP operation.
    IllegalOperation,
    /// 5: unknown transfer ID (a packet from the wrong port).
    UnknownTid,
    /// 6: file already exists.
    FileExists,
    /// 7: no such user.
    NoSuchUser,
    /// 8: option negotiation refused (RFC 2347).
    OptionRefused,
    /// Any other code a peer sends.
    Other(u16),
}

impl ErrorCode {
    /// The code as it travels on the wire.
    pub fn to_u16(self) -> u16 {
        match self {
            ErrorCode::NotDefined => 0,
            ErrorCode::FileNotFound => 1,
            ErrorCode::AccessViolation => 2,
            ErrorCode::DiskFull => 3,
            ErrorCode::IllegalOperation => 4,
            ErrorCode::UnknownTid => 5,
            ErrorCode::FileExists => 6,
            ErrorCode::NoSuchUser => 7,
            ErrorCode::OptionRefused => 8,
            ErrorCode::Other(n) => n,
        }
    }

    /// The code for a wire value.
    pub fn from_u16(value: u16) -> Self {
        match value {
            0 => ErrorCode::NotDefined,
            1 => ErrorCode::FileNotFound,
            2 => ErrorCode::AccessViolation,
            3 => ErrorCode::DiskFull,
            4 => ErrorCode::IllegalOperation,
            5 => ErrorCode::UnknownTid,
            6 => ErrorCode::FileExists,
            7 => ErrorCode::NoSuchUser,
            8 => ErrorCode::OptionRefused,
            n => ErrorCode::Other(n),
        }
    }

    /// The code that tells a peer why a local file could not be opened, read, written or saved: 1 when it is not
    /// there, 2 when it may not be touched, 3 when there is no room ("disk full or allocation exceeded": a size
    /// limit too), and 0 — see the message, which says the rest — for anything else.
    pub fn from_io(e: &io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::NotFound => ErrorCode::FileNotFound,
            io::ErrorKind::PermissionDenied => ErrorCode::AccessViolation,
            io::ErrorKind::StorageFull | io::ErrorKind::FileTooLarge => ErrorCode::DiskFull,
            _ => ErrorCode::NotDefined,
        }
    }

    /// The RFC's name for the code, for people.
    pub fn name(self) -> &'static str {
        match self {
            ErrorCode::NotDefined => "not defined",
            ErrorCode::FileNotFound => "file not found",
            ErrorCode::AccessViolation => "access violation",
            ErrorCode::DiskFull => "disk full or allocation exceeded",
            ErrorCode::IllegalOperation => "illegal TFTP operation",
            ErrorCode::UnknownTid => "unknown transfer ID",
            ErrorCode::FileExists => "file already exists",
            ErrorCode::NoSuchUser => "no such user",
            ErrorCode::OptionRefused => "option negotiation refused",
            ErrorCode::Other(_) => "unknown error code",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.to_u16(), self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_error_gets_the_closest_code() {
        use io::ErrorKind::*;
        for (kind, code) in [
            (NotFound, 1),
            (PermissionDenied, 2),
            (StorageFull, 3),
            (FileTooLarge, 3),
            (Interrupted, 0),
            (Other, 0),
        ] {
            assert_eq!(ErrorCode::from_io(&io::Error::from(kind)).to_u16(), code, "{kind:?}");
        }
    }

    #[test]
    fn operations_are_downloads_and_uploads_typed_as_get_and_put() {
        assert_eq!(
            (Operation::Download.to_string(), Operation::Download.command()),
            ("download".to_string(), "get")
        );
        assert_eq!(
            (Operation::Upload.to_string(), Operation::Upload.command()),
            ("upload".to_string(), "put")
        );
    }
}
