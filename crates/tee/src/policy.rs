//! The explicit rules a cryptographically valid quote must also meet.

use serde::{Deserialize, Serialize};

use crate::error::{PolicyConfigError, PolicyViolation};
use crate::measurement::{Mr256, Mr384};
use crate::tcb::TcbStatus;
use crate::verified::{EnclaveIdentity, SgxEnclave, TdxDomain, VerifiedQuote};

/// What a verifier accepts. Debug enclaves are always refused; there is no switch for them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VerificationPolicy {
    /// SGX enclaves allowed: a quote passes if any rule names it and its ISVSVN is high enough.
    pub allowed_enclaves: Vec<EnclaveRule>,
    /// TDX trust domains allowed, by MRTD. Empty: every TDX quote is refused.
    pub allowed_tds: Vec<TdRule>,
    /// TCB statuses accepted for the platform.
    pub accepted_tcb_statuses: Vec<TcbStatus>,
}

/// One allowed SGX enclave identity. Every field given must match.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EnclaveRule {
    /// Exact code measurement.
    pub mr_enclave: Option<Mr256>,
    /// Signer of the enclave (allows every version that signer ships).
    pub mr_signer: Option<Mr256>,
    /// Product id, usually given with `mr_signer`.
    pub isv_prod_id: Option<u16>,
    /// Lowest accepted security version.
    pub min_isv_svn: u16,
}

/// One allowed TDX trust domain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TdRule {
    /// The TD's initial measurement.
    pub mr_td: Mr384,
}

impl Default for VerificationPolicy {
    /// Allows no enclave; accepts platforms that are up to date or need only software hardening
    /// or configuration with software hardening (both listed in the advisories).
    fn default() -> Self {
        Self {
            allowed_enclaves: Vec::new(),
            allowed_tds: Vec::new(),
            accepted_tcb_statuses: vec![
                TcbStatus::UpToDate,
                TcbStatus::SWHardeningNeeded,
                TcbStatus::ConfigurationAndSWHardeningNeeded,
            ],
        }
    }
}

impl EnclaveRule {
    /// A rule allowing exactly this code measurement.
    pub fn mr_enclave(mr_enclave: Mr256, min_isv_svn: u16) -> Self {
        Self {
            mr_enclave: Some(mr_enclave),
            min_isv_svn,
            ..Self::default()
        }
    }

    /// A rule allowing every enclave of this signer and product.
    pub fn mr_signer(mr_signer: Mr256, isv_prod_id: u16, min_isv_svn: u16) -> Self {
        Self {
            mr_signer: Some(mr_signer),
            isv_prod_id: Some(isv_prod_id),
            min_isv_svn,
            ..Self::default()
        }
    }

    /// Whether the rule names this enclave (ignoring ISVSVN).
    fn names(&self, enclave: &SgxEnclave) -> bool {
        self.mr_enclave.is_none_or(|mr| mr == enclave.mr_enclave)
            && self.mr_signer.is_none_or(|mr| mr == enclave.mr_signer)
            && self.isv_prod_id.is_none_or(|id| id == enclave.isv_prod_id)
    }
}

impl VerificationPolicy {
    /// Refuses policies that would allow any enclave or refuse every quote.
    pub fn validate(&self) -> Result<(), PolicyConfigError> {
        if let Some(index) = self
            .allowed_enclaves
            .iter()
            .position(|rule| rule.mr_enclave.is_none() && rule.mr_signer.is_none())
        {
            return Err(PolicyConfigError::RuleWithoutMeasurement { index });
        }
        if self.accepted_tcb_statuses.is_empty() {
            return Err(PolicyConfigError::NoAcceptedTcbStatus);
        }
        if self.accepted_tcb_statuses.contains(&TcbStatus::Revoked) {
            return Err(PolicyConfigError::RevokedAccepted);
        }
        Ok(())
    }

    /// Applies the rules in order: debug, identity, ISVSVN, TCB status.
    pub fn check(&self, quote: &VerifiedQuote) -> Result<(), PolicyViolation> {
        if quote.is_debug() {
            return Err(PolicyViolation::DebugEnclave);
        }
        match &quote.identity {
            EnclaveIdentity::Sgx(enclave) => self.check_enclave(enclave)?,
            EnclaveIdentity::Tdx(domain) => self.check_domain(domain)?,
        }
        if !self.accepted_tcb_statuses.contains(&quote.tcb_status) {
            return Err(PolicyViolation::TcbStatusNotAccepted {
                status: quote.tcb_status,
                advisory_ids: quote.advisory_ids.clone(),
            });
        }
        Ok(())
    }

    fn check_enclave(&self, enclave: &SgxEnclave) -> Result<(), PolicyViolation> {
        let lowest_minimum = self
            .allowed_enclaves
            .iter()
            .filter(|rule| rule.names(enclave))
            .map(|rule| rule.min_isv_svn)
            .min()
            .ok_or(PolicyViolation::EnclaveNotAllowed {
                mr_enclave: enclave.mr_enclave,
                mr_signer: enclave.mr_signer,
            })?;
        if enclave.isv_svn < lowest_minimum {
            return Err(PolicyViolation::IsvSvnTooLow {
                isv_svn: enclave.isv_svn,
                min_isv_svn: lowest_minimum,
            });
        }
        Ok(())
    }

    fn check_domain(&self, domain: &TdxDomain) -> Result<(), PolicyViolation> {
        if self
            .allowed_tds
            .iter()
            .any(|rule| rule.mr_td == domain.mr_td)
        {
            Ok(())
        } else {
            Err(PolicyViolation::TdNotAllowed {
                mr_td: domain.mr_td,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enclave(debug: bool, isv_svn: u16) -> VerifiedQuote {
        VerifiedQuote {
            tcb_status: TcbStatus::UpToDate,
            advisory_ids: Vec::new(),
            identity: EnclaveIdentity::Sgx(SgxEnclave {
                mr_enclave: Mr256::from([1; 32]),
                mr_signer: Mr256::from([2; 32]),
                isv_prod_id: 7,
                isv_svn,
                report_data: [0; 64],
                debug,
            }),
        }
    }

    fn policy_with(rules: Vec<EnclaveRule>) -> VerificationPolicy {
        VerificationPolicy {
            allowed_enclaves: rules,
            ..VerificationPolicy::default()
        }
    }

    #[test]
    fn debug_enclave_is_refused_even_when_listed() {
        let policy = policy_with(vec![EnclaveRule::mr_enclave(Mr256::from([1; 32]), 0)]);
        assert_eq!(
            policy.check(&enclave(true, 5)),
            Err(PolicyViolation::DebugEnclave)
        );
        assert_eq!(policy.check(&enclave(false, 5)), Ok(()));
    }

    #[test]
    fn isv_svn_minimum_applies_per_matching_rule() {
        let signer = Mr256::from([2; 32]);
        let policy = policy_with(vec![EnclaveRule::mr_signer(signer, 7, 5)]);
        assert_eq!(
            policy.check(&enclave(false, 4)),
            Err(PolicyViolation::IsvSvnTooLow {
                isv_svn: 4,
                min_isv_svn: 5
            })
        );
        assert_eq!(policy.check(&enclave(false, 5)), Ok(()));
        // Same signer, other product: not named.
        let other_product = policy_with(vec![EnclaveRule::mr_signer(signer, 8, 0)]);
        assert!(matches!(
            other_product.check(&enclave(false, 5)),
            Err(PolicyViolation::EnclaveNotAllowed { .. })
        ));
    }

    #[test]
    fn tcb_status_outside_list_is_refused() {
        let policy = policy_with(vec![EnclaveRule::mr_enclave(Mr256::from([1; 32]), 0)]);
        let mut quote = enclave(false, 0);
        quote.tcb_status = TcbStatus::OutOfDate;
        assert!(matches!(
            policy.check(&quote),
            Err(PolicyViolation::TcbStatusNotAccepted {
                status: TcbStatus::OutOfDate,
                ..
            })
        ));
    }

    #[test]
    fn validate_refuses_open_or_closed_policies() {
        let open = policy_with(vec![EnclaveRule::default()]);
        assert_eq!(
            open.validate(),
            Err(PolicyConfigError::RuleWithoutMeasurement { index: 0 })
        );
        let closed = VerificationPolicy {
            accepted_tcb_statuses: vec![],
            ..Default::default()
        };
        assert_eq!(
            closed.validate(),
            Err(PolicyConfigError::NoAcceptedTcbStatus)
        );
        let revoked = VerificationPolicy {
            accepted_tcb_statuses: vec![TcbStatus::Revoked],
            ..Default::default()
        };
        assert_eq!(revoked.validate(), Err(PolicyConfigError::RevokedAccepted));
        assert_eq!(VerificationPolicy::default().validate(), Ok(()));
    }

    #[test]
    fn policy_json_round_trips() {
        let policy = policy_with(vec![EnclaveRule::mr_signer(Mr256::from([2; 32]), 7, 3)]);
        let json = serde_json::to_string(&policy).unwrap();
        assert_eq!(
            serde_json::from_str::<VerificationPolicy>(&json).unwrap(),
            policy
        );
        assert!(serde_json::from_str::<VerificationPolicy>(r#"{"allow_debug":true}"#).is_err());
    }
}
