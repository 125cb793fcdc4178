//! The grades on the terminal, as JSON (every test and message) and as CSV (one row per student, for a
//! spreadsheet or an LMS).

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::Graded;
use crate::labs::Lab;
use crate::run::{LabResult, Status};

/// The table: one row per student, one column per lab, the total; then what went wrong, lab by lab.
pub fn table(labs: &[Lab], graded: &[Graded]) -> String {
    let width = graded
        .iter()
        .map(|g| g.student.chars().count())
        .max()
        .unwrap_or(0)
        .max("student".len());
    let mut out = format!("{:width$}", "student");
    for lab in labs {
        let _ = write!(out, "  {:>9}", format!("lab {}", lab.number));
    }
    out.push_str("  total\n");
    for g in graded {
        let _ = write!(out, "{:width$}", g.student);
        for result in &g.labs {
            let _ = write!(out, "  {:>9}", cell(result));
        }
        let _ = writeln!(out, "  {}/{}", g.score(), labs.len());
    }
    out.push_str("(pass: all tests pass; 2/5: tests passed of those run; build: does not compile; time: timed out; -: not attempted)\n");
    for g in graded {
        for result in g
            .labs
            .iter()
            .filter(|r| matches!(r.status, Status::Failed | Status::CompileError | Status::TimedOut))
        {
            let _ = writeln!(
                out,
                "\n{}, lab {}: {}",
                g.student,
                result.lab.number,
                result.status.as_str()
            );
            if !result.compile_error.is_empty() {
                let _ = writeln!(out, "  {}", result.compile_error.replace('\n', "\n  "));
            }
            for test in result.tests.iter().filter(|t| t.status != "passed") {
                let first = test.message.lines().next().unwrap_or("");
                let _ = writeln!(out, "  {} {}: {first}", test.status, test.name);
            }
        }
    }
    out
}

fn cell(result: &LabResult) -> String {
    match result.status {
        Status::Passed => "pass".into(),
        Status::Failed => format!("{}/{}", result.passed_tests(), result.tests.len()),
        Status::CompileError => "build".into(),
        Status::TimedOut => "time".into(),
        Status::NotAttempted => "-".into(),
    }
}

/// Every student, lab and test, with the failure messages.
pub fn json(labs: &[Lab], graded: &[Graded]) -> Value {
    let students: Vec<Value> = graded
        .iter()
        .map(|g| {
            let results: Vec<Value> = g
                .labs
                .iter()
                .map(|r| {
                    let tests: Vec<Value> = r
                        .tests
                        .iter()
                        .map(|t| json!({"name": t.name, "status": t.status, "message": t.message}))
                        .collect();
                    json!({
                        "number": r.lab.number,
                        "folder": r.lab.folder,
                        "status": r.status.as_str(),
                        "points": u8::from(r.status == Status::Passed),
                        "tests_passed": r.passed_tests(),
                        "tests_run": r.tests.len(),
                        "compile_error": r.compile_error,
                        "tests": tests,
                    })
                })
                .collect();
            json!({"student": g.student, "score": g.score(), "out_of": labs.len(), "labs": results})
        })
        .collect();
    let labs: Vec<Value> = labs
        .iter()
        .map(|l| json!({"number": l.number, "folder": l.folder}))
        .collect();
    json!({"labs": labs, "students": students})
}

/// `student,lab1,...,labN,total,notes`: 1 for a lab that passes, else 0; notes say why a lab scored 0.
pub fn csv(labs: &[Lab], graded: &[Graded]) -> String {
    let mut out = String::from("student");
    for lab in labs {
        let _ = write!(out, ",lab{}", lab.number);
    }
    out.push_str(",total,notes\n");
    for g in graded {
        out.push_str(&csv_field(&g.student));
        for result in &g.labs {
            let _ = write!(out, ",{}", u8::from(result.status == Status::Passed));
        }
        let notes: Vec<String> = g
            .labs
            .iter()
            .filter(|r| r.status != Status::Passed)
            .map(|r| format!("lab {}: {}", r.lab.number, r.status.as_str()))
            .collect();
        let _ = writeln!(out, ",{},{}", g.score(), csv_field(&notes.join("; ")));
    }
    out
}

/// RFC 4180: a field with a comma, quote or line break is quoted, and its quotes doubled.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::TestResult;

    fn sample() -> (Vec<Lab>, Vec<Graded>) {
        let labs = vec![
            Lab {
                number: 1,
                folder: "01-a".into(),
            },
            Lab {
                number: 2,
                folder: "02-b".into(),
            },
        ];
        let failed = LabResult {
            lab: labs[1].clone(),
            status: Status::Failed,
            tests: vec![
                TestResult {
                    name: "t1".into(),
                    status: "passed",
                    message: String::new(),
                },
                TestResult {
                    name: "t2".into(),
                    status: "failed",
                    message: "got 1, want 2".into(),
                },
            ],
            compile_error: String::new(),
        };
        let passed = LabResult {
            status: Status::Passed,
            ..LabResult::not_attempted(&labs[0])
        };
        (
            labs,
            vec![Graded {
                student: "Lee, Ann".into(),
                labs: vec![passed, failed],
            }],
        )
    }

    #[test]
    fn csv_has_one_row_per_student_and_quotes_commas() {
        let (labs, graded) = sample();
        assert_eq!(
            csv(&labs, &graded),
            "student,lab1,lab2,total,notes\n\"Lee, Ann\",1,0,1,lab 2: failed\n"
        );
    }

    #[test]
    fn json_and_table_carry_the_failure() {
        let (labs, graded) = sample();
        let value = json(&labs, &graded);
        assert_eq!(value["students"][0]["labs"][1]["tests"][1]["message"], "got 1, want 2");
        assert_eq!(value["students"][0]["score"], 1);
        let text = table(&labs, &graded);
        assert!(text.contains("Lee, Ann       pass        1/2  1/2"), "{text}");
        assert!(text.contains("failed t2: got 1, want 2"), "{text}");
    }
}
