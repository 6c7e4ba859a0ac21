//! The simulated attester: quotes in a fake, unmistakable format for development without SGX.
//!
//! A simulated quote proves nothing: anyone can write one. It exists so that the whole node,
//! RA-TLS included, runs on a laptop. Verifiers refuse it unless the chain spec allows
//! simulation, and the format starts with a magic that no DCAP quote can start with (a DCAP
//! quote starts with a little-endian version 3..=5), so it cannot be mistaken for one.
//!
//! Layout (all integers little-endian), 165 bytes:
//! `magic (33) | version u16 | mrenclave (32) | mrsigner (32) | isv_svn u16 | report_data (64)`

use std::fs::File;
use std::io;

use sha2::{Digest as _, Sha256};

use crate::attester::{Attester, AttesterKind};
use crate::error::AttestError;
use crate::measurement::Mr256;

/// First bytes of every simulated quote.
pub const SIMULATED_QUOTE_MAGIC: &[u8; 33] = b"CLOISTER-SIMULATED-QUOTE-NOT-SGX\0";
/// The only layout version.
const SIMULATED_QUOTE_VERSION: u16 = 1;
/// The MRSIGNER of every simulated quote: no key signed the "enclave".
pub const SIMULATED_MRSIGNER: [u8; 32] = *b"SIMULATED-SIGNER-NOT-A-REAL-KEY!";
/// Total length of a simulated quote.
pub const SIMULATED_QUOTE_LEN: usize = 33 + 2 + 32 + 32 + 2 + 64;

/// What a simulated quote claims.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimulatedQuote {
    /// Simulated MRENCLAVE: by default the SHA-256 of the node executable.
    pub mr_enclave: Mr256,
    /// Always [`SIMULATED_MRSIGNER`].
    pub mr_signer: Mr256,
    /// Simulated ISVSVN.
    pub isv_svn: u16,
    /// The report data the quote was made over.
    pub report_data: [u8; 64],
}

/// Produces simulated quotes for a fixed simulated measurement.
#[derive(Clone, Debug)]
pub struct SimulatedAttester {
    mr_enclave: [u8; 32],
    isv_svn: u16,
}

impl SimulatedAttester {
    /// An attester claiming `measurement` as MRENCLAVE, ISVSVN 0.
    pub fn new(measurement: [u8; 32]) -> Self {
        Self {
            mr_enclave: measurement,
            isv_svn: 0,
        }
    }

    /// An attester whose MRENCLAVE is the SHA-256 of `/proc/self/exe`, so that a different
    /// binary has a different simulated measurement (as a different enclave build would).
    pub fn for_current_exe() -> Result<Self, AttestError> {
        let mut exe = File::open("/proc/self/exe").map_err(AttestError::ExecutableUnreadable)?;
        let mut hasher = Sha256::new();
        io::copy(&mut exe, &mut hasher).map_err(AttestError::ExecutableUnreadable)?;
        Ok(Self::new(hasher.finalize().into()))
    }

    /// The simulated MRENCLAVE.
    pub fn mr_enclave(&self) -> Mr256 {
        Mr256::from(self.mr_enclave)
    }
}

impl Attester for SimulatedAttester {
    fn kind(&self) -> AttesterKind {
        AttesterKind::Simulated
    }

    fn quote(&self, report_data: &[u8; 64]) -> Result<Vec<u8>, AttestError> {
        let mut quote = Vec::with_capacity(SIMULATED_QUOTE_LEN);
        quote.extend_from_slice(SIMULATED_QUOTE_MAGIC);
        quote.extend_from_slice(&SIMULATED_QUOTE_VERSION.to_le_bytes());
        quote.extend_from_slice(&self.mr_enclave);
        quote.extend_from_slice(&SIMULATED_MRSIGNER);
        quote.extend_from_slice(&self.isv_svn.to_le_bytes());
        quote.extend_from_slice(report_data);
        Ok(quote)
    }
}

/// Whether `quote` claims to be simulated (starts with the magic). Such a quote is never
/// handed to the DCAP verifier.
pub fn is_simulated_quote(quote: &[u8]) -> bool {
    quote.starts_with(SIMULATED_QUOTE_MAGIC)
}

/// Parses a simulated quote, requiring the exact layout.
pub fn parse_simulated_quote(quote: &[u8]) -> Result<SimulatedQuote, AttestError> {
    let malformed = |what| AttestError::MalformedSimulatedQuote { what };
    let body = quote
        .strip_prefix(SIMULATED_QUOTE_MAGIC)
        .ok_or_else(|| malformed("bad magic"))?;
    if quote.len() != SIMULATED_QUOTE_LEN {
        return Err(malformed("wrong length"));
    }
    let mut reader = FieldReader { rest: body };
    if u16::from_le_bytes(reader.take()?) != SIMULATED_QUOTE_VERSION {
        return Err(malformed("unknown version"));
    }
    let mr_enclave = Mr256::from(reader.take::<32>()?);
    let mr_signer: [u8; 32] = reader.take()?;
    if mr_signer != SIMULATED_MRSIGNER {
        return Err(malformed("MRSIGNER is not the simulated marker"));
    }
    let isv_svn = u16::from_le_bytes(reader.take()?);
    let report_data = reader.take()?;
    Ok(SimulatedQuote {
        mr_enclave,
        mr_signer: Mr256::from(mr_signer),
        isv_svn,
        report_data,
    })
}

/// Reads fixed-size fields front to back.
struct FieldReader<'a> {
    rest: &'a [u8],
}

impl FieldReader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], AttestError> {
        let (field, rest) = self
            .rest
            .split_first_chunk::<N>()
            .ok_or(AttestError::MalformedSimulatedQuote { what: "truncated" })?;
        self.rest = rest;
        Ok(*field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_round_trips() {
        let attester = SimulatedAttester::new([7; 32]);
        let report_data = [0x5a; 64];
        let quote = attester.quote(&report_data).unwrap();
        assert_eq!(quote.len(), SIMULATED_QUOTE_LEN);
        assert!(is_simulated_quote(&quote));
        let parsed = parse_simulated_quote(&quote).unwrap();
        assert_eq!(parsed.mr_enclave, Mr256::from([7; 32]));
        assert_eq!(parsed.mr_signer, Mr256::from(SIMULATED_MRSIGNER));
        assert_eq!(parsed.isv_svn, 0);
        assert_eq!(parsed.report_data, report_data);
        assert_eq!(attester.kind(), AttesterKind::Simulated);
    }

    #[test]
    fn malformed_quotes_are_refused() {
        let quote = SimulatedAttester::new([7; 32]).quote(&[0; 64]).unwrap();
        assert!(parse_simulated_quote(&quote[..quote.len() - 1]).is_err());
        let mut longer = quote.clone();
        longer.push(0);
        assert!(parse_simulated_quote(&longer).is_err());
        let mut wrong_signer = quote.clone();
        wrong_signer[33 + 2 + 32] ^= 1;
        assert!(matches!(
            parse_simulated_quote(&wrong_signer),
            Err(AttestError::MalformedSimulatedQuote {
                what: "MRSIGNER is not the simulated marker"
            })
        ));
        let mut wrong_version = quote;
        wrong_version[33] = 2;
        assert!(parse_simulated_quote(&wrong_version).is_err());
        assert!(!is_simulated_quote(&[3, 0, 2, 0]));
    }

    #[test]
    fn current_exe_measurement_is_its_hash() {
        let attester = SimulatedAttester::for_current_exe().unwrap();
        let exe = std::fs::read("/proc/self/exe").unwrap();
        let expected: [u8; 32] = Sha256::digest(&exe).into();
        assert_eq!(attester.mr_enclave(), Mr256::from(expected));
    }
}
