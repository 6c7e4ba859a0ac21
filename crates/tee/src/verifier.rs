//! `QuoteVerifier`: dcap-qvl's cryptographic verification followed by our policy.

use std::time::{SystemTime, UNIX_EPOCH};

use dcap_qvl::configs::RustCryptoConfig;
use dcap_qvl::quote::Quote;

use crate::collateral::Collateral;
use crate::error::{PolicyConfigError, PolicyViolation, VerifyError};
use crate::policy::VerificationPolicy;
use crate::strict;
use crate::verified::{EnclaveIdentity, VerifiedQuote};

/// Verifies DCAP quotes offline against Intel's production root CA and a policy.
#[derive(Clone, Debug)]
pub struct QuoteVerifier {
    policy: VerificationPolicy,
}

impl QuoteVerifier {
    /// A verifier applying `policy`, which must pass [`VerificationPolicy::validate`].
    pub fn new(policy: VerificationPolicy) -> Result<Self, PolicyConfigError> {
        policy.validate()?;
        Ok(Self { policy })
    }

    /// The policy applied after cryptographic verification.
    pub fn policy(&self) -> &VerificationPolicy {
        &self.policy
    }

    /// Verifies `quote` with `collateral` at time `now`, then applies the policy.
    ///
    /// `now` must come from a source the caller trusts and bounds (inside an enclave the host
    /// controls the clock): a host that can wind it back can make expired collateral and
    /// revoked platforms look current.
    pub fn verify(
        &self,
        quote: &[u8],
        collateral: &Collateral,
        now: SystemTime,
    ) -> Result<VerifiedQuote, VerifyError> {
        // Refusing a debug enclave before the signatures are checked is safe (it only refuses)
        // and gives the caller the precise reason rather than dcap-qvl's message.
        let parsed = parse(quote)?;
        if EnclaveIdentity::from_report(&parsed.report).is_debug() {
            return Err(PolicyViolation::DebugEnclave.into());
        }
        let verified = Self::verify_without_policy(quote, collateral, now)?;
        self.policy.check(&verified)?;
        Ok(verified)
    }

    /// Cryptographic verification only: signatures, certificate chains to Intel's root, CRLs,
    /// QE identity, TCB level, collateral dates, and dcap-qvl's refusal of debug enclaves.
    /// No MRENCLAVE / MRSIGNER / MRTD or TCB status rule is applied: use it to report on a
    /// quote, never to admit one.
    pub fn verify_without_policy(
        quote: &[u8],
        collateral: &Collateral,
        now: SystemTime,
    ) -> Result<VerifiedQuote, VerifyError> {
        let now_secs = now
            .duration_since(UNIX_EPOCH)
            .map_err(|_| VerifyError::ClockBeforeEpoch)?
            .as_secs();
        let parsed = parse(quote)?;
        let quote_chain = strict::check_quote(quote, &parsed)?;
        strict::check_pck_crl_issuer_chain(&quote_chain, &collateral.pck_crl_issuers)?;
        let window = collateral.window();
        if now_secs < window.not_before {
            return Err(VerifyError::CollateralNotYetValid {
                not_before: window.not_before,
                now: now_secs,
            });
        }
        if now_secs > window.not_after {
            return Err(VerifyError::CollateralExpired {
                not_after: window.not_after,
                now: now_secs,
            });
        }
        let report = dcap_qvl::verify::QuoteVerifier::<RustCryptoConfig>::new_with_config(
            strict::INTEL_SGX_ROOT_CA_DER.to_vec(),
        )
        .verify(quote, &collateral.inner, now_secs)
        .map_err(|err| VerifyError::Dcap {
            reason: format!("{err:#}"),
        })?;
        Ok(VerifiedQuote {
            tcb_status: report.status.parse()?,
            advisory_ids: report.advisory_ids,
            identity: EnclaveIdentity::from_report(&report.report),
        })
    }
}

fn parse(quote: &[u8]) -> Result<Quote, VerifyError> {
    Quote::parse(quote).map_err(|err| VerifyError::MalformedQuote {
        reason: format!("{err:#}"),
    })
}
