//! The blockchain and state test suites: per-fork counts printed, any non-skipped failure
//! fails the test.

use crate::conformance_dir;
use cloister_conformance::{SkipList, SuiteReport, run_blockchain_suite, run_state_suite};

fn check(title: &str, report: &SuiteReport) {
    println!("{}", report.table(title));
    for (id, reason) in &report.failures {
        println!("FAIL {id}\n     {reason}");
    }
    let total = report.total();
    assert!(total.passed > 0, "{title}: nothing ran");
    assert_eq!(total.failed, 0, "{title}: {} cases failed", total.failed);
}

#[test]
fn blockchain_tests_pass() {
    let root = conformance_dir().join("ethereum-tests");
    let report = run_blockchain_suite(&root, &SkipList::bundled().unwrap()).unwrap();
    check("blockchain tests", &report);
}

#[test]
fn state_tests_pass() {
    let root = conformance_dir().join("ethereum-tests");
    let report = run_state_suite(&root, &SkipList::bundled().unwrap()).unwrap();
    check("state tests", &report);
}
