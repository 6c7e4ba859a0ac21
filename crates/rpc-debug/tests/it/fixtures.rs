//! The execution-apis debug_* fixtures (hive's rpc-compat tests), replayed against a node that
//! imported the fixture chain, compared by hive's rules: error messages are ignored, everything
//! else must match exactly; speconly tests are counted separately (hive only checks their
//! schema). Skipped when the fixtures are not on this machine or the importer is not built.

use serde_json::Value;
use std::path::{Path, PathBuf};

const FIXTURES: &str = "../../../shared/conformance/execution-apis";

struct Exchange {
    request: String,
    expected: Value,
}

struct Fixture {
    name: String,
    speconly: bool,
    exchanges: Vec<Exchange>,
}

fn load(dir: &Path) -> Vec<Fixture> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("debug_"))
        .flat_map(|e| {
            std::fs::read_dir(e.path())
                .unwrap()
                .flatten()
                .map(|f| f.path())
        })
        .filter(|p| p.extension().is_some_and(|x| x == "io"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let mut fixture = Fixture {
                name: path.strip_prefix(dir).unwrap().display().to_string(),
                speconly: false,
                exchanges: Vec::new(),
            };
            let mut pending = None;
            for line in text.lines() {
                if let Some(comment) = line.strip_prefix("//") {
                    fixture.speconly |= comment.trim_start().starts_with("speconly:");
                } else if let Some(request) = line.strip_prefix(">> ") {
                    pending = Some(request.to_owned());
                } else if let Some(response) = line.strip_prefix("<< ") {
                    fixture.exchanges.push(Exchange {
                        request: pending.take().unwrap(),
                        expected: serde_json::from_str(response).unwrap(),
                    });
                }
            }
            fixture
        })
        .collect()
}

/// Removes `message` from every error object, as hive does before comparing.
fn strip_messages(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Object(error)) = map.get_mut("error") {
                error.remove("message");
            }
            map.values_mut().for_each(strip_messages);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_messages),
        _ => {}
    }
}

/// Where two values first differ, for the log.
fn first_difference(expected: &Value, actual: &Value, path: &str) -> Option<String> {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for key in e.keys().chain(a.keys()) {
                let here = format!("{path}.{key}");
                match (e.get(key), a.get(key)) {
                    (Some(x), Some(y)) => {
                        if let Some(d) = first_difference(x, y, &here) {
                            return Some(d);
                        }
                    }
                    (x, y) => return Some(format!("{here}: expected {x:?}, got {y:?}")),
                }
            }
            None
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                return Some(format!(
                    "{path}: {} items expected, got {}",
                    e.len(),
                    a.len()
                ));
            }
            e.iter()
                .zip(a)
                .enumerate()
                .find_map(|(i, (x, y))| first_difference(x, y, &format!("{path}[{i}]")))
        }
        (e, a) if e == a => None,
        (e, a) => Some(format!("{path}: expected {e}, got {a}")),
    }
}

#[tokio::test]
async fn debug_fixtures_match_geth() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURES);
    if !dir.join("chain.rlp").exists() {
        eprintln!("fixtures not found at {}: skipped", dir.display());
        return;
    }
    let datadir = tempfile::tempdir().unwrap();
    let genesis = std::fs::read_to_string(dir.join("genesis.json")).unwrap();
    if let Err(err) = cloister_node::init(datadir.path(), &genesis) {
        eprintln!("init failed ({err}): skipped");
        return;
    }
    if let Err(err) = cloister_node::import_file(datadir.path(), &dir.join("chain.rlp")) {
        eprintln!("import failed ({err}): skipped");
        return;
    }
    let mut config = cloister_node::NodeConfig::dev(datadir.path().to_path_buf(), 0);
    config.dev = false;
    let node = cloister_node::launch(config).await.unwrap();
    let http = reqwest::Client::new();

    let (mut exact, mut speconly_exact, mut speconly_ok, mut failed) = (0, 0, 0, Vec::new());
    let fixtures = load(&dir);
    for fixture in &fixtures {
        let mut matches = true;
        let mut well_formed = true;
        for exchange in &fixture.exchanges {
            let response = http
                .post(node.http_url())
                .header("content-type", "application/json")
                .body(exchange.request.clone())
                .send()
                .await
                .unwrap();
            let mut actual: Value = response.json().await.unwrap();
            let mut expected = exchange.expected.clone();
            well_formed &= actual.get("error").is_none() == expected.get("error").is_none();
            strip_messages(&mut actual);
            strip_messages(&mut expected);
            if let Some(difference) = first_difference(&expected, &actual, "") {
                matches = false;
                eprintln!("{}: {difference}", fixture.name);
            }
        }
        match (fixture.speconly, matches, well_formed) {
            (false, true, _) => exact += 1,
            (true, true, _) => speconly_exact += 1,
            (true, false, true) => speconly_ok += 1,
            _ => failed.push(fixture.name.clone()),
        }
    }
    eprintln!(
        "debug fixtures: {} total, {exact} exact, {speconly_exact} speconly exact, \
         {speconly_ok} speconly with a different but non-error answer, failed: {failed:?}",
        fixtures.len()
    );
    node.stop().await;
    assert!(failed.is_empty(), "failed fixtures: {failed:?}");
}
