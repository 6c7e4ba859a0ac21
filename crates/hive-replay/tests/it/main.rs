//! The whole hive rpc-compat replay against an in-process node: fails when a test that is not
//! listed in hive-tests/expected-failures.txt fails. Skipped when the execution-apis or openrpc
//! fixtures are missing outside CI (see `cloister-fixtures`).

// Test helpers outside #[test] functions may unwrap too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cloister_hive_replay::{ReplayOptions, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_all_fixtures_against_one_node() {
    cloister_fixtures::require!("conformance/execution-apis");
    cloister_fixtures::require!("conformance/openrpc");
    let report = run(ReplayOptions::default()).await.expect("replay runs");
    println!("{}", report.render());
    let unexpected: Vec<&str> = report
        .unexpected_failures()
        .iter()
        .map(|o| o.name.as_str())
        .collect();
    assert!(unexpected.is_empty(), "unexpected failures: {unexpected:?}");
}

/// The schema check itself: every speconly fixture's expected answer (what geth returned) must
/// fit its method's result schema, or our validator is stricter than hive's.
#[test]
fn expected_speconly_results_fit_their_schemas() {
    cloister_fixtures::require!("conformance/execution-apis");
    cloister_fixtures::require!("conformance/openrpc");
    use cloister_hive_replay::{ReplayPaths, fixtures::load_tests, schema::ResultSchemas};
    let paths = ReplayPaths::default();
    let openrpc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&paths.openrpc).unwrap()).unwrap();
    let schemas = ResultSchemas::from_openrpc(&openrpc);
    let mut checked = 0;
    let mut misfits = Vec::new();
    for test in load_tests(&paths.fixtures)
        .unwrap()
        .iter()
        .filter(|t| t.speconly)
    {
        for exchange in &test.exchanges {
            let request: serde_json::Value = serde_json::from_str(&exchange.request).unwrap();
            let expected: serde_json::Value = serde_json::from_str(&exchange.expected).unwrap();
            let Some(result) = expected.get("result") else {
                continue;
            };
            let method = request["method"].as_str().unwrap();
            checked += 1;
            if let Err(why) = schemas.validate_result(method, result) {
                misfits.push(format!("{}: {why}", test.name));
            }
        }
    }
    assert!(checked >= 15, "only {checked} speconly results found");
    assert!(misfits.is_empty(), "{misfits:#?}");
}
