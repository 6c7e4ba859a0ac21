//! What makes a node confidential at start: the policy from genesis, the TLS identity (RA-TLS
//! from the attester, PEM files, or a generated certificate), and the rule that plain HTTP is
//! served only on loopback with `--dev` or `--http`, or for a transparent chain (no `cloister`
//! section: nothing there is confidential).

use crate::{
    NodeConfig, NodeError,
    cloister_api::Attestation,
    config::{TeeMode, TlsSource},
};
use cloister_chainspec::{AllowedMeasurement, ChainSpec};

use cloister_rpc::TlsIdentity;
use cloister_tee::{
    Attester, EnclaveRule, Mr256, OcclumAttester, RaTlsIdentity, SimulatedAttester,
};

/// Names a certificate of this node is valid for.
fn subject_names(config: &NodeConfig) -> Vec<String> {
    let mut names = vec!["localhost".to_string(), config.host.to_string()];
    if !config.host.is_loopback() {
        names.push("127.0.0.1".into());
    }
    names.dedup();
    names
}

/// The chain's allowed measurements as the quote verifier's rules.
pub fn enclave_rules(measurements: &[AllowedMeasurement]) -> Vec<EnclaveRule> {
    measurements
        .iter()
        .map(|m| EnclaveRule {
            mr_enclave: m.mrenclave.map(|v| Mr256::from(v.0)),
            mr_signer: m.mrsigner.map(|v| Mr256::from(v.0)),
            isv_prod_id: m.isv_prod_id,
            min_isv_svn: m.isv_svn,
        })
        .collect()
}

/// The node's TLS and attestation: the RPC port's identity (`None`: plain HTTP), what
/// `cloister_attestation` says, and the RA-TLS identity (with a TEE) that the cluster port
/// presents too.
pub type Identities = (Option<TlsIdentity>, Attestation, Option<RaTlsIdentity>);

/// The TLS identity of the RPC port (`None`: plain HTTP), what `cloister_attestation` says, and
/// the RA-TLS identity when there is an attester.
pub fn tls_identity(config: &NodeConfig, spec: &ChainSpec) -> Result<Identities, NodeError> {
    let none = Attestation {
        kind: "none".into(),
        quote: None,
        collateral: None,
        certificate: None,
    };
    let attester: Option<Box<dyn Attester>> = match config.tee {
        TeeMode::None => None,
        TeeMode::Simulated => {
            let allowed = spec.cloister().is_some_and(|c| c.allow_simulated_tee);
            if !allowed {
                return Err(NodeError::Tee(
                    "this chain does not allow the simulated attester (genesis cloister.allowSimulatedTee)"
                        .into(),
                ));
            }
            Some(Box::new(match config.simulated_mrenclave {
                // Tests of admission need nodes that measure differently; simulation only.
                Some(mr) => SimulatedAttester::new(mr.0),
                None => SimulatedAttester::for_current_exe()
                    .map_err(|e| NodeError::Tee(e.to_string()))?,
            }))
        }
        TeeMode::Occlum => Some(Box::new(
            OcclumAttester::open().map_err(|e| NodeError::Tee(e.to_string()))?,
        )),
    };
    if let Some(attester) = attester {
        let identity = RaTlsIdentity::generate(attester.as_ref(), &subject_names(config))
            .map_err(|e| NodeError::Tee(e.to_string()))?;
        let collateral = match &config.attestation_collateral {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| NodeError::Tee(format!("{}: {e}", path.display())))?;
                Some(
                    serde_json::from_str(&text)
                        .map_err(|e| NodeError::Tee(format!("{}: {e}", path.display())))?,
                )
            }
            None => None,
        };
        let attestation = Attestation {
            kind: match config.tee {
                TeeMode::Simulated => "simulated".into(),
                _ => "sgx".into(),
            },
            quote: Some(hex::encode(&identity.quote)),
            collateral,
            certificate: Some(hex::encode(&identity.cert_der)),
        };
        let tls = TlsIdentity {
            chain: identity.certificate_chain(),
            key: identity.private_key(),
        };
        return Ok((Some(tls), attestation, Some(identity)));
    }
    match &config.tls {
        TlsSource::Files { cert, key } => Ok((
            Some(
                TlsIdentity::from_pem_files(cert, key)
                    .map_err(|e| NodeError::Tls(e.to_string()))?,
            ),
            none,
            None,
        )),
        TlsSource::Auto if plain_http_allowed(config, spec) => Ok((None, none, None)),
        TlsSource::Auto => Ok((Some(generated(config)?), none, None)),
    }
}

/// Whether this node may serve plain HTTP.
pub fn plain_http_allowed(config: &NodeConfig, spec: &ChainSpec) -> bool {
    spec.cloister().is_none() || (config.host.is_loopback() && (config.dev || config.plain_http))
}

/// A self-signed certificate made at start; its key lives in memory only.
fn generated(config: &NodeConfig) -> Result<TlsIdentity, NodeError> {
    let certified = rcgen::generate_simple_self_signed(subject_names(config))
        .map_err(|e| NodeError::Tls(e.to_string()))?;
    let chain = vec![certified.cert.der().clone()];
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    tracing::info!(
        target: "cloister::node",
        sha256 = %hex::encode(cloister_rpc::fingerprint(&chain[0])),
        "generated a TLS certificate for this run"
    );
    Ok(TlsIdentity { chain, key })
}
