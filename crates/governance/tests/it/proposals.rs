//! Proposing: validation at `propose` (refusals carry the inner reason), required counts,
//! the OpenZeppelin `ProposalCreated` event, cancel and expiry.

use crate::chain::{Chain, action, addr, initial};
use alloy_sol_types::SolCall;
use cloister_evm::check_policy_json;
use cloister_governance::abi::ICloisterGovernance as gov;
use cloister_primitives::{Bytes, U256, primitives::aliases::U48};

const ACTIVE: u8 = 1;
const CANCELED: u8 = 2;
const EXPIRED: u8 = 6;

#[test]
fn propose_emits_openzeppelins_proposal_created() {
    let mut chain = Chain::new(&initial(5001, 6667));
    let add = action(gov::addMemberCall { member: addr(4) });
    let outcome = chain.send(
        addr(1),
        gov::proposeCall {
            actions: vec![add.clone().into()],
            description: "add 4".into(),
        },
    );
    let created = outcome.events::<gov::ProposalCreated>();
    assert_eq!(created.len(), 1);
    let event = &created[0];
    assert_eq!(event.proposalId, U256::from(1));
    assert_eq!(event.proposer, addr(1));
    assert_eq!(event.targets, vec![cloister_governance::GOVERNANCE_ADDRESS]);
    assert_eq!(event.values, vec![U256::ZERO]);
    assert_eq!(event.signatures, vec![String::new()]);
    assert_eq!(event.calldatas, vec![Bytes::from(add)]);
    assert_eq!(event.voteStart, U256::from(chain.timestamp));
    assert_eq!(event.voteEnd, U256::from(chain.timestamp + 100));
    assert_eq!(event.description, "add 4");

    assert_eq!(
        chain.view(gov::proposalCountCall {}).unwrap(),
        U256::from(1)
    );
    assert_eq!(chain.state_of(U256::from(1)), ACTIVE);
    let second = chain
        .propose(addr(2), vec![action(gov::admitNodeCall { node: addr(20) })])
        .unwrap();
    assert_eq!(second, U256::from(2));
}

#[test]
fn required_counts_use_add_or_remove_thresholds() {
    // 3 members: add 5001 bps → 2 votes, remove 6667 bps → 3 votes.
    let mut chain = Chain::new(&initial(5001, 6667));
    let cases: Vec<(Vec<Vec<u8>>, u32)> = vec![
        (
            vec![action(gov::addValidatorCall {
                validator: addr(12),
            })],
            2,
        ),
        (
            vec![action(gov::removeValidatorCall {
                validator: addr(11),
            })],
            3,
        ),
        (
            vec![
                action(gov::addValidatorCall {
                    validator: addr(12),
                }),
                action(gov::removeNodeCall { node: addr(20) }),
            ],
            3,
        ),
        (
            vec![action(gov::setRoleCall {
                account: addr(5),
                role: "auditor".into(),
                granted: true,
            })],
            2,
        ),
        (
            vec![action(gov::setPolicyCall {
                policyJson: Bytes::from_static(br#"{"mode":"confidential"}"#),
            })],
            3,
        ),
        (
            vec![action(gov::setThresholdsCall {
                addBps: 1,
                removeBps: 1,
                votingPeriod: 1,
            })],
            3,
        ),
    ];
    // The node at 20 is not admitted: removing it is refused at propose.
    let refused = chain.propose(addr(1), cases[2].0.clone()).unwrap_err();
    assert_eq!(refused, "not an admitted node");
    for (actions, required) in cases.into_iter().filter(|(actions, _)| actions.len() == 1) {
        let id = chain.propose(addr(1), actions).unwrap();
        let view = chain.view(gov::getProposalCall { proposalId: id }).unwrap();
        assert_eq!(view.required, required);
        assert_eq!(view.memberCount, 3);
        assert_eq!(view.state, ACTIVE);
        assert_eq!(view.proposer, addr(1));
    }
    // At least one vote even with 1 bps.
    let mut tiny = Chain::new(&initial(1, 1));
    let id = tiny
        .propose(
            addr(1),
            vec![action(gov::addMemberCall { member: addr(4) })],
        )
        .unwrap();
    assert_eq!(
        tiny.view(gov::getProposalCall { proposalId: id })
            .unwrap()
            .required,
        1
    );
}

#[test]
fn only_members_propose_something() {
    let mut chain = Chain::new(&initial(5001, 6667));
    let add = action(gov::addMemberCall { member: addr(4) });
    assert_eq!(
        chain.propose(addr(9), vec![add]).unwrap_err(),
        "only a member can propose"
    );
    assert_eq!(
        chain.propose(addr(1), vec![]).unwrap_err(),
        "a proposal needs at least one action"
    );
}

#[test]
fn invalid_policy_is_refused_with_the_parsers_reason() {
    let mut chain = Chain::new(&initial(5001, 6667));
    for json in [&br#"{"mode":"secret"}"#[..], b"{", br#"{"version":9}"#] {
        let reason = chain
            .propose(
                addr(1),
                vec![action(gov::setPolicyCall {
                    policyJson: Bytes::copy_from_slice(json),
                })],
            )
            .unwrap_err();
        assert_eq!(reason, check_policy_json(json).unwrap_err());
        assert!(reason.starts_with("policy: "), "{reason}");
    }
    assert_eq!(chain.view(gov::proposalCountCall {}).unwrap(), U256::ZERO);
}

#[test]
fn removing_the_last_validator_or_member_is_refused() {
    let mut chain = Chain::new(&initial(5001, 6667));
    let reason = chain
        .propose(
            addr(1),
            vec![
                action(gov::removeValidatorCall {
                    validator: addr(10),
                }),
                action(gov::removeValidatorCall {
                    validator: addr(11),
                }),
            ],
        )
        .unwrap_err();
    assert_eq!(reason, "no validator would remain");
    let members = (1..=3)
        .map(|n| action(gov::removeMemberCall { member: addr(n) }))
        .collect();
    assert_eq!(
        chain.propose(addr(1), members).unwrap_err(),
        "no member would remain"
    );
    // One at a time is fine.
    chain
        .propose(
            addr(1),
            vec![action(gov::removeValidatorCall {
                validator: addr(10),
            })],
        )
        .unwrap();
}

#[test]
fn unknown_actions_and_bad_entries_are_refused() {
    let mut chain = Chain::new(&initial(5001, 6667));
    let propose_itself = gov::proposeCall {
        actions: vec![],
        description: String::new(),
    }
    .abi_encode();
    for bad in [
        propose_itself,
        vec![0xde, 0xad],
        vec![0xde, 0xad, 0xbe, 0xef],
        action(gov::castVoteCall {
            proposalId: U256::from(1),
            support: 1,
        }),
    ] {
        assert_eq!(
            chain.propose(addr(1), vec![bad]).unwrap_err(),
            "unknown action"
        );
    }
    let refusals: Vec<(Vec<u8>, &str)> = vec![
        (
            action(gov::addMemberCall { member: addr(2) }),
            "already a member",
        ),
        (
            action(gov::removeMemberCall { member: addr(9) }),
            "not a member",
        ),
        (
            action(gov::addValidatorCall {
                validator: addr(10),
            }),
            "already a validator",
        ),
        (
            action(gov::removeValidatorCall { validator: addr(9) }),
            "not a validator",
        ),
        (
            action(gov::revokeMeasurementCall {
                id: Default::default(),
            }),
            "measurement not allowed",
        ),
        (
            action(gov::setRoleCall {
                account: addr(5),
                role: "king".into(),
                granted: true,
            }),
            "unknown role",
        ),
        (
            action(gov::setRoleCall {
                account: addr(5),
                role: "admin".into(),
                granted: false,
            }),
            "role not granted",
        ),
        (
            action(gov::setThresholdsCall {
                addBps: 7000,
                removeBps: 6000,
                votingPeriod: 10,
            }),
            "thresholds: need 1 <= addBps <= removeBps <= 10000",
        ),
        (
            action(gov::setThresholdsCall {
                addBps: 5000,
                removeBps: 6000,
                votingPeriod: 0,
            }),
            "thresholds: votingPeriod must be at least 1 second",
        ),
    ];
    for (bad, reason) in refusals {
        assert_eq!(chain.propose(addr(1), vec![bad]).unwrap_err(), reason);
    }
    // An action that contradicts an earlier one of the same proposal.
    let twice = vec![
        action(gov::admitNodeCall { node: addr(20) }),
        action(gov::admitNodeCall { node: addr(20) }),
    ];
    assert_eq!(
        chain.propose(addr(1), twice).unwrap_err(),
        "node already admitted"
    );
}

#[test]
fn actions_are_only_for_the_contract_itself() {
    let mut chain = Chain::new(&initial(5001, 6667));
    let outcome = chain.send(addr(1), gov::addMemberCall { member: addr(1) });
    assert_eq!(outcome.reason(), "only a proposal can do this");
    let outcome = chain.send(
        addr(1),
        gov::setPolicyCall {
            policyJson: Bytes::new(),
        },
    );
    assert_eq!(outcome.reason(), "only a proposal can do this");
}

#[test]
fn the_proposer_cancels_others_cannot() {
    let mut chain = Chain::new(&initial(5001, 6667));
    let id = chain
        .propose(
            addr(1),
            vec![action(gov::addMemberCall { member: addr(4) })],
        )
        .unwrap();
    let refused = chain.send(addr(2), gov::cancelCall { proposalId: id });
    assert_eq!(refused.reason(), "only the proposer can cancel");
    let canceled = chain.send(addr(1), gov::cancelCall { proposalId: id });
    let events = canceled.events::<gov::ProposalCanceled>();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].proposalId, id);
    assert_eq!(chain.state_of(id), CANCELED);
    assert_eq!(
        chain
            .send(addr(1), gov::cancelCall { proposalId: id })
            .reason(),
        "proposal is not active"
    );
    assert_eq!(
        chain.vote(addr(2), id, 1).reason(),
        "proposal is not active"
    );
}

#[test]
fn an_undecided_proposal_expires() {
    let mut chain = Chain::new(&initial(5001, 6667));
    let id = chain
        .propose(
            addr(1),
            vec![action(gov::addMemberCall { member: addr(4) })],
        )
        .unwrap();
    chain.vote(addr(1), id, 1).logs();
    chain.timestamp += 100;
    assert_eq!(chain.state_of(id), ACTIVE, "open through voteEnd");
    chain.timestamp += 1;
    assert_eq!(chain.state_of(id), EXPIRED);
    assert_eq!(
        chain.vote(addr(2), id, 1).reason(),
        "proposal is not active"
    );
    assert_eq!(
        chain
            .send(addr(1), gov::cancelCall { proposalId: id })
            .reason(),
        "proposal is not active"
    );
    assert!(!chain.view(gov::isMemberCall { account: addr(4) }).unwrap());
}

#[test]
fn unknown_proposals_are_refused() {
    let mut chain = Chain::new(&initial(5001, 6667));
    for id in [0u64, 1, 7] {
        let id = U256::from(id);
        assert_eq!(
            chain.view(gov::stateCall { proposalId: id }).unwrap_err(),
            "unknown proposal"
        );
        assert_eq!(
            chain
                .view(gov::getProposalCall { proposalId: id })
                .unwrap_err(),
            "unknown proposal"
        );
        assert_eq!(chain.vote(addr(1), id, 1).reason(), "unknown proposal");
    }
    assert_eq!(
        chain.view(gov::CLOCK_MODECall {}).unwrap(),
        "mode=timestamp"
    );
    assert_eq!(
        chain.view(gov::clockCall {}).unwrap(),
        U48::from(chain.timestamp)
    );
}
