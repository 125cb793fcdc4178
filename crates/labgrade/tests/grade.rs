//! Grading a folder of four submissions with the real labs: a solved copy, the skeletons, a copy whose lab 7
//! hangs, and a copy whose tests were edited to pass. Needs exercises/solutions/ (absent from a copy handed out to
//! students, where this test says so and checks nothing else).
// Tests may unwrap: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn project() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// A student's copy: every lab's skeleton and tests, as the project ships them.
fn copy_of_exercises(to: &Path) {
    let exercises = project().join("exercises");
    for entry in fs::read_dir(&exercises).unwrap() {
        let lab = entry.unwrap().path();
        if !lab.join("src/lib.rs").is_file() {
            continue;
        }
        let dest = to.join(lab.file_name().unwrap());
        for part in ["src", "tests"] {
            fs::create_dir_all(dest.join(part)).unwrap();
            for file in fs::read_dir(lab.join(part)).unwrap() {
                let file = file.unwrap().path();
                fs::copy(&file, dest.join(part).join(file.file_name().unwrap())).unwrap();
            }
        }
    }
}

const HANGING_DOWNLOAD: &str = "
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

pub fn download(socket: &UdpSocket, server: SocketAddr, filename: &str, timeout: Duration) -> io::Result<Vec<u8>> {
    let _ = (socket, server, filename, timeout);
    loop {
        std::thread::sleep(Duration::from_secs(1));
    }
}
";

#[test]
fn four_submissions_get_the_right_grades() {
    let solutions = project().join("exercises/solutions");
    if !solutions.is_dir() {
        eprintln!("exercises/solutions/ is not in this copy: nothing to grade against");
        return;
    }
    let class = tempfile::tempdir().unwrap();
    for student in ["solved", "skeleton", "hanging", "edited-tests"] {
        copy_of_exercises(&class.path().join(student));
    }
    for solution in fs::read_dir(&solutions).unwrap() {
        let solution = solution.unwrap().path();
        let lab = solution.file_stem().unwrap();
        for student in ["solved", "hanging"] {
            fs::copy(&solution, class.path().join(student).join(lab).join("src/lib.rs")).unwrap();
        }
    }
    // Lab 7 that never returns; and lab 1 left unsolved, with tests that pass whatever it does.
    fs::write(
        class.path().join("hanging/07-tftp-download/src/lib.rs"),
        HANGING_DOWNLOAD,
    )
    .unwrap();
    let edited = class.path().join("edited-tests/01-subnet-math");
    fs::write(edited.join("tests/lab.rs"), "#[test]\nfn everything_is_fine() {}\n").unwrap();
    let skeleton = fs::read_to_string(edited.join("src/lib.rs")).unwrap();
    fs::write(
        edited.join("src/lib.rs"),
        skeleton + "// changed, so that it counts as attempted\n",
    )
    .unwrap();

    let json = class.path().join("grades.json");
    let csv = class.path().join("grades.csv");
    let out = Command::new(env!("CARGO_BIN_EXE_labgrade"))
        .arg(class.path())
        .args(["--timeout", "30", "--json"])
        .arg(&json)
        .arg("--csv")
        .arg(&csv)
        .arg("--exercises")
        .arg(project().join("exercises"))
        .arg("--work")
        .arg(project().join("target/labgrade-test"))
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{table}{}", String::from_utf8_lossy(&out.stderr));

    let grades: Value = serde_json::from_str(&fs::read_to_string(&json).unwrap()).unwrap();
    let student = |name: &str| {
        grades["students"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["student"] == name)
            .unwrap()
            .clone()
    };
    let statuses = |name: &str| -> Vec<String> {
        student(name)["labs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["status"].as_str().unwrap().to_string())
            .collect()
    };
    let labs = grades["labs"].as_array().unwrap().len();
    assert_eq!(student("solved")["score"], labs, "{table}");
    assert_eq!(student("skeleton")["score"], 0, "{table}");
    assert!(statuses("skeleton").iter().all(|s| s == "not attempted"), "{table}");
    assert_eq!(student("hanging")["score"], labs - 1, "{table}");
    assert_eq!(statuses("hanging")[6], "timed out", "{table}");
    assert_eq!(
        statuses("edited-tests")[0],
        "failed",
        "graded with the project's tests, not the student's: {table}"
    );

    let rows = fs::read_to_string(&csv).unwrap();
    let header = rows.lines().next().unwrap();
    assert!(
        header.starts_with("student,lab1,lab2") && header.ends_with(",total,notes"),
        "{header}"
    );
    let hanging_row = rows.lines().find(|l| l.starts_with("hanging,")).unwrap();
    assert!(
        hanging_row.contains(",0,") && hanging_row.contains("lab 7: timed out"),
        "{hanging_row}"
    );
}
