//! Who may talk to this node: a member key (the caller's predicate: genesis validators and
//! admitted nodes) and, when the node runs with a TEE, an attested certificate whose
//! measurement the chain allows. With `--tee none` there is no quote to check: the key proof
//! alone admits a peer, which protects nothing against the host and is for development only.

use super::error::RefusalReason;
use cloister_primitives::Address;
use cloister_tee::{
    AttestationReport, Collateral, EnclaveRule, Mr256, QuoteKind, RaTlsCheck, VerificationPolicy,
    verify_ra_tls_certificate,
};
use std::{
    fmt,
    sync::{
        Arc, RwLock,
        atomic::{AtomicU64, Ordering},
    },
    time::SystemTime,
};

/// Whether an address is a member of the cluster; asked on every connection, so it may follow
/// governance as it changes.
pub type Membership = Arc<dyn Fn(&Address) -> bool + Send + Sync>;

/// What a peer's RA-TLS certificate must prove.
#[derive(Clone, Debug)]
pub struct PeerAttestation {
    check: RaTlsCheck,
    /// MRENCLAVEs the chain allows, also applied to simulated quotes (which the quote policy
    /// does not see); empty means the chain names none.
    allowed_mrenclaves: Vec<Mr256>,
}

impl PeerAttestation {
    /// The chain's allowed measurements (`cloister.allowedMeasurements`) and simulation rule
    /// (`allowSimulatedTee`), as `cloister attest verify --genesis` reads them.
    pub fn new(allowed: Vec<EnclaveRule>, allow_simulated: bool) -> Self {
        let allowed_mrenclaves = allowed.iter().filter_map(|r| r.mr_enclave).collect();
        let policy = VerificationPolicy {
            allowed_enclaves: allowed,
            ..VerificationPolicy::default()
        };
        let mut check = RaTlsCheck::new(policy, SystemTime::now());
        check.allow_simulated = allow_simulated;
        Self {
            check,
            allowed_mrenclaves,
        }
    }

    /// The same check with other allowed measurements and simulation rule (collateral kept).
    fn with_rules(&self, allowed: Vec<EnclaveRule>, allow_simulated: bool) -> Self {
        let mut next = Self::new(allowed, allow_simulated);
        next.check.collateral = self.check.collateral.clone();
        next
    }

    /// Collateral for verifying real quotes (without it a real quote is refused).
    pub fn with_collateral(mut self, collateral: Collateral) -> Self {
        self.check.collateral = Some(collateral);
        self
    }

    /// Checks a peer's certificate now.
    pub fn verify(&self, cert_der: &[u8]) -> Result<AttestationReport, RefusalReason> {
        let mut check = self.check.clone();
        check.now = SystemTime::now();
        let report = verify_ra_tls_certificate(cert_der, &check)
            .map_err(|e| RefusalReason::Attestation(e.to_string()))?;
        // Real quotes met the allow-list inside the verifier; a simulated one is held to the
        // chain's MRENCLAVE list here, as `attest verify` does.
        if report.kind == QuoteKind::Simulated && !self.allowed_mrenclaves.is_empty() {
            match report.mrenclave {
                Some(mr) if self.allowed_mrenclaves.contains(&mr) => {}
                Some(mr) => return Err(RefusalReason::MeasurementNotAllowed(mr.to_string())),
                None => return Err(RefusalReason::Attestation("quote has no MRENCLAVE".into())),
            }
        }
        Ok(report)
    }
}

/// The rules a peer must meet, both when it dials this node and when this node dials it.
/// Clones share the rules: governance changes them ([`PeerPolicy::set_attestation_rules`],
/// [`PeerPolicy::rules_changed`]) and every open connection checks its peer again before its
/// next request once the [`generation`](PeerPolicy::generation) has moved.
#[derive(Clone)]
pub struct PeerPolicy {
    /// Member keys.
    pub membership: Membership,
    /// The attestation rule; `None` with `--tee none` (no quote required).
    attestation: Option<Arc<RwLock<PeerAttestation>>>,
    /// Moves whenever the rules may have changed.
    generation: Arc<AtomicU64>,
}

impl PeerPolicy {
    /// A policy admitting keys for which `membership` holds, attested per `attestation`.
    pub fn new(membership: Membership, attestation: Option<PeerAttestation>) -> Self {
        Self {
            membership,
            attestation: attestation.map(|a| Arc::new(RwLock::new(a))),
            generation: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Whether peers must present an attested certificate.
    pub fn attests(&self) -> bool {
        self.attestation.is_some()
    }

    /// The application-layer check of a peer's certificate: its report, or `None` without a
    /// TEE.
    pub fn verify_certificate(
        &self,
        cert_der: &[u8],
    ) -> Result<Option<AttestationReport>, RefusalReason> {
        match &self.attestation {
            Some(attestation) => attestation
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .verify(cert_der)
                .map(Some),
            None => Ok(None),
        }
    }

    /// The application-layer check of a peer's certificate.
    pub fn check_certificate(&self, cert_der: &[u8]) -> Result<(), RefusalReason> {
        self.verify_certificate(cert_der).map(|_| ())
    }

    /// Whether `address` is a member.
    pub fn check_member(&self, address: &Address) -> Result<(), RefusalReason> {
        if (self.membership)(address) {
            Ok(())
        } else {
            Err(RefusalReason::NotMember(*address))
        }
    }

    /// Both checks, as an open connection repeats them after the rules changed.
    pub fn check_peer(&self, address: &Address, cert_der: &[u8]) -> Result<(), RefusalReason> {
        self.check_member(address)?;
        self.check_certificate(cert_der)
    }

    /// Replaces the allowed measurements and the simulation rule (no-op without a TEE) and
    /// makes every open connection check its peer again.
    pub fn set_attestation_rules(&self, allowed: Vec<EnclaveRule>, allow_simulated: bool) {
        if let Some(attestation) = &self.attestation {
            let mut current = attestation.write().unwrap_or_else(|e| e.into_inner());
            *current = current.with_rules(allowed, allow_simulated);
        }
        self.rules_changed();
    }

    /// Tells open connections that membership may have changed.
    pub fn rules_changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Moves whenever the rules may have changed.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }
}

impl fmt::Debug for PeerPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeerPolicy")
            .field("attests", &self.attests())
            .field("generation", &self.generation())
            .finish_non_exhaustive()
    }
}
