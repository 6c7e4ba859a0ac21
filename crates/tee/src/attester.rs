//! The `Attester` seam: whatever produces a quote binding 64 bytes of report data to the
//! running code. Two backends: Occlum DCAP on SGX hardware, and a simulated one for
//! development that no production verifier accepts.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::AttestError;

/// Which backend produced a quote.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttesterKind {
    /// Intel SGX DCAP quotes from Occlum's `/dev/sgx`.
    Occlum,
    /// Fake, clearly marked quotes: development only, no security.
    Simulated,
}

impl AttesterKind {
    /// The lowercase name used in config and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            AttesterKind::Occlum => "occlum",
            AttesterKind::Simulated => "simulated",
        }
    }

    /// Whether quotes of this kind prove anything.
    pub fn is_simulated(self) -> bool {
        self == AttesterKind::Simulated
    }
}

impl fmt::Display for AttesterKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Produces quotes over caller-chosen report data.
///
/// Quote generation may block (the SGX backend retries a busy device with sleeps): call it
/// from a blocking context, e.g. `tokio::task::spawn_blocking`.
pub trait Attester: Send + Sync + fmt::Debug {
    /// The backend.
    fn kind(&self) -> AttesterKind;

    /// A quote whose report data is exactly `report_data`.
    fn quote(&self, report_data: &[u8; 64]) -> Result<Vec<u8>, AttestError>;
}
