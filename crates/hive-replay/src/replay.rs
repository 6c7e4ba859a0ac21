//! Replaying tests against one node, in order, stopping each test at its first mismatch.

use crate::{
    client::RpcClient, compare::compare_response, fixtures::TestCase, report::TestOutcome,
    schema::ResultSchemas,
};

/// Runs every test against `url` and returns their outcomes in order.
pub async fn replay_tests(
    client: &RpcClient,
    url: &str,
    tests: &[TestCase],
    schemas: &ResultSchemas,
) -> Vec<TestOutcome> {
    let mut outcomes = Vec::with_capacity(tests.len());
    for test in tests {
        let result = replay_one(client, url, test, schemas).await;
        outcomes.push(TestOutcome {
            name: test.name.clone(),
            method: test.method.clone(),
            result,
        });
    }
    outcomes
}

async fn replay_one(
    client: &RpcClient,
    url: &str,
    test: &TestCase,
    schemas: &ResultSchemas,
) -> Result<(), String> {
    for (index, exchange) in test.exchanges.iter().enumerate() {
        let method = request_method(&exchange.request);
        let actual = client
            .post(url, &exchange.request)
            .await
            .map_err(|e| format!("request {}: {e}", index + 1))?;
        compare_response(&method, test.speconly, &exchange.expected, &actual, schemas)
            .map_err(|e| format!("request {} ({method}): {e}", index + 1))?;
    }
    Ok(())
}

/// The `method` of a request line (empty when it has none).
fn request_method(request: &str) -> String {
    serde_json::from_str::<serde_json::Value>(request)
        .ok()
        .and_then(|v| v.get("method").and_then(|m| m.as_str()).map(str::to_string))
        .unwrap_or_default()
}
