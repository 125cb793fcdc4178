//! Where a requested file name may lead: inside the served folder, and nowhere else.
//!
//! A TFTP request is one unauthenticated datagram, so the name in it is hostile until proven otherwise. The rules,
//! checked before the file system is touched and again after it resolves links:
//! - no empty name, no name over 255 bytes in a component or 1024 in all;
//! - no absolute path (`/etc/passwd`), no Windows drive (`C:`), no backslash (`..\\..\\x`);
//! - no `..` component, no control characters (NUL cannot arrive: it ends the name on the wire);
//! - after symbolic links are followed, the file must still be inside ROOT.
//!
//! Any failure is ERROR 2, access violation, except a name that ends in `/` (or `/.`): it names a folder, and
//! no file has such a name, so it is ERROR 1, file not found, as tftpd-hpa answers. Names may contain UTF-8
//! (`测试.txt`).

use std::fmt;
use std::path::{Component, Path, PathBuf};

/// Uploads in progress are written to hidden files that start with this; no request may name one.
pub const UPLOAD_PREFIX: &str = ".tftp-upload-";

/// Longest name accepted, in bytes.
pub const MAX_NAME: usize = 1024;
/// Longest single path component accepted, in bytes (the usual file-system limit).
pub const MAX_COMPONENT: usize = 255;

/// Why a name was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn refuse(why: &str) -> Refused {
    Refused(why.to_string())
}

/// Checks the text of a name and joins it to `root` (which must be canonical). Does not touch the disk.
pub fn check_name(root: &Path, name: &str) -> Result<PathBuf, Refused> {
    if name.is_empty() {
        return Err(refuse("empty file name"));
    }
    if name.len() > MAX_NAME {
        return Err(refuse("file name too long"));
    }
    if name.chars().any(char::is_control) {
        return Err(refuse("control character in file name"));
    }
    if name.contains('\\') {
        return Err(refuse("backslash in file name"));
    }
    let bytes = name.as_bytes();
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return Err(refuse("drive letter in file name"));
    }
    let relative = Path::new(name);
    let mut joined = root.to_path_buf();
    for component in relative.components() {
        match component {
            Component::Normal(part) => {
                if part.len() > MAX_COMPONENT {
                    return Err(refuse("file name component too long"));
                }
                if part.to_string_lossy().starts_with(UPLOAD_PREFIX) {
                    return Err(refuse("that name is reserved for uploads in progress"));
                }
                joined.push(part);
            }
            Component::CurDir => {}
            Component::ParentDir => return Err(refuse("'..' in file name")),
            Component::RootDir | Component::Prefix(_) => return Err(refuse("absolute file name")),
        }
    }
    if joined == root {
        return Err(refuse("not a file name"));
    }
    // `hello.txt/` and `hello.txt/.` name a folder; `Path` drops the trailing `/` and `.`, so without this check
    // they would be served, or overwritten, as `hello.txt`.
    if matches!(name.rsplit('/').next(), Some("" | ".")) {
        return Err(refuse(NOT_FOUND));
    }
    Ok(joined)
}

/// The refusal that means "no such file" (ERROR 1) rather than "not allowed" (ERROR 2).
pub const NOT_FOUND: &str = "file not found";

/// A file to read: must exist, be a regular file, and resolve (links followed) inside `root`.
pub fn for_reading(root: &Path, name: &str) -> Result<PathBuf, Refused> {
    let joined = check_name(root, name)?;
    let real = joined.canonicalize().map_err(|_| Refused(NOT_FOUND.into()))?;
    if !real.starts_with(root) {
        return Err(refuse("file name leads outside the served folder"));
    }
    if !real.is_file() {
        return Err(refuse("not a regular file"));
    }
    Ok(real)
}

/// Where an upload may go: the parent folder must exist and resolve inside `root`; if the file exists it must
/// also resolve inside `root` and be a regular file. Returns the final path (in the real parent) and whether a
/// file is already there.
pub fn for_writing(root: &Path, name: &str) -> Result<(PathBuf, bool), Refused> {
    let joined = check_name(root, name)?;
    let file_name = joined.file_name().ok_or_else(|| refuse("not a file name"))?.to_owned();
    let parent = joined.parent().ok_or_else(|| refuse("not a file name"))?;
    let real_parent = parent.canonicalize().map_err(|_| refuse("no such folder"))?;
    if !real_parent.starts_with(root) {
        return Err(refuse("file name leads outside the served folder"));
    }
    let target = real_parent.join(file_name);
    match std::fs::symlink_metadata(&target) {
        Ok(meta) if meta.file_type().is_symlink() => {
            // Writing through a link would write wherever it points: refuse outright.
            Err(refuse("file name is a symbolic link"))
        }
        Ok(meta) if !meta.is_file() => Err(refuse("not a regular file")),
        Ok(_) => Ok((target, true)),
        Err(_) => Ok((target, false)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_join_the_root() {
        let root = Path::new("/srv/tftp");
        assert_eq!(check_name(root, "a.txt").unwrap(), Path::new("/srv/tftp/a.txt"));
        assert_eq!(
            check_name(root, "pxelinux.cfg/default").unwrap(),
            Path::new("/srv/tftp/pxelinux.cfg/default")
        );
        assert_eq!(check_name(root, "./测试.txt").unwrap(), Path::new("/srv/tftp/测试.txt"));
    }

    #[test]
    fn escapes_are_refused_by_their_text() {
        let root = Path::new("/srv/tftp");
        for (name, why) in [
            ("", "empty file name"),
            ("../x", "'..' in file name"),
            ("a/../../x", "'..' in file name"),
            ("/etc/passwd", "absolute file name"),
            ("..\\x", "backslash in file name"),
            ("C:x", "drive letter in file name"),
            ("a\tb", "control character in file name"),
            (".", "not a file name"),
            (".tftp-upload-1", "that name is reserved for uploads in progress"),
            ("hello.txt/", NOT_FOUND),
            ("sub/hello.txt//", NOT_FOUND),
            ("hello.txt/.", NOT_FOUND),
        ] {
            assert_eq!(check_name(root, name), Err(Refused(why.into())), "{name:?}");
        }
        assert_eq!(
            check_name(root, &"x".repeat(256)),
            Err(Refused("file name component too long".into()))
        );
        assert_eq!(
            check_name(root, &"x/".repeat(600)),
            Err(Refused("file name too long".into()))
        );
    }
}
