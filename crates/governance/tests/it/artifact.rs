//! The artifact against the interface: every function and event of `abi::ICloisterGovernance`
//! is in the compiled ABI with the same selector / topic, and the events Governor tools read
//! carry OpenZeppelin's signatures.

use alloy_sol_types::{SolEvent, SolInterface};
use cloister_governance::{
    abi::ICloisterGovernance::{self as gov, ICloisterGovernanceCalls, ICloisterGovernanceEvents},
    artifact::artifact,
};
use cloister_primitives::{B256, keccak256};
use std::collections::BTreeSet;

/// `name(type,...)` of an ABI JSON item (no tuple parameters in this interface's inputs).
fn signature(item: &serde_json::Value) -> String {
    let types: Vec<&str> = item["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|input| {
            let ty = input["type"].as_str().unwrap();
            assert!(!ty.starts_with("tuple"), "tuple input in {item}");
            ty
        })
        .collect();
    format!("{}({})", item["name"].as_str().unwrap(), types.join(","))
}

fn hashes(kind: &str) -> BTreeSet<B256> {
    artifact()
        .unwrap()
        .abi
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| item["type"] == kind)
        .map(|item| keccak256(signature(item)))
        .collect()
}

#[test]
fn every_interface_function_is_in_the_artifact() {
    let compiled: BTreeSet<[u8; 4]> = hashes("function")
        .iter()
        .map(|hash| hash[..4].try_into().unwrap())
        .collect();
    for selector in ICloisterGovernanceCalls::selectors() {
        assert!(
            compiled.contains(&selector),
            "missing selector {selector:02x?}"
        );
    }
}

#[test]
fn every_interface_event_is_in_the_artifact() {
    let compiled = hashes("event");
    for topic in ICloisterGovernanceEvents::SELECTORS {
        assert!(
            compiled.contains(&B256::from(*topic)),
            "missing event {topic:02x?}"
        );
    }
    assert_eq!(compiled.len(), ICloisterGovernanceEvents::SELECTORS.len());
}

#[test]
fn governor_events_have_openzeppelins_signatures() {
    let openzeppelin = [
        (
            gov::ProposalCreated::SIGNATURE_HASH,
            "ProposalCreated(uint256,address,address[],uint256[],string[],bytes[],uint256,uint256,string)",
        ),
        (
            gov::VoteCast::SIGNATURE_HASH,
            "VoteCast(address,uint256,uint8,uint256,string)",
        ),
        (
            gov::ProposalExecuted::SIGNATURE_HASH,
            "ProposalExecuted(uint256)",
        ),
        (
            gov::ProposalCanceled::SIGNATURE_HASH,
            "ProposalCanceled(uint256)",
        ),
    ];
    let compiled = hashes("event");
    for (topic, canonical) in openzeppelin {
        assert_eq!(topic, keccak256(canonical), "{canonical}");
        assert!(
            compiled.contains(&topic),
            "{canonical} not emitted by the contract"
        );
    }
}

#[test]
fn artifact_is_solc_0_8_37_prague() {
    let artifact = artifact().unwrap();
    assert!(artifact.solc_version.starts_with("0.8.37+"));
    assert!(artifact.init_code.len() > artifact.runtime_code.len());
    // EIP-170: deployable as an ordinary contract too.
    assert!(artifact.runtime_code.len() <= 24_576);
}
