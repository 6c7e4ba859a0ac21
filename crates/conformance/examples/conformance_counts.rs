//! Prints per-fork pass/fail/skip counts of the blockchain and state tests, and the first
//! failures: `cargo run -p cloister-conformance --example conformance_counts [ROOT] [-v]`.

use cloister_conformance::{SkipList, default_fixture_root, run_blockchain_suite, run_state_suite};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "-v");
    let root = args
        .iter()
        .find(|a| !a.starts_with('-'))
        .map(std::path::PathBuf::from)
        .unwrap_or_else(default_fixture_root);
    let skip = SkipList::bundled()?;
    for (title, report) in [
        ("blockchain tests", run_blockchain_suite(&root, &skip)?),
        ("state tests", run_state_suite(&root, &skip)?),
    ] {
        println!("{}", report.table(title));
        let shown = if verbose { usize::MAX } else { 20 };
        for (id, reason) in report.failures.iter().take(shown) {
            println!("FAIL {id}\n     {reason}");
        }
    }
    Ok(())
}
