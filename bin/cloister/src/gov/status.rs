//! `cloister gov status`: the governance contract's views, read with `eth_call` and shown as
//! text — members, validators, nodes, measurements, roles, policy, thresholds, proposals.

use super::{actions::describe, rpc::Rpc};
use alloy_primitives::U256;
use alloy_sol_types::SolCall;
use cloister_governance::{
    GOVERNANCE_ADDRESS,
    abi::{ICloisterGovernance as G, ProposalView},
};

/// Names of `state(id)`'s values: OpenZeppelin's order plus Failed.
pub const STATE_NAMES: [&str; 9] = [
    "Pending",
    "Active",
    "Canceled",
    "Defeated",
    "Succeeded",
    "Queued",
    "Expired",
    "Executed",
    "Failed",
];

/// The name of a proposal state.
pub fn state_name(state: u8) -> String {
    STATE_NAMES.get(usize::from(state)).map_or_else(
        || format!("unknown state {state}"),
        |name| (*name).to_owned(),
    )
}

/// Calls view `call` of the contract and decodes its return.
pub async fn view<C: SolCall>(rpc: &Rpc, call: C) -> eyre::Result<C::Return> {
    let data = call.abi_encode();
    let bytes = rpc.eth_call(GOVERNANCE_ADDRESS, &data).await?;
    C::abi_decode_returns(&bytes).map_err(|e| {
        eyre::eyre!(
            "{}: cannot decode {} from {GOVERNANCE_ADDRESS} ({e}); is the governance contract deployed?",
            rpc.shown_url(),
            C::SIGNATURE
        )
    })
}

/// The ids of every proposal, oldest first (ids are numbered from 1).
pub async fn proposal_ids(rpc: &Rpc) -> eyre::Result<Vec<U256>> {
    let count = view(rpc, G::proposalCountCall {}).await?;
    let count = u64::try_from(count)?;
    Ok((1..=count).map(U256::from).collect())
}

/// One proposal, as lines of text.
pub async fn proposal_text(rpc: &Rpc, id: U256) -> eyre::Result<String> {
    let p: ProposalView = view(rpc, G::getProposalCall { proposalId: id }).await?;
    let mut text = format!(
        "proposal {id}: {} — for {}, against {}, abstain {} (needs {} of {} members); voting ends {}\n",
        state_name(p.state),
        p.forVotes,
        p.againstVotes,
        p.abstainVotes,
        p.required,
        p.memberCount,
        time_text(p.voteEnd),
    );
    text.push_str(&format!("  proposer:    {}\n", p.proposer));
    text.push_str(&format!("  description: {}\n", p.description));
    for (i, action) in p.actions.iter().enumerate() {
        text.push_str(&format!("  action {}:    {}\n", i + 1, describe(action)));
    }
    Ok(text)
}

/// Prints the whole configuration and every proposal, or only proposal `only`.
pub async fn print(rpc: &Rpc, only: Option<U256>) -> eyre::Result<()> {
    if let Some(id) = only {
        print!("{}", proposal_text(rpc, id).await?);
        return Ok(());
    }
    let list = |title: &str, items: Vec<String>| {
        println!("{title} ({}):", items.len());
        for item in items {
            println!("  {item}");
        }
    };
    let members = view(rpc, G::getMembersCall {}).await?;
    list("members", members.iter().map(ToString::to_string).collect());
    let validators = view(rpc, G::getValidatorsCall {}).await?;
    list(
        "validators",
        validators.iter().map(ToString::to_string).collect(),
    );
    let nodes = view(rpc, G::getNodesCall {}).await?;
    list(
        "admitted nodes",
        nodes.iter().map(ToString::to_string).collect(),
    );
    let measurements = view(rpc, G::getMeasurementsCall {}).await?;
    list(
        "allowed measurements",
        measurements
            .iter()
            .map(|m| {
                format!(
                    "{}: mrenclave={} mrsigner={} product={} svn>={}",
                    m.id, m.mrenclave, m.mrsigner, m.productId, m.minIsvSvn
                )
            })
            .collect(),
    );
    let roles = view(rpc, G::getRolesCall {}).await?;
    list(
        "roles",
        roles
            .accounts
            .iter()
            .zip(roles.roles.iter())
            .map(|(account, role)| format!("{account} {role}"))
            .collect(),
    );
    let thresholds = view(rpc, G::thresholdsCall {}).await?;
    println!(
        "thresholds: add {} bps, remove {} bps of the members; voting period {} s",
        thresholds.addBps, thresholds.removeBps, thresholds.votingPeriod
    );
    let policy = view(rpc, G::policyCall {}).await?;
    println!(
        "policy version {}: {}",
        policy.version,
        String::from_utf8_lossy(&policy.json).trim()
    );
    let ids = proposal_ids(rpc).await?;
    println!("proposals ({}):", ids.len());
    for id in ids {
        print!("{}", proposal_text(rpc, id).await?);
    }
    Ok(())
}

/// Seconds since the epoch as RFC 3339 (UTC).
fn time_text(seconds: u64) -> String {
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds);
    humantime::format_rfc3339_seconds(time).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_names_follow_openzeppelin_then_failed() {
        assert_eq!(state_name(1), "Active");
        assert_eq!(state_name(7), "Executed");
        assert_eq!(state_name(8), "Failed");
        assert_eq!(state_name(9), "unknown state 9");
        assert_eq!(time_text(0), "1970-01-01T00:00:00Z");
    }
}
