//! `cloister gov genesis`: writes the governance contract into a genesis file, from its
//! `cloister` section (members, validators, followers as admitted nodes, allowed measurements,
//! policy), so that a consortium's hand-written genesis is governed like a devnet's.

use std::path::PathBuf;

/// `gov genesis` arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct GenesisArgs {
    /// The genesis file to read (its `cloister` section must list `members`).
    #[arg(long = "in", value_name = "FILE")]
    pub input: PathBuf,
    /// Where to write the result (may be the same file).
    #[arg(long = "out", value_name = "FILE")]
    pub output: PathBuf,
}

/// Reads, adds the contract, checks the result as the node will read it, writes.
pub fn run(args: &GenesisArgs) -> eyre::Result<()> {
    let json = std::fs::read_to_string(&args.input)
        .map_err(|e| eyre::eyre!("cannot read {}: {e}", args.input.display()))?;
    let governed = cloister_governance::with_governance(&json)?;
    let spec = cloister_chainspec::ChainSpec::from_genesis_json(&governed)?;
    std::fs::write(&args.output, governed + "\n")
        .map_err(|e| eyre::eyre!("cannot write {}: {e}", args.output.display()))?;
    println!(
        "wrote {} (governance contract at {}, genesis hash {})",
        args.output.display(),
        cloister_governance::GOVERNANCE_ADDRESS,
        spec.genesis_hash()
    );
    Ok(())
}
