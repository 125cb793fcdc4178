//! # labgrade — grade students' copies of the labs with the project's tests
//!
//! A student can edit anything in their copy, tests included, so nothing is run from it but the files students
//! are meant to write: each lab's `src/`. Those are copied into a pristine tree made from the project's own
//! `exercises/` (tests, support code, manifests), and each lab's tests run there with a time limit.
//!
//! ## Layout
//! - [`labs`]: the list of labs (`exercises/labs.toml`), finding submissions, the pristine tree.
//! - [`run`]: building and running one lab's tests with a time limit, and reading libtest's output.
//! - [`report`]: the terminal table, JSON and CSV.

pub mod labs;
pub mod report;
pub mod run;

pub use labs::{Lab, Submission, Tree};
pub use run::{LabResult, Status, TestResult};

/// One student's results, lab by lab, in the order of `labs.toml`.
#[derive(Debug, Clone)]
pub struct Graded {
    pub student: String,
    pub labs: Vec<LabResult>,
}

impl Graded {
    /// Labs whose tests all pass: one point each.
    pub fn score(&self) -> usize {
        self.labs.iter().filter(|lab| lab.status == Status::Passed).count()
    }
}
