//! Replays every input the fuzzers kept — `fuzz/corpus/<target>/` and `fuzz/regressions/<target>/` — through the
//! same functions, on stable, so `just test` covers them without a nightly toolchain.

use std::fs;
use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

fn inputs(folder: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_kept_input_still_passes() {
    let mut replayed = 0;
    for (name, target) in fuzzing::TARGETS {
        let corpus = inputs(&fuzz_dir().join("corpus").join(name));
        assert!(!corpus.is_empty(), "fuzz/corpus/{name}/ has no seed inputs");
        for file in corpus.iter().chain(&inputs(&fuzz_dir().join("regressions").join(name))) {
            let data = fs::read(file).expect("a corpus file is readable");
            let outcome = std::panic::catch_unwind(|| target(&data));
            assert!(outcome.is_ok(), "{name} panics on {} ({data:?})", file.display());
            replayed += 1;
        }
    }
    eprintln!("replayed {replayed} inputs");
}

#[test]
fn every_target_has_a_fuzz_target_file_and_every_file_a_target() {
    let names: Vec<&str> = fuzzing::TARGETS.iter().map(|(name, _)| *name).collect();
    let mut files: Vec<String> = inputs(&fuzz_dir().join("fuzz_targets"))
        .iter()
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    files.sort();
    let mut expected: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    expected.sort();
    assert_eq!(
        files, expected,
        "fuzz/fuzz_targets/*.rs and fuzzing::TARGETS must name the same targets"
    );
    let manifest = fs::read_to_string(fuzz_dir().join("Cargo.toml")).expect("fuzz/Cargo.toml");
    for name in names {
        assert!(
            manifest.contains(&format!("name = \"{name}\"")),
            "fuzz/Cargo.toml has no [[bin]] {name}"
        );
    }
}
