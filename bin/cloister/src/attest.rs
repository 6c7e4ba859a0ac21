//! `cloister attest verify https://HOST:PORT`: connect, take the server's RA-TLS certificate,
//! check that its quote binds the certificate's key and verifies under the given rules, and
//! print a JSON report. Exit status 0 only when everything verifies.

use cloister_tee::{
    Collateral, EnclaveRule, Mr256, RaTlsCheck, VerificationPolicy, fetch_server_certificate,
    verify_ra_tls_certificate,
};
use std::{path::PathBuf, time::SystemTime};

/// Arguments of `attest verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The node, as `https://HOST:PORT`.
    pub url: String,
    /// Accept a simulated (non-SGX) quote: only for development chains that allow simulation.
    #[arg(long)]
    pub allow_simulated: bool,
    /// The MRENCLAVE (hex) the node must run.
    #[arg(long = "expect-mrenclave")]
    pub expect_mrenclave: Option<String>,
    /// Collateral (JSON, as `cloister_attestation` returns or PCCS serves) for a real quote.
    #[arg(long)]
    pub collateral: Option<PathBuf>,
    /// The chain's genesis.json: its `cloister.allowedMeasurements` become the allowed enclaves
    /// and its `allowSimulatedTee` decides whether a simulated quote may pass.
    #[arg(long)]
    pub genesis: Option<PathBuf>,
    /// A node of the chain (its RPC URL; a personal URL on a confidential chain): the allowed
    /// enclaves are those governance holds now (`getMeasurements()` of the contract at
    /// 0x…C0C0), replacing genesis' initial list (`--genesis` still gives the simulation rule).
    #[arg(long = "measurements-from", value_name = "URL")]
    pub measurements_from: Option<String>,
    /// PEM certificate to trust for `--measurements-from` (e.g. a test CA).
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
}

/// The allowed enclaves governance holds now, read from a node of the chain.
async fn governed_rules(
    url: &str,
    ca_cert: Option<&std::path::Path>,
) -> eyre::Result<Vec<EnclaveRule>> {
    use alloy_sol_types::SolCall as _;
    use cloister_governance::abi::ICloisterGovernance as G;
    let rpc = crate::gov::rpc::Rpc::new(url, ca_cert)?;
    let data = G::getMeasurementsCall {}.abi_encode();
    let out = rpc
        .eth_call(cloister_governance::GOVERNANCE_ADDRESS, &data)
        .await?;
    let measurements = G::getMeasurementsCall::abi_decode_returns(&out)
        .map_err(|e| eyre::eyre!("getMeasurements(): {e}"))?;
    let allowed: Vec<_> = measurements
        .iter()
        .map(cloister_governance::allowed_measurement)
        .collect();
    Ok(cloister_node::enclave_rules(&allowed))
}

/// The allow-list and simulation rule of the chain in `path`.
fn chain_rules(path: &std::path::Path) -> eyre::Result<(Vec<EnclaveRule>, bool)> {
    let json = std::fs::read_to_string(path)
        .map_err(|e| eyre::eyre!("cannot read {}: {e}", path.display()))?;
    let spec = cloister_chainspec::ChainSpec::from_genesis_json(&json)?;
    let Some(cloister) = spec.cloister() else {
        eyre::bail!(
            "{} has no `cloister` section: nothing to attest",
            path.display()
        );
    };
    let rules = cloister_node::enclave_rules(&cloister.allowed_measurements);
    Ok((rules, cloister.allow_simulated_tee))
}

/// `attest` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum AttestCommand {
    /// Verify a node's RA-TLS certificate.
    Verify(VerifyArgs),
}

/// Runs the command; `Ok(false)` when the attestation did not verify (already printed).
pub async fn run(command: AttestCommand) -> eyre::Result<bool> {
    let AttestCommand::Verify(args) = command;
    let (host, port) = parse_url(&args.url)?;
    let expect = match &args.expect_mrenclave {
        Some(hex) => Some(
            hex.parse::<Mr256>()
                .map_err(|e| eyre::eyre!("--expect-mrenclave: {e}"))?,
        ),
        None => None,
    };
    let collateral = match &args.collateral {
        Some(path) => {
            let bytes = std::fs::read(path)
                .map_err(|e| eyre::eyre!("cannot read {}: {e}", path.display()))?;
            Some(
                Collateral::from_json(&bytes)
                    .map_err(|e| eyre::eyre!("{}: {e}", path.display()))?,
            )
        }
        None => None,
    };
    let mut policy = VerificationPolicy::default();
    let mut allow_simulated = args.allow_simulated;
    let mut allowed_simulated_mrenclaves = None;
    if let Some(path) = &args.genesis {
        let (rules, chain_allows_simulation) = chain_rules(path)?;
        allow_simulated = allow_simulated || chain_allows_simulation;
        allowed_simulated_mrenclaves = Some(
            rules
                .iter()
                .filter_map(|r| r.mr_enclave)
                .collect::<Vec<_>>(),
        );
        policy.allowed_enclaves = rules;
    }
    if let Some(url) = &args.measurements_from {
        let rules = governed_rules(url, args.ca_cert.as_deref()).await?;
        allowed_simulated_mrenclaves = Some(rules.iter().filter_map(|r| r.mr_enclave).collect());
        policy.allowed_enclaves = rules;
    }
    if let Some(mr) = expect {
        policy.allowed_enclaves.push(EnclaveRule::mr_enclave(mr, 0));
    }
    let mut check = RaTlsCheck::new(policy, SystemTime::now());
    check.collateral = collateral;
    check.allow_simulated = allow_simulated;
    check.expect_mrenclave = expect;

    let outcome = match fetch_server_certificate(&host, port).await {
        Ok(cert) => verify_ra_tls_certificate(&cert, &check).map_err(|e| e.to_string()),
        Err(err) => Err(format!("cannot fetch the certificate: {err}")),
    };
    // The verifier applies the allow-list to real quotes; a simulated quote's MRENCLAVE is
    // checked against the genesis list here (when the list names any).
    let outcome =
        outcome.and_then(
            |report| match (&allowed_simulated_mrenclaves, report.mrenclave) {
                (Some(list), Some(mr))
                    if report.kind == cloister_tee::QuoteKind::Simulated
                        && !list.is_empty()
                        && !list.contains(&mr) =>
                {
                    Err(format!(
                        "MRENCLAVE {mr} is not in the chain's allowedMeasurements"
                    ))
                }
                _ => Ok(report),
            },
        );
    match outcome {
        Ok(report) => {
            let mut json = serde_json::to_value(&report)?;
            if let Some(object) = json.as_object_mut() {
                object.insert("verified".into(), true.into());
                object.insert("url".into(), args.url.clone().into());
            }
            println!("{}", serde_json::to_string_pretty(&json)?);
            Ok(true)
        }
        Err(reason) => {
            let json = serde_json::json!({ "verified": false, "url": args.url, "error": reason });
            println!("{}", serde_json::to_string_pretty(&json)?);
            Ok(false)
        }
    }
}

/// `https://host:port` → (host, port); IPv6 hosts in brackets.
fn parse_url(url: &str) -> eyre::Result<(String, u16)> {
    let rest = url.strip_prefix("https://").ok_or_else(|| {
        eyre::eyre!("the URL must start with https:// (attestation rides on TLS)")
    })?;
    let authority = rest.split('/').next().unwrap_or_default();
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => (host, port.parse::<u16>()?),
        _ => (authority, 443),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        eyre::bail!("no host in {url}");
    }
    Ok((host.to_string(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            parse_url("https://127.0.0.1:8545").unwrap(),
            ("127.0.0.1".into(), 8545)
        );
        assert_eq!(
            parse_url("https://[::1]:9000/rpc").unwrap(),
            ("::1".into(), 9000)
        );
        assert_eq!(
            parse_url("https://node.example").unwrap(),
            ("node.example".into(), 443)
        );
        assert!(parse_url("http://127.0.0.1:8545").is_err());
    }
}
