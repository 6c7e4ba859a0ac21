//! The blockchain and state test suites of both fixture sets: per-fork counts printed, any
//! failure fails the test. The collision set runs with an empty skip list: every case must pass.

use cloister_conformance::{
    COLLISION_TESTS, ETHEREUM_TESTS, FixtureSet, SkipList, SuiteReport, run_blockchain_suite,
    run_state_suite,
};

fn check(title: &str, report: &SuiteReport) {
    println!("{}", report.table(title));
    for (id, reason) in &report.failures {
        println!("FAIL {id}\n     {reason}");
    }
    let total = report.total();
    assert!(total.passed > 0, "{title}: nothing ran");
    assert_eq!(total.failed, 0, "{title}: {} cases failed", total.failed);
}

fn blockchain(set: FixtureSet, skip: &SkipList) -> Option<SuiteReport> {
    let root = cloister_fixtures::locate(&set.relative_path()).unwrap()?;
    Some(run_blockchain_suite(&root, set.blockchain_dirs, skip).unwrap())
}

fn state(set: FixtureSet, skip: &SkipList) -> Option<SuiteReport> {
    let root = cloister_fixtures::locate(&set.relative_path()).unwrap()?;
    Some(run_state_suite(&root, set.state_dirs, skip).unwrap())
}

#[test]
fn blockchain_tests_pass() {
    if let Some(report) = blockchain(ETHEREUM_TESTS, &SkipList::bundled().unwrap()) {
        check("blockchain tests", &report);
    }
}

#[test]
fn state_tests_pass() {
    if let Some(report) = state(ETHEREUM_TESTS, &SkipList::bundled().unwrap()) {
        check("state tests", &report);
    }
}

#[test]
fn collision_blockchain_tests_pass_unskipped() {
    if let Some(report) = blockchain(COLLISION_TESTS, &SkipList::default()) {
        check("collision blockchain tests", &report);
        assert_eq!(
            report.total().passed,
            192,
            "the set holds 192 blockchain cases"
        );
    }
}

#[test]
fn collision_state_tests_pass_unskipped() {
    if let Some(report) = state(COLLISION_TESTS, &SkipList::default()) {
        check("collision state tests", &report);
        assert_eq!(report.total().passed, 192, "the set holds 192 state cases");
    }
}
