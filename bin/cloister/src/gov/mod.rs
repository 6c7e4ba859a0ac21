//! `cloister gov`: read a chain's governance (`status`) and take part in it as a member
//! (`propose`, `vote`, `cancel`) through the system contract at 0x…C0C0 (DESIGN.md §3
//! "Governance"), with ordinary signed transactions.

mod actions;
mod genesis;
pub(crate) mod rpc;
mod sign;
mod status;

use alloy_primitives::{B256, Bytes, U256};
use alloy_sol_types::SolCall as _;
use cloister_governance::{GOVERNANCE_ADDRESS, abi::ICloisterGovernance as G};
use rpc::Rpc;
use std::path::PathBuf;

/// `gov` subcommands.
#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per process
pub enum GovCommand {
    /// Show members, validators, nodes, measurements, roles, policy, thresholds and proposals.
    Status {
        #[command(flatten)]
        rpc: RpcArgs,
        /// Show only this proposal.
        #[arg(long, value_name = "ID")]
        proposal: Option<U256>,
    },
    /// Propose one or more actions (as a member).
    Propose {
        #[command(flatten)]
        rpc: RpcArgs,
        #[command(flatten)]
        key: sign::KeyArgs,
        /// What the proposal is for, shown to the other members.
        #[arg(long)]
        description: String,
        #[command(flatten)]
        actions: actions::ActionArgs,
    },
    /// Vote on a proposal (as a member).
    Vote {
        #[command(flatten)]
        rpc: RpcArgs,
        #[command(flatten)]
        key: sign::KeyArgs,
        /// The proposal.
        id: U256,
        /// The vote.
        #[arg(value_enum)]
        support: Support,
    },
    /// Cancel a proposal you made that is still open.
    Cancel {
        #[command(flatten)]
        rpc: RpcArgs,
        #[command(flatten)]
        key: sign::KeyArgs,
        /// The proposal.
        id: U256,
    },
    /// Write the governance contract into a genesis file from its `cloister` section.
    Genesis(genesis::GenesisArgs),
}

/// Where the node is.
#[derive(Debug, Clone, clap::Args)]
pub struct RpcArgs {
    /// The node's RPC URL; on a confidential chain your personal URL
    /// (`https://HOST:PORT/rpc/<token>`, from the node's /signin page).
    #[arg(
        long = "rpc",
        env = "CLOISTER_RPC",
        value_name = "URL",
        hide_env_values = true
    )]
    pub url: String,
    /// PEM certificate (e.g. a test CA) to trust besides the system's roots.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
}

impl RpcArgs {
    fn client(&self) -> eyre::Result<Rpc> {
        Rpc::new(&self.url, self.ca_cert.as_deref())
    }
}

/// A vote: `castVote`'s `support` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Support {
    Against,
    For,
    Abstain,
}

impl Support {
    /// The contract's code for the vote.
    pub fn code(self) -> u8 {
        match self {
            Self::Against => 0,
            Self::For => 1,
            Self::Abstain => 2,
        }
    }
}

/// Runs a `gov` subcommand.
pub async fn run(command: GovCommand) -> eyre::Result<()> {
    match command {
        GovCommand::Genesis(args) => genesis::run(&args),
        GovCommand::Status { rpc, proposal } => status::print(&rpc.client()?, proposal).await,
        GovCommand::Propose {
            rpc,
            key,
            description,
            actions,
        } => {
            let calls = actions.calls()?;
            let data = G::proposeCall {
                actions: calls,
                description,
            }
            .abi_encode();
            let rpc = rpc.client()?;
            let Some(sent) = submit(&rpc, &key, data.into()).await? else {
                return Ok(());
            };
            match proposal_created(&sent.receipt) {
                Some(id) => {
                    println!("proposal: {id}");
                    print!("{}", status::proposal_text(&rpc, id).await?);
                }
                None => println!("no ProposalCreated event in the receipt"),
            }
            Ok(())
        }
        GovCommand::Vote {
            rpc,
            key,
            id,
            support,
        } => {
            let data = G::castVoteCall {
                proposalId: id,
                support: support.code(),
            }
            .abi_encode();
            let rpc = rpc.client()?;
            if let Some(sent) = submit(&rpc, &key, data.into()).await? {
                print!("{}", status::proposal_text(&rpc, id).await?);
                if let Some(reason) = proposal_failed(&sent.receipt) {
                    println!("  the actions could not be applied: {reason}");
                }
            }
            Ok(())
        }
        GovCommand::Cancel { rpc, key, id } => {
            let data = G::cancelCall { proposalId: id }.abi_encode();
            let rpc = rpc.client()?;
            if submit(&rpc, &key, data.into()).await?.is_some() {
                print!("{}", status::proposal_text(&rpc, id).await?);
            }
            Ok(())
        }
    }
}

/// Sends `data` to the contract as the key's account (printing hash and block), or prints it
/// for a wallet with `--print-calldata` (then `None`).
async fn submit(rpc: &Rpc, key: &sign::KeyArgs, data: Bytes) -> eyre::Result<Option<sign::Sent>> {
    let Some(signer) = key.signer()? else {
        sign::print_calldata(rpc, GOVERNANCE_ADDRESS, &data);
        return Ok(None);
    };
    let sent = sign::send(rpc, &signer, GOVERNANCE_ADDRESS, data, key.receipt_timeout).await?;
    println!("from:        {}", signer.address());
    println!("transaction: {}", sent.hash);
    println!("block:       {}", sent.block);
    Ok(Some(sent))
}

/// The first event `E` the contract logged in `receipt`.
fn event<E: alloy_sol_types::SolEvent>(receipt: &serde_json::Value) -> Option<E> {
    receipt["logs"].as_array()?.iter().find_map(|log| {
        let address: alloy_primitives::Address = log["address"].as_str()?.parse().ok()?;
        if address != GOVERNANCE_ADDRESS {
            return None;
        }
        let topics: Vec<B256> = log["topics"]
            .as_array()?
            .iter()
            .filter_map(|t| t.as_str()?.parse().ok())
            .collect();
        if topics.first() != Some(&E::SIGNATURE_HASH) {
            return None;
        }
        let data: Bytes = log["data"].as_str()?.parse().ok()?;
        E::decode_raw_log(topics, &data).ok()
    })
}

/// The proposal id of the receipt's `ProposalCreated` event.
fn proposal_created(receipt: &serde_json::Value) -> Option<U256> {
    event::<G::ProposalCreated>(receipt).map(|created| created.proposalId)
}

/// Why the deciding vote's actions could not be applied (`ProposalFailed`), if they could not.
fn proposal_failed(receipt: &serde_json::Value) -> Option<String> {
    use alloy_sol_types::SolError as _;
    let failed = event::<G::ProposalFailed>(receipt)?;
    Some(match alloy_sol_types::Revert::abi_decode(&failed.reason) {
        Ok(revert) => revert.reason,
        Err(_) => format!("revert data {}", failed.reason),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use alloy_sol_types::SolError as _;
    use serde_json::json;

    fn receipt_with(
        event: &impl alloy_sol_types::SolEvent,
        address: alloy_primitives::Address,
    ) -> serde_json::Value {
        let log = event.encode_log_data();
        json!({ "logs": [
            { "address": "0x0000000000000000000000000000000000000001", "topics": [], "data": "0x" },
            { "address": address, "topics": log.topics(), "data": log.data },
        ]})
    }

    #[test]
    fn proposal_events_are_read_from_the_contract_only() {
        let created = G::ProposalCreated {
            proposalId: U256::from(7),
            proposer: alloy_primitives::Address::repeat_byte(1),
            targets: vec![GOVERNANCE_ADDRESS],
            values: vec![U256::ZERO],
            signatures: vec![String::new()],
            calldatas: vec![Bytes::from_static(&[1, 2, 3, 4])],
            voteStart: U256::from(1),
            voteEnd: U256::from(2),
            description: "d".into(),
        };
        assert_eq!(
            proposal_created(&receipt_with(&created, GOVERNANCE_ADDRESS)),
            Some(U256::from(7))
        );
        let elsewhere = alloy_primitives::Address::repeat_byte(9);
        assert_eq!(proposal_created(&receipt_with(&created, elsewhere)), None);
        assert_eq!(proposal_created(&json!({ "logs": [] })), None);

        let failed = G::ProposalFailed {
            proposalId: U256::from(7),
            reason: alloy_sol_types::Revert::from("no validator would remain")
                .abi_encode()
                .into(),
        };
        let receipt = receipt_with(&failed, GOVERNANCE_ADDRESS);
        assert_eq!(
            proposal_failed(&receipt).as_deref(),
            Some("no validator would remain")
        );
        assert_eq!(proposal_created(&receipt), None);
    }

    #[test]
    fn votes_use_the_contracts_codes() {
        assert_eq!(
            (
                Support::Against.code(),
                Support::For.code(),
                Support::Abstain.code()
            ),
            (0, 1, 2)
        );
    }
}
