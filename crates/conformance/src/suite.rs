//! Running whole fixture trees in parallel (rayon) and counting passes, failures and skips per
//! fork.

use crate::{
    SkipList,
    blockchain::run_blockchain_case,
    fixture::{BlockchainCase, StateCase},
    state::run_state_entry,
};
use rayon::prelude::*;
use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

/// Blockchain test directories under the `ethereum-tests` fixture root.
pub const BLOCKCHAIN_DIRS: [&str; 3] = [
    "eest-stable-v5.4.0/blockchain_tests",
    "eest-develop-v5.4.0/blockchain_tests",
    "ethereum-tests-legacy/BlockchainTests",
];

/// State test directories under the `ethereum-tests` fixture root.
pub const STATE_DIRS: [&str; 3] = [
    "eest-stable-v5.4.0/state_tests",
    "eest-develop-v5.4.0/state_tests",
    "ethereum-tests-legacy/GeneralStateTests",
];

/// One fixture tree: its directory under `conformance/` in the fixture root, and its blockchain
/// and state test directories.
#[derive(Debug, Clone, Copy)]
pub struct FixtureSet {
    /// Directory under `conformance/` (e.g. `ethereum-tests`).
    pub dir: &'static str,
    /// Blockchain test directories under it.
    pub blockchain_dirs: &'static [&'static str],
    /// State test directories under it.
    pub state_dirs: &'static [&'static str],
}

impl FixtureSet {
    /// Path of the set under `conformance/`, relative to the fixture root.
    pub fn relative_path(&self) -> String {
        format!("conformance/{}", self.dir)
    }

    /// Where the set is ([`cloister_fixtures::root`] honours `$CLOISTER_FIXTURES`).
    pub fn root(&self) -> PathBuf {
        cloister_fixtures::path(&self.relative_path())
    }
}

/// The conformance subset of EEST v5.4.0 and the legacy suite (`PROVENANCE.md` there).
pub const ETHEREUM_TESTS: FixtureSet = FixtureSet {
    dir: "ethereum-tests",
    blockchain_dirs: &BLOCKCHAIN_DIRS,
    state_dirs: &STATE_DIRS,
};

/// Every EEST v5.4.0 case of a creation onto an address that holds storage (EIP-7610).
pub const COLLISION_TESTS: FixtureSet = FixtureSet {
    dir: "ethereum-tests-collision",
    blockchain_dirs: &["eest-stable-v5.4.0/blockchain_tests"],
    state_dirs: &["eest-stable-v5.4.0/state_tests"],
};

/// A fixture tree could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    /// A directory is missing or unreadable.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Counts of one fork.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Passed.
    pub passed: usize,
    /// Failed.
    pub failed: usize,
    /// Skipped by the skip list.
    pub skipped: usize,
}

/// The outcome of a suite.
#[derive(Debug, Default)]
pub struct SuiteReport {
    /// Counts per network or fork.
    pub per_fork: BTreeMap<String, Counts>,
    /// Failed case ids with the reason.
    pub failures: Vec<(String, String)>,
    /// Wall time.
    pub elapsed: Duration,
}

impl SuiteReport {
    /// All forks together.
    pub fn total(&self) -> Counts {
        self.per_fork
            .values()
            .fold(Counts::default(), |acc, c| Counts {
                passed: acc.passed + c.passed,
                failed: acc.failed + c.failed,
                skipped: acc.skipped + c.skipped,
            })
    }

    /// A table of the counts.
    pub fn table(&self, title: &str) -> String {
        let mut out = format!(
            "{title}\n{:<28} {:>7} {:>7} {:>7}\n",
            "fork", "pass", "fail", "skip"
        );
        for (fork, c) in &self.per_fork {
            out.push_str(&format!(
                "{fork:<28} {:>7} {:>7} {:>7}\n",
                c.passed, c.failed, c.skipped
            ));
        }
        let t = self.total();
        out.push_str(&format!(
            "{:<28} {:>7} {:>7} {:>7}   ({:.1}s)\n",
            "total",
            t.passed,
            t.failed,
            t.skipped,
            self.elapsed.as_secs_f64()
        ));
        out
    }

    fn add(&mut self, fork: &str, outcome: Outcome) {
        let counts = self.per_fork.entry(fork.to_string()).or_default();
        match outcome {
            Outcome::Passed => counts.passed += 1,
            Outcome::Skipped => counts.skipped += 1,
            Outcome::Failed(id, reason) => {
                counts.failed += 1;
                self.failures.push((id, reason));
            }
        }
    }
}

enum Outcome {
    Passed,
    Skipped,
    Failed(String, String),
}

/// Every `.json` file under `dir`, sorted.
fn json_files(dir: &Path) -> Result<Vec<PathBuf>, SuiteError> {
    let read_err = |source| SuiteError::Read {
        path: dir.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_err)? {
        let path = entry.map_err(read_err)?.path();
        if path.is_dir() {
            files.extend(json_files(&path)?);
        } else if path.extension().is_some_and(|ext| ext == "json") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Files of `dirs` under `root`, each with its id prefix (path under `root`).
fn fixture_files(root: &Path, dirs: &[&str]) -> Result<Vec<(String, PathBuf)>, SuiteError> {
    let mut files = Vec::new();
    for dir in dirs {
        for path in json_files(&root.join(dir))? {
            let id = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string();
            files.push((id, path));
        }
    }
    Ok(files)
}

/// Parses a fixture file into named cases; an unreadable file is one failure.
fn load<T: serde::de::DeserializeOwned>(path: &Path) -> Result<BTreeMap<String, T>, String> {
    let bytes = std::fs::read(path).map_err(|err| err.to_string())?;
    serde_json::from_slice(&bytes).map_err(|err| format!("fixture does not parse: {err}"))
}

/// Runs every blockchain test in `dirs` under `root` (a [`FixtureSet`]'s directories).
pub fn run_blockchain_suite(
    root: &Path,
    dirs: &[&str],
    skip: &SkipList,
) -> Result<SuiteReport, SuiteError> {
    let started = Instant::now();
    let files = fixture_files(root, dirs)?;
    let outcomes: Vec<(String, Outcome)> = files
        .par_iter()
        .flat_map_iter(|(file_id, path)| match load::<BlockchainCase>(path) {
            Err(reason) => vec![(
                "unparsed".to_string(),
                Outcome::Failed(file_id.clone(), reason),
            )],
            Ok(cases) => cases
                .into_par_iter()
                .map(|(name, case)| {
                    let id = format!("{file_id}::{name}");
                    let outcome = if skip.reason(&case.network, &id).is_some() {
                        Outcome::Skipped
                    } else {
                        match run_blockchain_case(&case) {
                            Ok(()) => Outcome::Passed,
                            Err(failure) => Outcome::Failed(id, failure.to_string()),
                        }
                    };
                    (case.network, outcome)
                })
                .collect(),
        })
        .collect();
    let mut report = SuiteReport::default();
    for (fork, outcome) in outcomes {
        report.add(&fork, outcome);
    }
    report.failures.sort();
    report.elapsed = started.elapsed();
    Ok(report)
}

/// Runs every state test entry in `dirs` under `root` (a [`FixtureSet`]'s directories).
pub fn run_state_suite(
    root: &Path,
    dirs: &[&str],
    skip: &SkipList,
) -> Result<SuiteReport, SuiteError> {
    let started = Instant::now();
    let files = fixture_files(root, dirs)?;
    let outcomes: Vec<(String, Outcome)> = files
        .par_iter()
        .flat_map_iter(|(file_id, path)| match load::<StateCase>(path) {
            Err(reason) => vec![(
                "unparsed".to_string(),
                Outcome::Failed(file_id.clone(), reason),
            )],
            Ok(cases) => cases
                .into_iter()
                .flat_map(|(name, case)| {
                    let mut entries = Vec::new();
                    for (fork, posts) in &case.post {
                        for (index, post) in posts.iter().enumerate() {
                            let id = format!("{file_id}::{name}::{fork}[{index}]");
                            let outcome = if skip.reason(fork, &id).is_some() {
                                Outcome::Skipped
                            } else {
                                match run_state_entry(&case, fork, post) {
                                    Ok(()) => Outcome::Passed,
                                    Err(failure) => Outcome::Failed(id, failure.to_string()),
                                }
                            };
                            entries.push((fork.clone(), outcome));
                        }
                    }
                    entries
                })
                .collect(),
        })
        .collect();
    let mut report = SuiteReport::default();
    for (fork, outcome) in outcomes {
        report.add(&fork, outcome);
    }
    report.failures.sort();
    report.elapsed = started.elapsed();
    Ok(report)
}
