//! DCAP collateral carried beside a quote: PCK and root CRLs, TCB info and QE identity, each
//! with its issuer chain and signature, in the JSON format dcap-qvl and PCCS clients use.

use dcap_qvl::QuoteCollateralV3;
use serde::Deserialize;

use crate::error::VerifyError;
use crate::strict::canonical_chain;

/// Collateral for one quote, parsed from JSON.
#[derive(Clone, Debug)]
pub struct Collateral {
    pub(crate) inner: QuoteCollateralV3,
    /// Parsed `pck_crl_issuer_chain`, matched against the quote's chain at verification.
    pub(crate) pck_crl_issuers: Vec<pem::Pem>,
    window: CollateralWindow,
}

/// When the signed collateral documents (TCB info and QE identity) are all valid, in Unix
/// seconds, bounds included. CRL validity is checked by dcap-qvl during verification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CollateralWindow {
    /// Latest `issueDate` of the documents.
    pub not_before: u64,
    /// Earliest `nextUpdate` of the documents.
    pub not_after: u64,
}

/// The two dates every signed collateral document carries.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DocumentDates {
    issue_date: Option<String>,
    next_update: Option<String>,
}

impl Collateral {
    /// Parses collateral JSON (fields `pck_crl_issuer_chain`, `root_ca_crl`, `pck_crl`,
    /// `tcb_info_issuer_chain`, `tcb_info`, `tcb_info_signature`, `qe_identity_issuer_chain`,
    /// `qe_identity`, `qe_identity_signature`; binary fields in hex).
    pub fn from_json(json: &[u8]) -> Result<Self, VerifyError> {
        let inner: QuoteCollateralV3 = serde_json::from_slice(json)?;
        let tcb = document_window(&inner.tcb_info, "tcb_info")?;
        let qe = document_window(&inner.qe_identity, "qe_identity")?;
        let pck_crl_issuers = canonical_chain(
            inner.pck_crl_issuer_chain.as_bytes(),
            "pck_crl_issuer_chain",
        )?;
        canonical_chain(
            inner.tcb_info_issuer_chain.as_bytes(),
            "tcb_info_issuer_chain",
        )?;
        canonical_chain(
            inner.qe_identity_issuer_chain.as_bytes(),
            "qe_identity_issuer_chain",
        )?;
        let window = CollateralWindow {
            not_before: tcb.not_before.max(qe.not_before),
            not_after: tcb.not_after.min(qe.not_after),
        };
        Ok(Self {
            inner,
            pck_crl_issuers,
            window,
        })
    }

    /// Serializes back to the same JSON format, e.g. to hand it to a remote verifier.
    pub fn to_json(&self) -> Result<Vec<u8>, VerifyError> {
        Ok(serde_json::to_vec(&self.inner)?)
    }

    /// When the signed documents are valid. Not a verification result: the dates are read
    /// before any signature is checked.
    pub fn window(&self) -> CollateralWindow {
        self.window
    }
}

/// Reads `issueDate` / `nextUpdate` of one signed JSON document.
fn document_window(
    document_json: &str,
    document: &'static str,
) -> Result<CollateralWindow, VerifyError> {
    let dates: DocumentDates = serde_json::from_str(document_json)?;
    let not_before = unix_seconds(dates.issue_date.as_deref(), document, "issueDate")?;
    let not_after = unix_seconds(dates.next_update.as_deref(), document, "nextUpdate")?;
    Ok(CollateralWindow {
        not_before,
        not_after,
    })
}

fn unix_seconds(
    rfc3339: Option<&str>,
    document: &'static str,
    field: &'static str,
) -> Result<u64, VerifyError> {
    let malformed = || VerifyError::CollateralField { document, field };
    let time = humantime::parse_rfc3339(rfc3339.ok_or_else(malformed)?).map_err(|_| malformed())?;
    time.duration_since(std::time::UNIX_EPOCH)
        .map(|since| since.as_secs())
        .map_err(|_| malformed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_is_intersection_of_documents() {
        let tcb = r#"{"issueDate":"2025-06-19T10:00:00Z","nextUpdate":"2025-07-19T10:00:00Z"}"#;
        let qe = r#"{"issueDate":"2025-06-19T11:00:00Z","nextUpdate":"2025-07-19T09:00:00Z"}"#;
        let a = document_window(tcb, "tcb_info").unwrap();
        let b = document_window(qe, "qe_identity").unwrap();
        assert_eq!(a.not_before, 1_750_327_200);
        assert_eq!(b.not_before - a.not_before, 3600);
        assert_eq!(a.not_after - b.not_after, 3600);
    }

    #[test]
    fn missing_date_is_typed() {
        let err = document_window(r#"{"issueDate":"2025-06-19T10:00:00Z"}"#, "qe_identity");
        assert!(matches!(
            err,
            Err(VerifyError::CollateralField {
                document: "qe_identity",
                field: "nextUpdate"
            })
        ));
    }
}
