//! The labs, the submissions, and the pristine tree the submissions are graded in.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// One lab from `labs.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lab {
    pub number: u32,
    /// Its folder under `exercises/`, e.g. `07-tftp-download`.
    pub folder: String,
}

impl Lab {
    /// Its Cargo package, e.g. `lab07-tftp-download` for the folder `07-tftp-download`.
    pub fn package(&self) -> String {
        format!("lab{}", self.folder)
    }
}

/// Reads the labs from `labs.toml`: the `number` and `folder` of each `[[lab]]` table, in order.
pub fn read_labs(labs_toml: &Path) -> Result<Vec<Lab>> {
    let text = fs::read_to_string(labs_toml).with_context(|| format!("cannot read {}", labs_toml.display()))?;
    let mut labs = Vec::new();
    let (mut number, mut folder) = (None, None);
    for line in text.lines().chain(std::iter::once("[[lab]]")) {
        let line = line.trim();
        if line == "[[lab]]" {
            if let (Some(number), Some(folder)) = (number.take(), folder.take()) {
                labs.push(Lab { number, folder });
            }
        } else if let Some((key, value)) = line.split_once('=') {
            let value = value.trim().trim_matches('"');
            match key.trim() {
                "number" => number = value.parse().ok(),
                "folder" => folder = Some(value.to_string()),
                _ => {}
            }
        }
    }
    if labs.is_empty() {
        bail!("{} lists no labs", labs_toml.display());
    }
    Ok(labs)
}

/// One student's copy of the labs: a folder holding the lab folders (`01-subnet-math/`, ...).
#[derive(Debug, Clone)]
pub struct Submission {
    /// The name in the report: the folder's name.
    pub student: String,
    pub exercises: PathBuf,
}

/// What PATH holds: one copy of `exercises/` (or of the whole repository, with `exercises/` inside), or a folder
/// with one such copy per student.
pub fn find_submissions(path: &Path, labs: &[Lab]) -> Result<Vec<Submission>> {
    if !path.is_dir() {
        bail!("{} is not a folder", path.display());
    }
    if let Some(exercises) = exercises_in(path, labs) {
        return Ok(vec![Submission {
            student: name_of(path),
            exercises,
        }]);
    }
    let mut found = Vec::new();
    for entry in fs::read_dir(path).with_context(|| format!("cannot list {}", path.display()))? {
        let folder = entry?.path();
        if folder.is_dir() {
            // A folder with no labs in it is still a student: every lab is "not attempted".
            let exercises = exercises_in(&folder, labs).unwrap_or_else(|| folder.clone());
            found.push(Submission {
                student: name_of(&folder),
                exercises,
            });
        }
    }
    if found.is_empty() {
        bail!(
            "{} holds no lab folders and no submissions (one folder per student)",
            path.display()
        );
    }
    found.sort_by(|a, b| a.student.cmp(&b.student));
    Ok(found)
}

fn exercises_in(folder: &Path, labs: &[Lab]) -> Option<PathBuf> {
    let has_labs = |dir: &Path| labs.iter().any(|lab| dir.join(&lab.folder).is_dir());
    if has_labs(folder) {
        Some(folder.to_path_buf())
    } else if has_labs(&folder.join("exercises")) {
        Some(folder.join("exercises"))
    } else {
        None
    }
}

fn name_of(path: &Path) -> String {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}

/// A pristine copy of the project's `exercises/`, into which one submission at a time is put.
#[derive(Debug)]
pub struct Tree {
    pub root: PathBuf,
    /// The project's `exercises/`: where the skeletons come from.
    project: PathBuf,
}

impl Tree {
    /// Copies the project's `exercises/` to `dest` (without solutions, wrong answers or builds) and points its
    /// paths to the project's crates, which stay where they are.
    pub fn create(project_exercises: &Path, dest: &Path) -> Result<Tree> {
        let project = project_exercises
            .canonicalize()
            .with_context(|| format!("cannot find the project's exercises at {}", project_exercises.display()))?;
        let crates = project
            .parent()
            .map(|p| p.join("crates"))
            .context("exercises/ has no parent folder")?;
        if dest.exists() {
            fs::remove_dir_all(dest).with_context(|| format!("cannot empty {}", dest.display()))?;
        }
        copy_dir(&project, dest, &|name| {
            !matches!(name, "solutions" | "wrong" | "target")
        })?;
        let crates = crates.display().to_string();
        for file in rust_files_and_manifests(dest)? {
            let text = fs::read_to_string(&file)?;
            let fixed = text
                .replace("\"../crates/", &format!("\"{crates}/"))
                .replace("\"../../../crates/", &format!("\"{crates}/"));
            if fixed != text {
                fs::write(&file, fixed)?;
            }
        }
        Ok(Tree {
            root: dest.to_path_buf(),
            project,
        })
    }

    /// Puts the submission's `src/` for `lab` in place of the tree's; returns false (and puts the skeleton back)
    /// when the student did not attempt the lab: no `src/lib.rs`, or one identical to the skeleton.
    pub fn put(&self, lab: &Lab, submission: &Submission) -> Result<bool> {
        let skeleton = self.project.join(&lab.folder).join("src");
        let theirs = submission.exercises.join(&lab.folder).join("src");
        let src = self.root.join(&lab.folder).join("src");
        fs::remove_dir_all(&src).ok();
        let attempted = theirs.join("lib.rs").is_file()
            && fs::read(theirs.join("lib.rs")).ok() != fs::read(skeleton.join("lib.rs")).ok();
        let from = if attempted { &theirs } else { &skeleton };
        copy_dir(from, &src, &|_| true)?;
        Ok(attempted)
    }

    pub fn manifest(&self) -> PathBuf {
        self.root.join("Cargo.toml")
    }
}

fn copy_dir(from: &Path, to: &Path, keep: &dyn Fn(&str) -> bool) -> Result<()> {
    fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    for entry in fs::read_dir(from).with_context(|| format!("cannot list {}", from.display()))? {
        let entry = entry?;
        let name = entry.file_name();
        if !keep(&name.to_string_lossy()) {
            continue;
        }
        let kind = entry.file_type()?;
        // Links are not followed: a submission cannot make us copy files from elsewhere.
        if kind.is_dir() {
            copy_dir(&entry.path(), &to.join(&name), keep)?;
        } else if kind.is_file() {
            fs::copy(entry.path(), to.join(&name))
                .with_context(|| format!("cannot copy {}", entry.path().display()))?;
        }
    }
    Ok(())
}

fn rust_files_and_manifests(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            found.extend(rust_files_and_manifests(&path)?);
        } else if path.extension().is_some_and(|e| e == "rs") || path.file_name().is_some_and(|n| n == "Cargo.toml") {
            found.push(path);
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labs_toml_is_read_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("labs.toml");
        fs::write(
            &file,
            "# x\n[[lab]]\nnumber = 1\nname = \"a = b\"\nfolder = \"01-a\"\n\n[[lab]]\nnumber = 2\nfolder = \"02-b\"\n",
        )
        .unwrap();
        let labs = read_labs(&file).unwrap();
        assert_eq!(
            labs,
            vec![
                Lab {
                    number: 1,
                    folder: "01-a".into()
                },
                Lab {
                    number: 2,
                    folder: "02-b".into()
                }
            ]
        );
        assert_eq!(labs[0].package(), "lab01-a");
    }

    #[test]
    fn a_folder_of_students_or_one_copy() {
        let labs = vec![Lab {
            number: 1,
            folder: "01-a".into(),
        }];
        let dir = tempfile::tempdir().unwrap();
        for path in ["class/ann/01-a/src", "class/bob/exercises/01-a/src", "class/cid"] {
            fs::create_dir_all(dir.path().join(path)).unwrap();
        }
        let class = find_submissions(&dir.path().join("class"), &labs).unwrap();
        let names: Vec<_> = class.iter().map(|s| s.student.as_str()).collect();
        assert_eq!(names, ["ann", "bob", "cid"]);
        assert!(class[1].exercises.ends_with("bob/exercises"));
        let one = find_submissions(&dir.path().join("class/ann"), &labs).unwrap();
        assert_eq!((one.len(), one[0].student.as_str()), (1, "ann"));
    }
}
