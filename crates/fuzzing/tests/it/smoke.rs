//! Per target: every file of `fuzz/corpus/<target>/`, then seeded mutations of them for a
//! bounded number of inputs and time. A failing input is written to the target directory's
//! `fuzz-failures/` (and its hex printed) before the panic is passed on.

use crate::mutate::{Rng, mutate};
use cloister_fuzzing::{TARGETS, Target};
use std::{
    panic::{AssertUnwindSafe, catch_unwind, resume_unwind},
    path::PathBuf,
    time::{Duration, Instant},
};

/// Mutated inputs per target, at most.
const MUTATIONS: usize = 50_000;
/// Time per target for mutated inputs, at most (debug builds on a CI machine).
const BUDGET: Duration = Duration::from_secs(8);

fn corpus_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(name)
}

pub fn corpus(name: &str) -> Vec<Vec<u8>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir(name))
        .map(|dir| dir.flatten().map(|entry| entry.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .filter_map(|path| std::fs::read(path).ok())
        .collect()
}

fn target(name: &str) -> Target {
    *TARGETS.iter().find(|t| t.name == name).unwrap()
}

/// Runs one input; on a panic, keeps the input before failing.
fn run_one(target: Target, input: &[u8]) {
    if let Err(panic) = catch_unwind(AssertUnwindSafe(|| (target.run)(input))) {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join(format!("{}-{:016x}", target.name, fnv(input)));
        let _ = std::fs::write(&path, input);
        eprintln!(
            "{} failed on {} (hex {})",
            target.name,
            path.display(),
            hex::encode(input)
        );
        resume_unwind(panic);
    }
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn smoke(name: &str) {
    let target = target(name);
    let corpus = corpus(name);
    assert!(!corpus.is_empty(), "fuzz/corpus/{name} is empty");
    for input in &corpus {
        run_one(target, input);
    }
    let mut rng = Rng::new(fnv(name.as_bytes()));
    let started = Instant::now();
    let mut runs = 0;
    while runs < MUTATIONS && started.elapsed() < BUDGET {
        let base = &corpus[rng.below(corpus.len())];
        let other = &corpus[rng.below(corpus.len())];
        run_one(target, &mutate(&mut rng, base, other));
        runs += 1;
    }
    eprintln!("{name}: {} corpus files, {runs} mutations", corpus.len());
}

macro_rules! smoke_tests {
    ($($name:ident),* $(,)?) => {
        $(#[test] fn $name() { smoke(stringify!($name)); })*

        #[test]
        fn every_target_has_a_smoke_test() {
            let tested = [$(stringify!($name)),*];
            for target in TARGETS {
                assert!(tested.contains(&target.name), "no smoke test for {}", target.name);
            }
        }
    };
}

smoke_tests!(
    tx,
    block_import,
    rpc,
    chainspec,
    policy,
    siwe,
    signin,
    ra_tls,
    dcap_quote,
    storage,
    peer_message,
);

/// Every registered RPC method is reachable by the structured mode (it picks among these).
#[test]
fn rpc_knows_every_namespace() {
    let methods = cloister_fuzzing::rpc::method_names();
    for prefix in [
        "eth_",
        "net_",
        "web3_",
        "txpool_",
        "debug_",
        "engine_",
        "testing_",
        "personal_",
    ] {
        assert!(
            methods.iter().any(|m| m.starts_with(prefix)),
            "no {prefix} method"
        );
    }
}
