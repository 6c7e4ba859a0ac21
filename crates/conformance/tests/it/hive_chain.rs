//! The hive rpc-compat chain (54 blocks, Frontier rules through the merge to Osaka and BPO2)
//! imported by `cloister_node::import_file` into a datadir made by `cloister_node::init`.

use cloister_primitives::B256;
use std::path::Path;

fn expected_head(fixtures: &Path) -> B256 {
    let fcu: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures.join("headfcu.json")).unwrap())
            .unwrap();
    fcu["params"][0]["headBlockHash"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn hive_chain_imports_to_the_expected_head() {
    let fixtures = cloister_fixtures::require!("conformance/execution-apis");
    let genesis = std::fs::read_to_string(fixtures.join("genesis.json")).unwrap();
    let datadir = tempfile::tempdir().unwrap();
    cloister_node::init(datadir.path(), &genesis).unwrap();
    let summary = cloister_node::import_file(datadir.path(), &fixtures.join("chain.rlp")).unwrap();
    assert_eq!(summary.head, 54);
    assert_eq!(summary.imported, 54);

    // Importing again skips every block and changes nothing.
    let again = cloister_node::import_file(datadir.path(), &fixtures.join("chain.rlp")).unwrap();
    assert_eq!((again.imported, again.skipped, again.head), (0, 54, 54));

    let reader = cloister_node::open_store(datadir.path(), cloister_node::TeeMode::None)
        .unwrap()
        .reader()
        .unwrap();
    assert_eq!(
        reader.canonical_hash(54).unwrap(),
        Some(expected_head(&fixtures))
    );
}

#[test]
fn import_into_an_uninitialised_datadir_fails() {
    let fixtures = cloister_fixtures::require!("conformance/execution-apis");
    let datadir = tempfile::tempdir().unwrap();
    assert!(cloister_node::import_file(datadir.path(), &fixtures.join("chain.rlp")).is_err());
}
