//! What a verified quote proves: the platform's TCB status and the enclave's identity.

use dcap_qvl::quote::{EnclaveReport, Report, TDReport10};
use serde::{Deserialize, Serialize};

use crate::measurement::{Mr256, Mr384};
use crate::tcb::TcbStatus;

/// SGX ATTRIBUTES.FLAGS bit 1: the enclave was launched in debug mode.
const SGX_ATTRIBUTE_DEBUG: u8 = 0x02;

/// A quote whose signatures, certificate chains, CRLs, QE identity and TCB level all checked
/// out against its collateral at the caller's `now`. Serializes to JSON with hex byte fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedQuote {
    /// The platform's TCB status from the TCB info collateral.
    pub tcb_status: TcbStatus,
    /// Intel security advisories (`INTEL-SA-…`) that apply at this TCB level.
    pub advisory_ids: Vec<String>,
    /// Who produced the quote.
    pub identity: EnclaveIdentity,
}

/// The attested code: an SGX enclave or a TDX trust domain.
// One value per verification: boxing the larger TDX variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum EnclaveIdentity {
    /// An SGX enclave (quote v3).
    Sgx(SgxEnclave),
    /// A TDX trust domain (quote v4/v5).
    Tdx(TdxDomain),
}

/// The SGX enclave report inside a quote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SgxEnclave {
    /// Hash of the enclave's initial code and data.
    pub mr_enclave: Mr256,
    /// Hash of the key that signed the enclave.
    pub mr_signer: Mr256,
    /// Product id chosen by the signer.
    pub isv_prod_id: u16,
    /// Security version chosen by the signer.
    pub isv_svn: u16,
    /// The 64 bytes the enclave bound into the report (for RA-TLS: a key hash).
    #[serde(with = "crate::hex_serde")]
    pub report_data: [u8; 64],
    /// Whether the enclave runs in debug mode.
    pub debug: bool,
}

/// The TDX report inside a quote (TD 1.0 fields; 1.5 extensions are not surfaced yet).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TdxDomain {
    /// Measurement of the TD's initial contents.
    pub mr_td: Mr384,
    /// Runtime measurement registers 0..=3.
    pub rt_mrs: [Mr384; 4],
    /// Measurement of the TDX module.
    pub mr_seam: Mr384,
    /// Software-defined configuration id.
    pub mr_config_id: Mr384,
    /// Software-defined owner id.
    pub mr_owner: Mr384,
    /// The 64 bytes the TD bound into the report.
    #[serde(with = "crate::hex_serde")]
    pub report_data: [u8; 64],
    /// Whether any TD-under-debug attribute bit is set.
    pub debug: bool,
}

impl VerifiedQuote {
    /// The report data of the enclave or TD.
    pub fn report_data(&self) -> &[u8; 64] {
        match &self.identity {
            EnclaveIdentity::Sgx(enclave) => &enclave.report_data,
            EnclaveIdentity::Tdx(domain) => &domain.report_data,
        }
    }

    /// Whether the enclave or TD runs in debug mode.
    pub fn is_debug(&self) -> bool {
        self.identity.is_debug()
    }

    /// The SGX enclave, if this is an SGX quote.
    pub fn sgx(&self) -> Option<&SgxEnclave> {
        match &self.identity {
            EnclaveIdentity::Sgx(enclave) => Some(enclave),
            EnclaveIdentity::Tdx(_) => None,
        }
    }
}

impl EnclaveIdentity {
    /// Reads the identity out of a dcap-qvl report.
    pub(crate) fn from_report(report: &Report) -> Self {
        match report {
            Report::SgxEnclave(enclave) => EnclaveIdentity::Sgx(SgxEnclave::from_report(enclave)),
            Report::TD10(domain) => EnclaveIdentity::Tdx(TdxDomain::from_report(domain)),
            Report::TD15(domain) => EnclaveIdentity::Tdx(TdxDomain::from_report(&domain.base)),
            Report::TD15Ex(domain) => {
                EnclaveIdentity::Tdx(TdxDomain::from_report(&domain.base.base))
            }
        }
    }

    /// Whether the enclave or TD runs in debug mode.
    pub fn is_debug(&self) -> bool {
        match self {
            EnclaveIdentity::Sgx(enclave) => enclave.debug,
            EnclaveIdentity::Tdx(domain) => domain.debug,
        }
    }
}

impl SgxEnclave {
    fn from_report(report: &EnclaveReport) -> Self {
        Self {
            mr_enclave: Mr256::from(report.mr_enclave),
            mr_signer: Mr256::from(report.mr_signer),
            isv_prod_id: report.isv_prod_id,
            isv_svn: report.isv_svn,
            report_data: report.report_data,
            debug: report.attributes[0] & SGX_ATTRIBUTE_DEBUG != 0,
        }
    }
}

impl TdxDomain {
    fn from_report(report: &TDReport10) -> Self {
        Self {
            mr_td: Mr384::from(report.mr_td),
            rt_mrs: [report.rt_mr0, report.rt_mr1, report.rt_mr2, report.rt_mr3].map(Mr384::from),
            mr_seam: Mr384::from(report.mr_seam),
            mr_config_id: Mr384::from(report.mr_config_id),
            mr_owner: Mr384::from(report.mr_owner),
            report_data: report.report_data,
            // Byte 0 of TDATTRIBUTES is the TUD group: any bit set makes the TD untrusted.
            debug: report.td_attributes[0] != 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tcb::TcbStatus;

    #[test]
    fn verified_quote_json_uses_hex_and_round_trips() {
        let quote = VerifiedQuote {
            tcb_status: TcbStatus::UpToDate,
            advisory_ids: vec!["INTEL-SA-00289".to_owned()],
            identity: EnclaveIdentity::Sgx(SgxEnclave {
                mr_enclave: Mr256::from([0xab; 32]),
                mr_signer: Mr256::from([0xcd; 32]),
                isv_prod_id: 1,
                isv_svn: 2,
                report_data: [0x11; 64],
                debug: false,
            }),
        };
        let json = serde_json::to_value(&quote).unwrap();
        assert_eq!(json["identity"]["kind"], "sgx");
        assert_eq!(json["identity"]["mr_enclave"], "ab".repeat(32));
        assert_eq!(json["identity"]["report_data"], "11".repeat(64));
        assert_eq!(json["tcb_status"], "UpToDate");
        assert_eq!(
            serde_json::from_value::<VerifiedQuote>(json).unwrap(),
            quote
        );
    }
}
