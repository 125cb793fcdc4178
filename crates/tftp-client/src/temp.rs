//! The temporary file of a download: `.NAME.` and 16 random hexadecimal digits, then `.part`
//! (`.hello.txt.3f9a0c17d2e4b685.part`), beside the file it will become. `local.rs` writes it and renames it into
//! place; this is the machinery around it.
//!
//! A download stopped by a signal it can catch removes its file (see `stop.rs`). One killed outright (SIGKILL, a
//! crash, a power cut) cannot, so the next download of the same name into the same folder removes what is left —
//! and nothing else. A file is taken for a leftover only if all of these hold:
//! - its name has exactly that shape: no one types sixteen random digits by chance, so a user's own
//!   `.hello.txt.keepme.part` is not one;
//! - it is a regular file (not a link, not a folder);
//! - it is not locked: a download locks its file (std's `File::try_lock`: `flock` on Unix, `LockFileEx` on
//!   Windows) for as long as it runs, so another client's download under way is never touched, and a killed
//!   one's lock died with it;
//! - it has not changed for [`STALE_AFTER`]: a download creates its file a moment before it locks it, and in
//!   that moment the file must not look abandoned.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::hash::{BuildHasher, RandomState};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use tempfile::NamedTempFile;

/// How many random hexadecimal digits a temporary file's name holds: a 64-bit number.
const HEX_DIGITS: usize = 16;
/// What ends every temporary file's name.
const SUFFIX: &str = ".part";
/// Names to try before giving up when each is taken: a clash of two random 64-bit numbers is already unheard of.
const NAME_TRIES: usize = 16;
/// A file younger than this is never a leftover: it may be a download's that has not taken its lock yet (a matter
/// of microseconds).
pub const STALE_AFTER: Duration = Duration::from_secs(10);

/// `.NAME.`: how every temporary file for `name` begins.
fn prefix(name: &OsStr) -> Vec<u8> {
    [b".", name.as_encoded_bytes(), b"."].concat()
}

/// Creates a new temporary file for `name` in `dir`, private (0600) and locked while it is open. It is created
/// only if its name is free (`O_EXCL`): a name that is taken is tried again with other digits.
pub fn create(dir: &Path, name: &OsStr) -> io::Result<NamedTempFile> {
    let mut tries = 0;
    loop {
        // std's hasher is keyed with fresh random keys for every `RandomState`: the hash of the time is a number
        // no one can guess, and different at every call.
        let random = RandomState::new().hash_one(Instant::now());
        let mut file_name = OsString::from(".");
        file_name.push(name);
        file_name.push(format!(".{random:0width$x}", width = HEX_DIGITS));
        // No random characters of tempfile's own: the name is complete.
        match tempfile::Builder::new()
            .prefix(&file_name)
            .suffix(SUFFIX)
            .rand_bytes(0)
            .tempfile_in(dir)
        {
            Ok(file) => {
                // Best effort: on a file system without locks the download still runs, and a later cleanup,
                // unable to lock the file either, leaves it alone.
                let _ = file.as_file().try_lock();
                return Ok(file);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && tries < NAME_TRIES => tries += 1,
            Err(e) => return Err(e),
        }
    }
}

/// Whether `file_name` is the name of a temporary file for `name`: `.NAME.`, 16 lowercase hex digits, `.part`.
pub fn is_temp_name(file_name: &OsStr, name: &OsStr) -> bool {
    let digits = file_name
        .as_encoded_bytes()
        .strip_prefix(prefix(name).as_slice())
        .and_then(|rest| rest.strip_suffix(SUFFIX.as_bytes()));
    digits.is_some_and(|d| d.len() == HEX_DIGITS && d.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

/// Removes the temporary files for `name` in `dir` that downloads killed outright left (see the module doc).
/// Returns each file removed, with its size.
pub fn remove_leftovers(dir: &Path, name: &OsStr) -> Vec<(PathBuf, u64)> {
    let mut removed = Vec::new();
    // A folder that cannot be read: the download will fail to create its own file there and say so.
    let Ok(entries) = std::fs::read_dir(dir) else {
        return removed;
    };
    for entry in entries.flatten() {
        if !is_temp_name(&entry.file_name(), name) {
            continue;
        }
        // The entry's own type: a link is a link, not what it points to.
        let Ok(meta) = entry.metadata() else { continue };
        let path = entry.path();
        if meta.is_file() && is_stale(&meta) && !in_use(&path) && std::fs::remove_file(&path).is_ok() {
            removed.push((path, meta.len()));
        }
    }
    removed
}

/// Whether the file has not changed for [`STALE_AFTER`] (a time in the future counts as now).
fn is_stale(meta: &std::fs::Metadata) -> bool {
    let changed = meta.modified().unwrap_or_else(|_| SystemTime::now());
    SystemTime::now()
        .duration_since(changed)
        .is_ok_and(|age| age >= STALE_AFTER)
}

/// Whether a running download holds the file: it does if the file cannot be locked (or not even opened).
fn in_use(path: &Path) -> bool {
    let Ok(file) = File::open(path) else { return true };
    file.try_lock().is_err()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_shape_for_the_same_name_is_a_temporary_file() {
        let name = OsStr::new("x.bin");
        assert!(is_temp_name(OsStr::new(".x.bin.0123456789abcdef.part"), name));
        for other in [
            ".x.bin.keepme.part",
            ".x.bin.0123456789ABCDEF.part",
            ".x.bin.0123456789abcde.part",
            ".x.bin.0123456789abcdef0.part",
            ".x.bin.0123456789abcdef",
            "x.bin.0123456789abcdef.part",
            ".y.bin.0123456789abcdef.part",
            ".xx.bin.0123456789abcdef.part",
        ] {
            assert!(!is_temp_name(OsStr::new(other), name), "{other}");
        }
    }

    #[test]
    fn a_new_file_has_the_shape_and_is_locked() {
        let dir = tempfile::tempdir().unwrap();
        let name = OsStr::new("x.bin");
        let (a, b) = (create(dir.path(), name).unwrap(), create(dir.path(), name).unwrap());
        assert_ne!(a.path(), b.path());
        assert!(is_temp_name(a.path().file_name().unwrap(), name));
        assert!(in_use(a.path()), "locked while open");
    }
}
