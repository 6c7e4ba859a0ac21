//! Voting: who may vote, the deciding vote applying the actions in its own transaction
//! (Executed or Failed), defeat, and thresholds snapshotted at proposal time.

use crate::chain::Outcome;
use crate::chain::{Chain, action, addr, initial};
use cloister_evm::check_policy_json;
use cloister_governance::{abi::ICloisterGovernance as gov, measurement, revert_reason};
use cloister_primitives::{B256, Bytes, U256, keccak256};

const ACTIVE: u8 = 1;
const DEFEATED: u8 = 3;
const EXECUTED: u8 = 7;
const FAILED: u8 = 8;

#[test]
fn reaching_the_threshold_applies_the_actions() {
    let mut chain = Chain::new(&initial(5001, 6667));
    let id = chain
        .propose(
            addr(1),
            vec![action(gov::addMemberCall { member: addr(4) })],
        )
        .unwrap();

    let first = chain.vote(addr(1), id, 1);
    let cast = first.events::<gov::VoteCast>();
    assert_eq!(cast.len(), 1);
    assert_eq!(
        (
            cast[0].voter,
            cast[0].proposalId,
            cast[0].support,
            cast[0].weight
        ),
        (addr(1), id, 1, U256::from(1))
    );
    assert_eq!(cast[0].reason, "");
    assert!(first.events::<gov::ProposalExecuted>().is_empty());
    assert_eq!(chain.state_of(id), ACTIVE);
    assert!(!chain.view(gov::isMemberCall { account: addr(4) }).unwrap());

    let deciding = chain.vote(addr(2), id, 1);
    assert_eq!(deciding.events::<gov::ProposalExecuted>().len(), 1);
    assert_eq!(deciding.events::<gov::MemberAdded>()[0].member, addr(4));
    assert_eq!(chain.state_of(id), EXECUTED);
    assert!(chain.view(gov::isMemberCall { account: addr(4) }).unwrap());
    let votes = chain
        .view(gov::proposalVotesCall { proposalId: id })
        .unwrap();
    assert_eq!(
        (votes.againstVotes, votes.forVotes, votes.abstainVotes),
        (U256::ZERO, U256::from(2), U256::ZERO)
    );
    assert!(
        chain
            .view(gov::hasVotedCall {
                proposalId: id,
                account: addr(2)
            })
            .unwrap()
    );
    assert!(
        !chain
            .view(gov::hasVotedCall {
                proposalId: id,
                account: addr(3)
            })
            .unwrap()
    );
    // Decided: no more votes.
    assert_eq!(
        chain.vote(addr(3), id, 1).reason(),
        "proposal is not active"
    );

    let state = chain.read();
    assert_eq!(state.members, vec![addr(1), addr(2), addr(3), addr(4)]);
    assert_eq!(state.config_version, 2);
}

#[test]
fn below_the_threshold_nothing_happens() {
    let mut chain = Chain::new(&initial(5001, 6667));
    let id = chain
        .propose(
            addr(1),
            vec![action(gov::removeValidatorCall {
                validator: addr(11),
            })],
        )
        .unwrap();
    chain.vote(addr(1), id, 1).logs();
    chain.vote(addr(2), id, 1).logs();
    chain.vote(addr(3), id, 2).logs();
    // Two of the three votes a removal needs; the abstention makes the third unreachable.
    assert_eq!(chain.state_of(id), DEFEATED);
    assert_eq!(chain.read().validators, vec![addr(10), addr(11)]);
    assert_eq!(chain.read().config_version, 1);
}

#[test]
fn against_votes_defeat_a_proposal() {
    let mut chain = Chain::new(&initial(5001, 6667));
    let id = chain
        .propose(addr(1), vec![action(gov::admitNodeCall { node: addr(20) })])
        .unwrap();
    chain.vote(addr(1), id, 0).logs();
    assert_eq!(
        chain.state_of(id),
        ACTIVE,
        "two members could still pass it"
    );
    chain.vote(addr(2), id, 0).logs();
    assert_eq!(chain.state_of(id), DEFEATED);
    assert_eq!(
        chain.vote(addr(3), id, 1).reason(),
        "proposal is not active"
    );
    assert!(chain.read().nodes.is_empty());
}

#[test]
fn each_member_votes_once_with_a_valid_support() {
    let mut chain = Chain::new(&initial(10000, 10000));
    let id = chain
        .propose(
            addr(1),
            vec![action(gov::addMemberCall { member: addr(4) })],
        )
        .unwrap();
    assert_eq!(
        chain.vote(addr(1), id, 3).reason(),
        "support must be 0 (against), 1 (for) or 2 (abstain)"
    );
    chain.vote(addr(1), id, 1).logs();
    assert_eq!(chain.vote(addr(1), id, 1).reason(), "already voted");
    assert_eq!(chain.vote(addr(1), id, 0).reason(), "already voted");
    assert_eq!(
        chain.vote(addr(9), id, 1).reason(),
        "not a member since the proposal was made"
    );
}

#[test]
fn members_added_after_a_proposal_do_not_vote_on_it() {
    let mut chain = Chain::new(&initial(5001, 6667));
    let older = chain
        .propose(addr(1), vec![action(gov::admitNodeCall { node: addr(20) })])
        .unwrap();
    let add = chain
        .propose(
            addr(1),
            vec![action(gov::addMemberCall { member: addr(4) })],
        )
        .unwrap();
    chain.vote(addr(1), add, 1).logs();
    chain.vote(addr(2), add, 1).logs();
    assert_eq!(chain.state_of(add), EXECUTED);

    assert_eq!(
        chain.vote(addr(4), older, 1).reason(),
        "not a member since the proposal was made"
    );
    let newer = chain
        .propose(addr(4), vec![action(gov::admitNodeCall { node: addr(21) })])
        .unwrap();
    // 4 members now: 3 votes for an addition.
    let view = chain
        .view(gov::getProposalCall { proposalId: newer })
        .unwrap();
    assert_eq!((view.memberCount, view.required), (4, 3));
    chain.vote(addr(4), newer, 1).logs();
}

#[test]
fn members_removed_after_a_proposal_do_not_vote_on_it() {
    let mut chain = Chain::new(&initial(5001, 5001));
    let older = chain
        .propose(addr(1), vec![action(gov::admitNodeCall { node: addr(20) })])
        .unwrap();
    let remove = chain
        .propose(
            addr(1),
            vec![action(gov::removeMemberCall { member: addr(3) })],
        )
        .unwrap();
    chain.vote(addr(1), remove, 1).logs();
    chain.vote(addr(2), remove, 1).logs();
    assert_eq!(chain.state_of(remove), EXECUTED);
    assert_eq!(
        chain.vote(addr(3), older, 1).reason(),
        "not a member since the proposal was made"
    );
}

#[test]
fn changing_thresholds_keeps_open_proposals_required_count() {
    let mut chain = Chain::new(&initial(5001, 6667));
    let open = chain
        .propose(
            addr(1),
            vec![action(gov::addValidatorCall {
                validator: addr(12),
            })],
        )
        .unwrap();
    let strict = chain
        .propose(
            addr(2),
            vec![action(gov::setThresholdsCall {
                addBps: 10000,
                removeBps: 10000,
                votingPeriod: 50,
            })],
        )
        .unwrap();
    for member in 1..=3 {
        chain.vote(addr(member), strict, 1).logs();
    }
    assert_eq!(chain.state_of(strict), EXECUTED);
    let state = chain.read();
    assert_eq!(
        (state.add_bps, state.remove_bps, state.voting_period),
        (10000, 10000, 50)
    );

    assert_eq!(
        chain
            .view(gov::getProposalCall { proposalId: open })
            .unwrap()
            .required,
        2
    );
    chain.vote(addr(1), open, 1).logs();
    chain.vote(addr(3), open, 1).logs();
    assert_eq!(chain.state_of(open), EXECUTED);
    assert_eq!(chain.read().validators, vec![addr(10), addr(11), addr(12)]);

    let later = chain
        .propose(
            addr(1),
            vec![action(gov::addValidatorCall {
                validator: addr(13),
            })],
        )
        .unwrap();
    let view = chain
        .view(gov::getProposalCall { proposalId: later })
        .unwrap();
    assert_eq!(view.required, 3);
    assert_eq!(view.voteEnd - view.voteStart, 50);
}

#[test]
fn a_failing_apply_fails_the_proposal_not_the_vote() {
    let mut chain = Chain::new(&initial(5001, 5001));
    let remove = || {
        vec![action(gov::removeValidatorCall {
            validator: addr(10),
        })]
    };
    let first = chain.propose(addr(1), remove()).unwrap();
    let second = chain.propose(addr(2), remove()).unwrap();
    chain.vote(addr(1), first, 1).logs();
    chain.vote(addr(2), first, 1).logs();
    assert_eq!(chain.state_of(first), EXECUTED);

    chain.vote(addr(1), second, 1).logs();
    let deciding = chain.vote(addr(3), second, 1);
    let failed = deciding.events::<gov::ProposalFailed>();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].proposalId, second);
    assert_eq!(revert_reason(&failed[0].reason), "not a validator");
    assert!(deciding.events::<gov::ProposalExecuted>().is_empty());
    assert_eq!(deciding.events::<gov::VoteCast>().len(), 1);
    assert_eq!(chain.state_of(second), FAILED);
    assert_eq!(chain.read().validators, vec![addr(11)]);
}

#[test]
fn a_failing_action_undoes_the_earlier_ones() {
    let mut chain = Chain::new(&initial(5001, 5001));
    let node_then_remove = vec![
        action(gov::admitNodeCall { node: addr(20) }),
        action(gov::removeValidatorCall {
            validator: addr(10),
        }),
    ];
    let doomed = chain.propose(addr(1), node_then_remove).unwrap();
    let first = chain
        .propose(
            addr(1),
            vec![action(gov::removeValidatorCall {
                validator: addr(10),
            })],
        )
        .unwrap();
    chain.vote(addr(1), first, 1).logs();
    chain.vote(addr(2), first, 1).logs();
    let version = chain.read().config_version;

    chain.vote(addr(1), doomed, 1).logs();
    chain.vote(addr(2), doomed, 1).logs();
    assert_eq!(chain.state_of(doomed), FAILED);
    let state = chain.read();
    assert!(state.nodes.is_empty(), "the node admission was rolled back");
    assert_eq!(state.config_version, version);
}

#[test]
fn read_state_follows_executed_proposals() {
    let mut chain = Chain::new(&initial(1, 1));
    let policy = Bytes::from_static(br#"{"mode":"confidential","defaultVisibility":"parties"}"#);
    let m = measurement(B256::repeat_byte(1), B256::repeat_byte(2), 3, 4);
    let actions = vec![
        action(gov::setPolicyCall {
            policyJson: policy.clone(),
        }),
        action(gov::allowMeasurementCall {
            mrenclave: m.mrenclave,
            mrsigner: m.mrsigner,
            productId: m.productId,
            minIsvSvn: m.minIsvSvn,
        }),
        action(gov::setRoleCall {
            account: addr(30),
            role: "auditor".into(),
            granted: true,
        }),
        action(gov::admitNodeCall { node: addr(20) }),
        action(gov::addValidatorCall {
            validator: addr(12),
        }),
        action(gov::removeMemberCall { member: addr(2) }),
    ];
    let id = chain.propose(addr(1), actions).unwrap();
    let applied = chain.vote(addr(1), id, 1);
    let replaced = applied.events::<gov::PolicyReplaced>();
    assert_eq!(replaced[0].version, 2);
    assert_eq!(replaced[0].documentHash, keccak256(&policy));
    assert_eq!(applied.events::<gov::MeasurementAllowed>()[0].id, m.id);

    let state = chain.read();
    assert_eq!(state.policy_json, policy);
    assert_eq!(state.policy_version, 2);
    assert_eq!(state.measurements, vec![m.clone()]);
    assert_eq!(state.roles, vec![(addr(30), "auditor".to_string())]);
    assert_eq!(state.nodes, vec![addr(20)]);
    assert_eq!(state.validators, vec![addr(10), addr(11), addr(12)]);
    assert_eq!(state.members, vec![addr(1), addr(3)]);
    assert_eq!(state.config_version, 7);

    // The last allowed build cannot be revoked: an empty list would admit any enclave.
    let refused = chain
        .propose(
            addr(3),
            vec![action(gov::revokeMeasurementCall { id: m.id })],
        )
        .unwrap_err();
    assert!(refused.contains("no measurement would remain"), "{refused}");

    // And back: allow another, revoke the first, ungrant (one vote suffices at 1 bps).
    let other = measurement(B256::repeat_byte(0x77), B256::ZERO, 0, 0);
    let id = chain
        .propose(
            addr(3),
            vec![
                action(gov::allowMeasurementCall {
                    mrenclave: other.mrenclave,
                    mrsigner: other.mrsigner,
                    productId: other.productId,
                    minIsvSvn: other.minIsvSvn,
                }),
                action(gov::revokeMeasurementCall { id: m.id }),
                action(gov::setRoleCall {
                    account: addr(30),
                    role: "auditor".into(),
                    granted: false,
                }),
            ],
        )
        .unwrap();
    chain.vote(addr(3), id, 1).logs();
    let state = chain.read();
    assert_eq!(state.measurements, vec![other]);
    assert!(state.roles.is_empty());
    assert_eq!(state.config_version, 10);
}

#[test]
fn too_little_gas_reverts_the_deciding_vote_instead_of_failing_the_proposal() {
    // A policy of a few KB makes applying cost far more than voting.
    let methods: Vec<String> = (0..400).map(|i| format!("\"method_{i}\"")).collect();
    let policy = format!(
        r#"{{"mode":"permissive","anonymousMethods":[{}]}}"#,
        methods.join(",")
    );
    check_policy_json(policy.as_bytes()).unwrap();
    assert!(policy.len() > 4_000);
    let mut chain = Chain::new(&initial(5001, 5001));
    let id = chain
        .propose(
            addr(1),
            vec![action(gov::setPolicyCall {
                policyJson: Bytes::from(policy.into_bytes()),
            })],
        )
        .unwrap();
    chain.vote(addr(1), id, 1).logs();

    // Whatever gas a wallet or eth_estimateGas tries, the vote either does not happen or
    // applies the proposal.
    let mut succeeded = 0;
    for gas in (60_000..6_000_000).step_by(20_000) {
        let outcome = chain.try_with_gas(
            addr(2),
            gov::castVoteCall {
                proposalId: id,
                support: 1,
            },
            gas,
        );
        if let Outcome::Success { .. } = outcome {
            assert!(
                outcome.events::<gov::ProposalFailed>().is_empty(),
                "failed at {gas} gas"
            );
            assert_eq!(outcome.events::<gov::ProposalExecuted>().len(), 1);
            succeeded += 1;
        }
    }
    assert!(succeeded > 0);
    assert_eq!(chain.state_of(id), ACTIVE);
}
