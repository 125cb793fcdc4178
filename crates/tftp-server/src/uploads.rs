//! Unfinished uploads and their temporary files, none of which is ever left behind: removed when the upload
//! fails, when the server is stopped by a signal (SIGINT, SIGTERM, SIGHUP), and at the next start when the server
//! was killed outright.
//!
//! An upload is written to `.tftp-upload-` and 16 random hexadecimal digits (`.tftp-upload-3f9a0c17d2e4b685`)
//! beside its target, and put in place only when the last block has come. Only this server makes such names — no
//! request may name one (see [`crate::paths`]) — and no one types sixteen random digits by chance, so the cleanup
//! at start can tell them from a user's files (`.tftp-upload-keepme`, `.tftp-upload-notes.txt`): it removes
//! nothing else.
//!
//! Two servers may serve the same folder. While an upload runs, its file is locked (std's `File::try_lock`:
//! `flock` on Unix, `LockFileEx` on Windows), and the cleanup at start leaves a locked file alone: it belongs to a
//! server that is still running. A killed server's locks die with it.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::fs::File;
use std::hash::{BuildHasher, RandomState};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use crate::paths::UPLOAD_PREFIX;

/// How many random hexadecimal digits follow [`UPLOAD_PREFIX`] in a temporary upload file's name: a 64-bit
/// number, so a name of this shape is one this server made, not one a person chose.
const HEX_DIGITS: usize = 16;
/// Names to try before giving up when each is taken: a clash of two random 64-bit numbers is already unheard of.
const NAME_TRIES: usize = 16;

/// The unfinished uploads of one server: a handle that can be cloned into every session and a signal handler.
#[derive(Debug, Clone, Default)]
pub struct Uploads {
    registry: Arc<Mutex<Registry>>,
}

#[derive(Debug, Default)]
struct Registry {
    files: HashSet<PathBuf>,
    /// Set by [`Uploads::abandon_all`]: the process is about to exit, so nothing new is written or saved.
    abandoned: bool,
}

impl Uploads {
    /// No uploads yet.
    pub fn new() -> Self {
        Uploads::default()
    }

    fn lock(&self) -> MutexGuard<'_, Registry> {
        // A session that panicked while holding the lock left the set as it was; it is still right.
        self.registry.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Creates the temporary file of a new upload in `dir` (the target's folder, so that putting it in place is a
    /// rename on one file system), locked and counted until it is saved or dropped.
    pub fn start(&self, dir: &Path) -> io::Result<Unfinished> {
        // Created and counted under the lock, so that a signal handler either sees the file or stops its creation.
        let mut registry = self.lock();
        if registry.abandoned {
            return Err(io::Error::other("the server is stopping"));
        }
        let file = create_upload_file(dir)?;
        lock(file.as_file());
        registry.files.insert(file.path().to_path_buf());
        let counted = Counted {
            path: file.path().to_path_buf(),
            uploads: self.clone(),
        };
        Ok(Unfinished {
            file,
            _counted: counted,
        })
    }

    /// Removes the file of every unfinished upload, and from now on refuses to start or save one: for a signal
    /// handler, just before the process exits. Returns how many files were removed.
    pub fn abandon_all(&self) -> usize {
        let mut registry = self.lock();
        registry.abandoned = true;
        let files = std::mem::take(&mut registry.files);
        files.iter().filter(|path| std::fs::remove_file(path).is_ok()).count()
    }
}

/// The temporary file of an upload under way. Dropped without [`Unfinished::save`], it is removed.
#[derive(Debug)]
pub struct Unfinished {
    file: tempfile::NamedTempFile,
    /// Declared after `file`, so it drops after it: the file is gone before it stops being counted.
    _counted: Counted,
}

/// Counts a temporary file among the unfinished uploads for as long as it lives.
#[derive(Debug)]
struct Counted {
    path: PathBuf,
    uploads: Uploads,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.uploads.lock().files.remove(&self.path);
    }
}

impl Unfinished {
    /// The file to write the upload to.
    pub fn as_file(&self) -> &File {
        self.file.as_file()
    }

    /// The temporary file's path.
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// Puts the finished upload at `path`. With `replace` (`--writable`) it replaces whatever has the name (a
    /// rename, atomic). Without it the name must still be free at this moment, not only when the request came:
    /// another upload of the same name may have finished first, or anyone may have created the file since, and
    /// that file is never replaced — the error is then `AlreadyExists`. `persist_noclobber` links the file in only
    /// if the name is free: a rename that refuses to replace where the system has one, else a hard link (which
    /// fails if the name exists) and an unlink.
    pub fn save(self, path: &Path, replace: bool) -> io::Result<()> {
        let Unfinished {
            file,
            _counted: counted,
        } = self;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // A temporary file is private (0600); an uploaded file is an ordinary one.
            file.as_file().set_permissions(std::fs::Permissions::from_mode(0o644))?;
        }
        // Under the lock, so that a signal handler either removes the file first or finds it saved.
        let registry = counted.uploads.lock();
        if registry.abandoned {
            return Err(io::Error::other("the server is stopping"));
        }
        let placed = if replace {
            file.persist(path)
        } else {
            file.persist_noclobber(path)
        };
        drop(registry);
        // On failure the temporary file comes back inside the error, and is removed as it drops.
        placed.map(|_| ()).map_err(|e| e.error)
    }
}

/// Creates a new, empty, private file named [`UPLOAD_PREFIX`] and [`HEX_DIGITS`] random digits in `dir`. It is
/// created only if the name is free (`O_EXCL`), so a name that is taken is tried again with other digits.
fn create_upload_file(dir: &Path) -> io::Result<tempfile::NamedTempFile> {
    let mut tries = 0;
    loop {
        // std's hasher is keyed with fresh random keys for every `RandomState`: the hash of the time is a number
        // no one can guess, and different at every call.
        let random = RandomState::new().hash_one(Instant::now());
        let name = format!("{UPLOAD_PREFIX}{random:0width$x}", width = HEX_DIGITS);
        // No random characters of tempfile's own: the name is complete.
        match tempfile::Builder::new().prefix(&name).rand_bytes(0).tempfile_in(dir) {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && tries < NAME_TRIES => tries += 1,
            created => return created,
        }
    }
}

/// Whether `name` is one this module gives temporary files: the prefix and exactly sixteen lowercase hexadecimal
/// digits.
pub fn is_upload_name(name: &OsStr) -> bool {
    let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(UPLOAD_PREFIX)) else {
        return false;
    };
    rest.len() == HEX_DIGITS && rest.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Removes the temporary files of uploads that a server stopped without finishing (killed, or the machine went
/// down): every file under `root` with such a name that no running server holds. Symbolic links are not
/// followed, so nothing outside `root` is looked at. Returns each file removed, with its size.
pub fn remove_leftovers(root: &Path) -> Vec<(PathBuf, u64)> {
    let mut removed = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        // A folder that cannot be read holds nothing this server could have written either.
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            // The entry's own type: a link is a link, not what it points to.
            let Ok(kind) = entry.file_type() else { continue };
            let path = entry.path();
            if kind.is_dir() {
                folders.push(path);
            } else if kind.is_file() && is_upload_name(&entry.file_name()) && !in_use(&path) {
                let bytes = entry.metadata().map_or(0, |m| m.len());
                if std::fs::remove_file(&path).is_ok() {
                    removed.push((path, bytes));
                }
            }
        }
    }
    removed
}

/// Locks an upload's file for as long as it is open. Best effort: on a file system without locks the upload still
/// runs, and the cleanup at start, unable to lock the file either, leaves it alone.
fn lock(file: &File) {
    let _ = file.try_lock();
}

/// Whether a running server holds this file: it does if the file cannot be locked (or not even opened).
fn in_use(path: &Path) -> bool {
    let Ok(file) = File::open(path) else { return true };
    file.try_lock().is_err()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_exact_names_count_as_uploads() {
        for ours in [".tftp-upload-0123456789abcdef", ".tftp-upload-0000000000000000"] {
            assert!(is_upload_name(OsStr::new(ours)), "{ours}");
        }
        for theirs in [
            // A user's own files: before the fix six letters or digits were enough, and `keepme` was removed.
            ".tftp-upload-keepme",
            ".tftp-upload-abc123",
            ".tftp-upload-notes.txt",
            ".tftp-upload-0123456789abcde",
            ".tftp-upload-0123456789abcdef0",
            ".tftp-upload-0123456789ABCDEF",
            ".tftp-upload-0123456789abcdeg",
            "tftp-upload-0123456789abcdef",
            "x.tftp-upload-0123456789abcdef",
            ".tftp-upload-",
        ] {
            assert!(!is_upload_name(OsStr::new(theirs)), "{theirs}");
        }
    }

    #[test]
    fn an_upload_file_is_removed_unless_saved() {
        let dir = tempfile::tempdir().unwrap();
        let uploads = Uploads::new();
        let dropped = uploads.start(dir.path()).unwrap();
        assert!(is_upload_name(dropped.path().file_name().unwrap()));
        let other = uploads.start(dir.path()).unwrap();
        assert_ne!(dropped.path(), other.path(), "every upload gets a name of its own");
        drop((dropped, other));
        let saved = uploads.start(dir.path()).unwrap();
        std::io::Write::write_all(&mut saved.as_file(), b"data").unwrap();
        saved.save(&dir.path().join("f"), false).unwrap();
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["f"]);
        assert!(uploads.lock().files.is_empty());
    }

    #[test]
    fn abandoning_removes_every_unfinished_file_and_stops_new_ones() {
        let dir = tempfile::tempdir().unwrap();
        let uploads = Uploads::new();
        let (a, b) = (uploads.start(dir.path()).unwrap(), uploads.start(dir.path()).unwrap());
        assert_eq!(uploads.abandon_all(), 2);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        assert!(uploads.start(dir.path()).is_err(), "no new upload once stopping");
        assert!(a.save(&dir.path().join("a"), true).is_err(), "nor a save");
        drop(b);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn leftovers_are_removed_but_not_users_files_live_uploads_or_anything_behind_a_link() {
        let outer = tempfile::tempdir().unwrap();
        let root = outer.path().join("root");
        std::fs::create_dir_all(root.join("sub/deeper")).unwrap();
        let (a, b, c) = (
            ".tftp-upload-00000000000000aa",
            ".tftp-upload-00000000000000bb",
            ".tftp-upload-00000000000000cc",
        );
        std::fs::write(root.join(a), b"12345").unwrap();
        std::fs::write(root.join("sub/deeper").join(b), b"1").unwrap();
        std::fs::write(root.join(".tftp-upload-notes.txt"), b"a user's file").unwrap();
        std::fs::write(root.join(".tftp-upload-keepme"), b"a user's file").unwrap();
        std::fs::create_dir(outer.path().join("elsewhere")).unwrap();
        std::fs::write(outer.path().join("elsewhere").join(c), b"not ours to judge").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(outer.path().join("elsewhere"), root.join("link")).unwrap();
        // An upload under way, by this or another server: its file is locked.
        let live = Uploads::new().start(&root.join("sub")).unwrap();
        let live_path = live.path().to_path_buf();

        let mut removed = remove_leftovers(&root);
        removed.sort();
        assert_eq!(removed, [(root.join(a), 5), (root.join("sub/deeper").join(b), 1)]);
        assert!(live_path.exists(), "the live upload is kept");
        assert!(root.join(".tftp-upload-notes.txt").exists());
        assert!(root.join(".tftp-upload-keepme").exists());
        assert!(outer.path().join("elsewhere").join(c).exists());
        live.save(&root.join("sub/done"), false).unwrap();
    }
}
