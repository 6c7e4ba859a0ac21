//! The action flags of `cloister gov propose` (`--add-member ADDR`, `--allow-measurement
//! mrenclave=…`, …) turned into the ABI calls a proposal carries, and those calls turned back
//! into one readable line each for `gov status`.

use alloy_primitives::{Address, B256, Bytes};
use alloy_sol_types::{SolCall as _, SolInterface as _};
use cloister_governance::abi::ICloisterGovernance::{self, ICloisterGovernanceCalls};
use std::path::PathBuf;

/// The action flags; each may be repeated. Actions are placed in the order of this list.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct ActionArgs {
    /// Make ADDR a member.
    #[arg(long, value_name = "ADDR")]
    pub add_member: Vec<Address>,
    /// Remove member ADDR.
    #[arg(long, value_name = "ADDR")]
    pub remove_member: Vec<Address>,
    /// Make ADDR a validator (the key it seals blocks with).
    #[arg(long, value_name = "ADDR")]
    pub add_validator: Vec<Address>,
    /// Remove validator ADDR.
    #[arg(long, value_name = "ADDR")]
    pub remove_validator: Vec<Address>,
    /// Admit node ADDR (its node key) as a read replica.
    #[arg(long, value_name = "ADDR")]
    pub admit_node: Vec<Address>,
    /// Remove admitted node ADDR.
    #[arg(long, value_name = "ADDR")]
    pub remove_node: Vec<Address>,
    /// Allow an enclave: `mrenclave=HEX,mrsigner=HEX,product=N,svn=N` (missing parts zero).
    #[arg(long, value_name = "SPEC", value_parser = parse_measurement)]
    pub allow_measurement: Vec<MeasurementSpec>,
    /// Revoke the allowed measurement with this id (as `gov status` shows it).
    #[arg(long, value_name = "ID")]
    pub revoke_measurement: Vec<B256>,
    /// Grant a role: `ADDR=ROLE` (auditor, member, admin).
    #[arg(long, value_name = "ADDR=ROLE", value_parser = parse_role)]
    pub grant_role: Vec<RoleSpec>,
    /// Revoke a role: `ADDR=ROLE`.
    #[arg(long, value_name = "ADDR=ROLE", value_parser = parse_role)]
    pub revoke_role: Vec<RoleSpec>,
    /// Replace the policy document with this JSON file.
    #[arg(long, value_name = "FILE.json")]
    pub set_policy: Vec<PathBuf>,
    /// Set the thresholds: `add=BPS,remove=BPS,period=SECONDS` (all three).
    #[arg(long, value_name = "SPEC", value_parser = parse_thresholds)]
    pub set_thresholds: Vec<ThresholdSpec>,
}

/// `--allow-measurement`'s value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MeasurementSpec {
    pub mrenclave: B256,
    pub mrsigner: B256,
    pub product_id: u16,
    pub min_isv_svn: u16,
}

/// `--grant-role` / `--revoke-role`'s value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSpec {
    pub account: Address,
    pub role: String,
}

/// `--set-thresholds`' value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThresholdSpec {
    pub add_bps: u16,
    pub remove_bps: u16,
    pub voting_period: u64,
}

/// `key=value,key=value` → pairs; `what` names the flag in errors.
fn pairs<'a>(text: &'a str, what: &str) -> Result<Vec<(&'a str, &'a str)>, String> {
    text.split(',')
        .filter(|part| !part.trim().is_empty())
        .map(|part| {
            part.split_once('=')
                .map(|(k, v)| (k.trim(), v.trim()))
                .ok_or_else(|| format!("{what}: `{part}` is not key=value"))
        })
        .collect()
}

/// 32 bytes of hex, with or without `0x`.
fn bytes32(text: &str, what: &str) -> Result<B256, String> {
    text.parse::<B256>()
        .map_err(|e| format!("{what}: `{text}` is not 32 bytes of hex ({e})"))
}

fn number<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, String> {
    text.parse::<T>()
        .map_err(|_| format!("{what}: `{text}` is not a number in range"))
}

/// Parses `mrenclave=HEX,mrsigner=HEX,product=N,svn=N`; missing parts are zero.
pub fn parse_measurement(text: &str) -> Result<MeasurementSpec, String> {
    let mut spec = MeasurementSpec::default();
    for (key, value) in pairs(text, "--allow-measurement")? {
        match key {
            "mrenclave" => spec.mrenclave = bytes32(value, "mrenclave")?,
            "mrsigner" => spec.mrsigner = bytes32(value, "mrsigner")?,
            "product" => spec.product_id = number(value, "product")?,
            "svn" => spec.min_isv_svn = number(value, "svn")?,
            other => {
                return Err(format!(
                    "--allow-measurement: unknown part `{other}` (mrenclave, mrsigner, product, svn)"
                ));
            }
        }
    }
    if spec.mrenclave.is_zero() && spec.mrsigner.is_zero() {
        return Err("--allow-measurement: give mrenclave, mrsigner or both".into());
    }
    Ok(spec)
}

/// Parses `ADDR=ROLE`.
pub fn parse_role(text: &str) -> Result<RoleSpec, String> {
    let (account, role) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not ADDR=ROLE"))?;
    let account = account
        .trim()
        .parse::<Address>()
        .map_err(|e| format!("`{account}` is not an address ({e})"))?;
    let role = role.trim();
    if role.is_empty() {
        return Err(format!("`{text}` names no role"));
    }
    Ok(RoleSpec {
        account,
        role: role.to_owned(),
    })
}

/// Parses `add=BPS,remove=BPS,period=SECONDS`; all three are required.
pub fn parse_thresholds(text: &str) -> Result<ThresholdSpec, String> {
    let (mut add, mut remove, mut period) = (None, None, None);
    for (key, value) in pairs(text, "--set-thresholds")? {
        match key {
            "add" => add = Some(number::<u16>(value, "add")?),
            "remove" => remove = Some(number::<u16>(value, "remove")?),
            "period" => period = Some(number::<u64>(value, "period")?),
            other => {
                return Err(format!(
                    "--set-thresholds: unknown part `{other}` (add, remove, period)"
                ));
            }
        }
    }
    match (add, remove, period) {
        (Some(add_bps), Some(remove_bps), Some(voting_period)) => {
            if add_bps > 10_000 || remove_bps > 10_000 {
                return Err("--set-thresholds: basis points are at most 10000".into());
            }
            Ok(ThresholdSpec {
                add_bps,
                remove_bps,
                voting_period,
            })
        }
        _ => Err("--set-thresholds needs add=BPS,remove=BPS,period=SECONDS".into()),
    }
}

impl ActionArgs {
    /// The ABI calls of every action given, in the order of the flags' list; the policy files
    /// are read (and checked to be JSON) here.
    pub fn calls(&self) -> eyre::Result<Vec<Bytes>> {
        use ICloisterGovernance as G;
        let mut calls: Vec<Vec<u8>> = Vec::new();
        calls.extend(
            self.add_member
                .iter()
                .map(|&member| G::addMemberCall { member }.abi_encode()),
        );
        calls.extend(
            self.remove_member
                .iter()
                .map(|&member| G::removeMemberCall { member }.abi_encode()),
        );
        calls.extend(
            self.add_validator
                .iter()
                .map(|&validator| G::addValidatorCall { validator }.abi_encode()),
        );
        calls.extend(
            self.remove_validator
                .iter()
                .map(|&validator| G::removeValidatorCall { validator }.abi_encode()),
        );
        calls.extend(
            self.admit_node
                .iter()
                .map(|&node| G::admitNodeCall { node }.abi_encode()),
        );
        calls.extend(
            self.remove_node
                .iter()
                .map(|&node| G::removeNodeCall { node }.abi_encode()),
        );
        calls.extend(self.allow_measurement.iter().map(|m| {
            G::allowMeasurementCall {
                mrenclave: m.mrenclave,
                mrsigner: m.mrsigner,
                productId: m.product_id,
                minIsvSvn: m.min_isv_svn,
            }
            .abi_encode()
        }));
        calls.extend(
            self.revoke_measurement
                .iter()
                .map(|&id| G::revokeMeasurementCall { id }.abi_encode()),
        );
        calls.extend(self.grant_role.iter().map(|r| role_call(r, true)));
        calls.extend(self.revoke_role.iter().map(|r| role_call(r, false)));
        for path in &self.set_policy {
            let text = std::fs::read(path)
                .map_err(|e| eyre::eyre!("cannot read {}: {e}", path.display()))?;
            serde_json::from_slice::<serde_json::Value>(&text)
                .map_err(|e| eyre::eyre!("{} is not JSON: {e}", path.display()))?;
            calls.push(
                G::setPolicyCall {
                    policyJson: text.into(),
                }
                .abi_encode(),
            );
        }
        calls.extend(self.set_thresholds.iter().map(|t| {
            G::setThresholdsCall {
                addBps: t.add_bps,
                removeBps: t.remove_bps,
                votingPeriod: t.voting_period,
            }
            .abi_encode()
        }));
        if calls.is_empty() {
            eyre::bail!(
                "a proposal needs at least one action (--add-member, --grant-role, …; see --help)"
            );
        }
        Ok(calls.into_iter().map(Bytes::from).collect())
    }
}

fn role_call(spec: &RoleSpec, granted: bool) -> Vec<u8> {
    ICloisterGovernance::setRoleCall {
        account: spec.account,
        role: spec.role.clone(),
        granted,
    }
    .abi_encode()
}

/// One readable line for an action's calldata (`add validator 0x…`); unknown calls are shown
/// as hex.
pub fn describe(call: &[u8]) -> String {
    let Ok(decoded) = ICloisterGovernanceCalls::abi_decode(call) else {
        return format!("unknown call 0x{}", hex(call));
    };
    use ICloisterGovernanceCalls as C;
    match decoded {
        C::addMember(c) => format!("add member {}", c.member),
        C::removeMember(c) => format!("remove member {}", c.member),
        C::addValidator(c) => format!("add validator {}", c.validator),
        C::removeValidator(c) => format!("remove validator {}", c.validator),
        C::admitNode(c) => format!("admit node {}", c.node),
        C::removeNode(c) => format!("remove node {}", c.node),
        C::allowMeasurement(c) => format!(
            "allow measurement mrenclave={} mrsigner={} product={} svn={}",
            c.mrenclave, c.mrsigner, c.productId, c.minIsvSvn
        ),
        C::revokeMeasurement(c) => format!("revoke measurement {}", c.id),
        C::setRole(c) => format!(
            "{} role `{}` {} {}",
            if c.granted { "grant" } else { "revoke" },
            c.role,
            if c.granted { "to" } else { "from" },
            c.account
        ),
        C::setPolicy(c) => format!(
            "set policy ({} bytes): {}",
            c.policyJson.len(),
            String::from_utf8_lossy(&c.policyJson).trim()
        ),
        C::setThresholds(c) => format!(
            "set thresholds add={} bps, remove={} bps, voting period {} s",
            c.addBps, c.removeBps, c.votingPeriod
        ),
        _ => format!("other call 0x{}", hex(call)),
    }
}

/// Lower-case hex without prefix.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use alloy_primitives::address;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        actions: ActionArgs,
    }

    fn calls(args: &[&str]) -> Vec<Bytes> {
        let mut argv = vec!["test"];
        argv.extend_from_slice(args);
        Cli::try_parse_from(argv)
            .expect("flags parse")
            .actions
            .calls()
            .expect("calls")
    }

    const A: Address = address!("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");

    #[test]
    fn address_flags_encode_their_calls() {
        let a = A.to_string();
        let out = calls(&[
            "--add-member",
            &a,
            "--remove-member",
            &a,
            "--add-validator",
            &a,
            "--remove-validator",
            &a,
            "--admit-node",
            &a,
            "--remove-node",
            &a,
        ]);
        assert_eq!(out.len(), 6);
        use ICloisterGovernance as G;
        assert_eq!(G::addMemberCall::abi_decode(&out[0]).unwrap().member, A);
        assert_eq!(G::removeMemberCall::abi_decode(&out[1]).unwrap().member, A);
        assert_eq!(
            G::addValidatorCall::abi_decode(&out[2]).unwrap().validator,
            A
        );
        assert_eq!(
            G::removeValidatorCall::abi_decode(&out[3])
                .unwrap()
                .validator,
            A
        );
        assert_eq!(G::admitNodeCall::abi_decode(&out[4]).unwrap().node, A);
        assert_eq!(G::removeNodeCall::abi_decode(&out[5]).unwrap().node, A);
        assert_eq!(describe(&out[2]), format!("add validator {A}"));
    }

    #[test]
    fn repeated_flags_give_one_action_each_in_order() {
        let b = address!("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
        let out = calls(&[
            "--admit-node",
            &b.to_string(),
            "--add-member",
            &A.to_string(),
            "--add-member",
            &b.to_string(),
        ]);
        let described: Vec<String> = out.iter().map(|c| describe(c)).collect();
        assert_eq!(
            described,
            [
                format!("add member {A}"),
                format!("add member {b}"),
                format!("admit node {b}")
            ]
        );
    }

    #[test]
    fn measurement_parts_default_to_zero() {
        let enclave = B256::repeat_byte(0xab);
        let out = calls(&["--allow-measurement", &format!("mrenclave={enclave},svn=3")]);
        let call = ICloisterGovernance::allowMeasurementCall::abi_decode(&out[0]).unwrap();
        assert_eq!(
            (
                call.mrenclave,
                call.mrsigner,
                call.productId,
                call.minIsvSvn
            ),
            (enclave, B256::ZERO, 0, 3)
        );
        let signer = "cd".repeat(32);
        let spec = parse_measurement(&format!("mrsigner={signer}, product=7")).unwrap();
        assert_eq!(spec.mrsigner, B256::repeat_byte(0xcd));
        assert_eq!(spec.product_id, 7);
        assert!(
            parse_measurement("svn=1").is_err(),
            "neither mrenclave nor mrsigner"
        );
        assert!(parse_measurement("mrenclave=0x12").is_err(), "short hash");
        assert!(parse_measurement(&format!("mrenclave={enclave},svn=70000")).is_err());
        assert!(parse_measurement(&format!("mrenclave={enclave},colour=red")).is_err());
        let id = B256::repeat_byte(7);
        let out = calls(&["--revoke-measurement", &id.to_string()]);
        assert_eq!(
            ICloisterGovernance::revokeMeasurementCall::abi_decode(&out[0])
                .unwrap()
                .id,
            id
        );
    }

    #[test]
    fn roles_grant_and_revoke() {
        let out = calls(&[
            "--grant-role",
            &format!("{A}=auditor"),
            "--revoke-role",
            &format!("{A}=admin"),
        ]);
        let grant = ICloisterGovernance::setRoleCall::abi_decode(&out[0]).unwrap();
        assert_eq!(
            (grant.account, grant.role.as_str(), grant.granted),
            (A, "auditor", true)
        );
        let revoke = ICloisterGovernance::setRoleCall::abi_decode(&out[1]).unwrap();
        assert_eq!((revoke.role.as_str(), revoke.granted), ("admin", false));
        assert_eq!(describe(&out[0]), format!("grant role `auditor` to {A}"));
        assert!(parse_role("0x12=auditor").is_err());
        assert!(parse_role(&format!("{A}=")).is_err());
        assert!(parse_role("auditor").is_err());
    }

    #[test]
    fn policy_file_is_carried_verbatim_and_must_be_json() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.json");
        let json = r#"{"mode":"confidential","roles":{}}"#;
        std::fs::write(&path, json).unwrap();
        let out = calls(&["--set-policy", path.to_str().unwrap()]);
        let call = ICloisterGovernance::setPolicyCall::abi_decode(&out[0]).unwrap();
        assert_eq!(call.policyJson.as_ref(), json.as_bytes());
        std::fs::write(&path, "{not json").unwrap();
        let args = Cli::try_parse_from(["test", "--set-policy", path.to_str().unwrap()]).unwrap();
        assert!(args.actions.calls().is_err());
    }

    #[test]
    fn thresholds_need_all_three_parts() {
        let out = calls(&["--set-thresholds", "add=5001,remove=6667,period=86400"]);
        let call = ICloisterGovernance::setThresholdsCall::abi_decode(&out[0]).unwrap();
        assert_eq!(
            (call.addBps, call.removeBps, call.votingPeriod),
            (5001, 6667, 86_400)
        );
        assert!(parse_thresholds("add=5001,remove=6667").is_err());
        assert!(parse_thresholds("add=10001,remove=1,period=1").is_err());
        assert!(parse_thresholds("add=1,remove=1,period=-1").is_err());
    }

    #[test]
    fn no_action_is_an_error_and_unknown_calls_show_as_hex() {
        let args = Cli::try_parse_from(["test"]).unwrap();
        assert!(args.actions.calls().is_err());
        assert_eq!(describe(&[1, 2, 3, 4]), "unknown call 0x01020304");
        assert!(Cli::try_parse_from(["test", "--add-member", "0x1234"]).is_err());
    }
}
