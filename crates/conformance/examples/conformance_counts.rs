//! Prints per-fork pass/fail/skip counts of the blockchain and state tests of both fixture sets
//! (`ethereum-tests` with the bundled skip list, `ethereum-tests-collision` with none), and the
//! first failures: `cargo run -p cloister-conformance --example conformance_counts [ROOT] [-v]`
//! (ROOT: another `ethereum-tests` directory; then only that set runs).

use cloister_conformance::{
    COLLISION_TESTS, ETHEREUM_TESTS, SkipList, run_blockchain_suite, run_state_suite,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "-v");
    let root_arg = args.iter().find(|a| !a.starts_with('-'));
    let bundled = SkipList::bundled()?;
    let none = SkipList::default();
    let mut sets = vec![(
        "",
        root_arg
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| ETHEREUM_TESTS.root()),
        ETHEREUM_TESTS,
        &bundled,
    )];
    if root_arg.is_none() {
        sets.push(("collision ", COLLISION_TESTS.root(), COLLISION_TESTS, &none));
    }
    for (prefix, root, set, skip) in sets {
        for (title, report) in [
            (
                format!("{prefix}blockchain tests"),
                run_blockchain_suite(&root, set.blockchain_dirs, skip)?,
            ),
            (
                format!("{prefix}state tests"),
                run_state_suite(&root, set.state_dirs, skip)?,
            ),
        ] {
            println!("{}", report.table(&title));
            let shown = if verbose { usize::MAX } else { 20 };
            for (id, reason) in report.failures.iter().take(shown) {
                println!("FAIL {id}\n     {reason}");
            }
        }
    }
    Ok(())
}
