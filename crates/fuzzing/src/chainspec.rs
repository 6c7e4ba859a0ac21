//! genesis.json as `cloister init` and `--genesis` read it: geth's format plus the `cloister`
//! section, then what the node derives from it at start (fork rules, blob parameters, the
//! genesis header and hash, the chain's policy).

use crate::setup::violated;
use cloister_chainspec::ChainSpec;
use cloister_policy::{Policy, PolicyDocument};

/// Parses `data` as genesis JSON and, if it is accepted, derives everything a node would.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(spec) = ChainSpec::from_genesis_json(text) else {
        return;
    };
    assert!(spec.validate().is_ok(), "an accepted spec re-validates");
    let header = spec.genesis_header();
    assert_eq!(header.hash_slow(), spec.genesis_hash(), "genesis hash");
    // Fork rules and fees at, around and far after genesis.
    for (number, timestamp) in [
        (header.number, header.timestamp),
        (
            header.number.saturating_add(1),
            header.timestamp.saturating_add(12),
        ),
        (u64::MAX, u64::MAX),
    ] {
        let _ = spec.spec_id_at(number, timestamp);
        let _ = spec.blob_params_at_timestamp(timestamp);
        let _ = spec.is_eip155_active_at_block(number);
    }
    let _ = spec.next_block_base_fee(&header, header.timestamp.saturating_add(12));
    // The node's reading of the `cloister` section (crates/node, `genesis_policy`).
    if let Some(cloister) = spec.cloister()
        && let Ok(document) = PolicyDocument::from_json(&cloister.policy)
    {
        let _ = Policy::new(document);
    }
    // Parsing is deterministic: the same text gives the same chain.
    match ChainSpec::from_genesis_json(text) {
        Ok(again) => assert_eq!(again.genesis_hash(), spec.genesis_hash(), "reparse"),
        Err(err) => violated(format!("accepted text refused on a second parse: {err}")),
    }
}
