//! What the node derives from the consortium configuration in force (read by the chain after
//! each block that changed it, see `cloister_chain::Chain::watch_consortium`), and keeps
//! applied while it runs: the confidentiality policy (document, roles granted by vote, members
//! as `member`, governance readable by every member) and the rules peers on the cluster port
//! must meet (membership is asked of the chain on every check; the allowed measurements are
//! replaced here, and open connections check their peer again).

use crate::{NodeError, security};
use cloister_chain::Chain;
use cloister_consensus::transport::PeerPolicy;
use cloister_governance::{Consortium, GOVERNANCE_ADDRESS};
use cloister_policy::{Policy, PolicyDocument, Role, Visibility};
use std::sync::Arc;
use tokio::sync::watch;

/// The policy document `consortium` puts in force. On a governed chain: the document the
/// contract holds, plus `member` for every member, plus the roles granted by vote, and the
/// governance contract's transactions and logs visible to every member (auditors see them
/// anyway): a consortium must see its own governance.
pub fn policy_document(consortium: &Consortium) -> Result<PolicyDocument, NodeError> {
    let mut document = PolicyDocument::from_json(&consortium.policy)?;
    if !consortium.governed {
        return Ok(document);
    }
    for member in &consortium.members {
        grant(&mut document, *member, Role::Member);
    }
    for (account, name) in &consortium.roles {
        match serde_json::from_value::<Role>(serde_json::Value::String(name.clone())) {
            Ok(role) => grant(&mut document, *account, role),
            // The contract refuses unknown role names; one here is skipped, never widened.
            Err(_) => {
                tracing::warn!(target: "cloister::governance", %account, role = %name, "unknown role granted by governance; ignored")
            }
        }
    }
    document
        .contracts
        .insert(GOVERNANCE_ADDRESS, Visibility::Members);
    Ok(document)
}

fn grant(document: &mut PolicyDocument, account: cloister_primitives::Address, role: Role) {
    let roles = document.roles.entry(account).or_default();
    if !roles.contains(&role) {
        roles.push(role);
    }
}

/// The policy in force at the head of `chain`.
pub fn policy_in_force(chain: &Chain) -> Result<Arc<Policy>, NodeError> {
    // A plain Ethereum chain has nothing confidential: everything is visible to everyone.
    if chain.spec().cloister().is_none() {
        return Ok(Arc::new(Policy::permissive()));
    }
    let consortium = chain.consortium();
    Ok(Arc::new(Policy::at_revision(
        policy_document(&consortium)?,
        consortium.policy_version,
    )?))
}

/// Applies every change of the configuration in force until `shutdown`: replaces the policy's
/// document and the cluster port's attestation rules, and makes open peer connections check
/// their peer again (membership itself is read from the chain on every check).
pub async fn follow(
    chain: Arc<Chain>,
    policy: Arc<Policy>,
    peers: Option<PeerPolicy>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut changes = chain.watch_consortium();
    let mut applied = changes.borrow_and_update().clone();
    loop {
        tokio::select! {
            changed = changes.changed() => if changed.is_err() { return },
            _ = shutdown.changed() => return,
        }
        let next = changes.borrow_and_update().clone();
        if next.policy != applied.policy
            || next.roles != applied.roles
            || next.members != applied.members
        {
            match policy_document(&next)
                .and_then(|doc| Ok(policy.replace(doc, next.policy_version)?))
            {
                Ok(()) => {
                    tracing::info!(target: "cloister::governance", version = next.policy_version, "policy replaced")
                }
                Err(err) => {
                    tracing::error!(target: "cloister::governance", %err, "the governed policy does not apply; the previous one stays in force")
                }
            }
        }
        if let Some(peers) = &peers {
            if next.measurements != applied.measurements {
                peers.set_attestation_rules(
                    security::enclave_rules(&next.measurements),
                    next.allow_simulated_tee,
                );
            } else {
                peers.rules_changed();
            }
        }
        applied = next;
    }
}
