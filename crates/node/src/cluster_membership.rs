//! The leader keeps the Raft membership equal to what governance says, one change at a time:
//! a voter that is no longer a validator is removed; a learner that governance made a
//! validator becomes a voter once it has caught up; a learner that is neither validator nor
//! admitted node is removed. A node that is not in the membership at all first asks to join
//! (`PeerRequest::Join`): the handshake admits it only if the configuration in force lists it,
//! and the leader adds it as a learner. Chains without the governance contract keep the genesis
//! membership, as before.

use cloister_chain::Chain;
use cloister_consensus::{
    ClusterRaft, PeerNode, node_id_of,
    openraft::{ChangeMembers, RaftMetrics},
    transport::{PeerNetwork, PeerPolicy},
};
use std::{collections::BTreeSet, sync::Arc, time::Duration};

/// How far behind the leader's last log index a learner may be and still be made a voter.
const CAUGHT_UP_WITHIN: u64 = 64;

/// How often the leader compares membership with governance besides on every change.
const RECHECK: Duration = Duration::from_secs(1);

/// One membership change the leader should make now.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    RemoveVoters(BTreeSet<u64>),
    Promote(BTreeSet<u64>),
    RemoveLearners(BTreeSet<u64>),
}

/// Who a node talks to besides what Raft dials on its own.
pub(crate) struct Peers {
    /// The rules peers must meet.
    pub policy: PeerPolicy,
    /// Gossip.
    pub network: PeerNetwork,
    /// The peers of the node's configuration file.
    pub configured: Vec<PeerNode>,
}

/// Runs on every node; changes the membership only while it leads. Ends when the chain is
/// dropped. On every node, a membership change makes open peer connections check their peer
/// again (a validator removed from Raft is cut off once the change commits) and gossips to
/// every member (a validator added by a vote may lead, and transactions must reach it).
pub(crate) async fn reconcile(raft: ClusterRaft, chain: Arc<Chain>, peers: Peers) {
    let mut changes = chain.watch_consortium();
    let mut tick = tokio::time::interval(RECHECK);
    let mut seen_membership = None;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            changed = changes.changed() => if changed.is_err() { return },
        }
        let metrics = raft.metrics().borrow().clone();
        let membership_at = *metrics.membership_config.log_id();
        if seen_membership != Some(membership_at) {
            if seen_membership.is_some() {
                peers.policy.rules_changed();
            }
            seen_membership = Some(membership_at);
            let mut gossip = peers.configured.clone();
            for (_, node) in metrics.membership_config.membership().nodes() {
                if !gossip.iter().any(|p| p.address == node.address) {
                    gossip.push(node.clone());
                }
            }
            peers.network.set_peers(gossip);
        }
        let consortium = chain.consortium();
        if !consortium.governed {
            continue;
        }
        if metrics.current_leader != Some(metrics.id) {
            continue;
        }
        let validators: BTreeSet<u64> = consortium.validators.iter().map(node_id_of).collect();
        let admitted: BTreeSet<u64> = consortium
            .validators
            .iter()
            .chain(&consortium.nodes)
            .map(node_id_of)
            .collect();
        let Some(step) = next_step(&metrics, &validators, &admitted) else {
            continue;
        };
        tracing::info!(target: "cloister::cluster", ?step, "changing the membership to follow governance");
        let change: ChangeMembers<u64, PeerNode> = match step {
            Step::RemoveVoters(ids) => ChangeMembers::RemoveVoters(ids),
            Step::Promote(ids) => ChangeMembers::AddVoterIds(ids),
            Step::RemoveLearners(ids) => ChangeMembers::RemoveNodes(ids),
        };
        if let Err(err) = raft.change_membership(change, false).await {
            tracing::warn!(target: "cloister::cluster", %err, "membership change failed; retrying");
        }
    }
}

/// What to change, if anything, for the membership in `metrics` to follow governance.
fn next_step(
    metrics: &RaftMetrics<u64, PeerNode>,
    validators: &BTreeSet<u64>,
    admitted: &BTreeSet<u64>,
) -> Option<Step> {
    let membership = metrics.membership_config.membership();
    let voters: BTreeSet<u64> = membership.voter_ids().collect();
    let learners: BTreeSet<u64> = membership.learner_ids().collect();
    let removed: BTreeSet<u64> = voters.difference(validators).copied().collect();
    // Never remove every voter (governance refuses leaving no validator; a validator that has
    // not joined yet is not a voter to hand over to).
    if !removed.is_empty() && removed.len() < voters.len() {
        return Some(Step::RemoveVoters(removed));
    }
    let last = metrics.last_log_index.unwrap_or_default();
    let matched = |id: &u64| {
        metrics
            .replication
            .as_ref()
            .and_then(|r| r.get(id).copied().flatten())
            .map(|log| log.index)
    };
    let ready: BTreeSet<u64> = learners
        .iter()
        .filter(|id| validators.contains(id))
        .filter(|id| matched(id).is_some_and(|m| m + CAUGHT_UP_WITHIN >= last))
        .copied()
        .collect();
    if !ready.is_empty() {
        return Some(Step::Promote(ready));
    }
    let stale: BTreeSet<u64> = learners.difference(admitted).copied().collect();
    (!stale.is_empty()).then_some(Step::RemoveLearners(stale))
}
