//! `labgrade PATH`: grades one student's copy of `exercises/`, or a folder with one per student, with the
//! project's own tests. `just grade PATH` runs it from the top of the repository.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Parser;

use labgrade::{Graded, LabResult, Tree, labs, report, run};

/// Grade students' copies of the labs with the project's tests (only each lab's src/ is taken from a copy)
#[derive(Parser, Debug)]
#[command(after_help = "Examples:
  labgrade ~/submissions/ann                       one student's copy of exercises/ (or of the repository)
  labgrade ~/submissions --json grades.json --csv grades.csv
  labgrade ~/submissions --timeout 60 --labs 1,7")]
struct Cli {
    /// One student's copy of exercises/, or a folder with one copy per student
    path: PathBuf,
    /// Also write every lab and test, with the failure messages, as JSON
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Also write one row per student (1 or 0 per lab, the total) as CSV
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// How long one lab's tests may run, in seconds (1 to 3600)
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: u64,
    /// Only these labs (numbers, comma-separated)
    #[arg(long, value_delimiter = ',')]
    labs: Vec<u32>,
    /// The project's exercises/ folder, whose tests are used
    #[arg(long, default_value = "exercises")]
    exercises: PathBuf,
    /// Where to build (the pristine tree goes beside it)
    #[arg(long, default_value = "target/grade")]
    work: PathBuf,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match grade(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("labgrade: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn grade(cli: &Cli) -> Result<()> {
    let mut all_labs = labs::read_labs(&cli.exercises.join("labs.toml"))?;
    if !cli.labs.is_empty() {
        all_labs.retain(|lab| cli.labs.contains(&lab.number));
    }
    let submissions = labs::find_submissions(&cli.path, &all_labs)?;
    std::fs::create_dir_all(&cli.work).with_context(|| format!("cannot create {}", cli.work.display()))?;
    let work = cli.work.canonicalize()?;
    let tree = Tree::create(&cli.exercises, &work.join("tree"))?;
    let limit = Duration::from_secs(cli.timeout);
    let mut graded = Vec::new();
    for submission in &submissions {
        let mut results = Vec::new();
        for lab in &all_labs {
            let result = if tree.put(lab, submission)? {
                eprintln!("labgrade: {}, lab {}", submission.student, lab.number);
                run::run_lab(&tree.manifest(), &work.join("build"), lab, limit)?
            } else {
                LabResult::not_attempted(lab)
            };
            results.push(result);
        }
        graded.push(Graded {
            student: submission.student.clone(),
            labs: results,
        });
    }
    print!("{}", report::table(&all_labs, &graded));
    if let Some(path) = &cli.json {
        let text = serde_json::to_string_pretty(&report::json(&all_labs, &graded))?;
        std::fs::write(path, text + "\n").with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = &cli.csv {
        std::fs::write(path, report::csv(&all_labs, &graded))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}
