//! Intel DCAP quotes as a peer's RA-TLS certificate carries them: `QuoteVerifier` (dcap-qvl plus
//! Cloister's canonical-form checks) on hostile quotes, with the real collateral of the SGX and
//! TDX test vectors at a time inside their windows, or with hostile collateral JSON.
//!
//! Input: one mode byte; modes 0 and 1 give the rest as a quote checked against the SGX or TDX
//! collateral; mode 2 splits the rest at a 2-byte big-endian length into collateral JSON and a
//! quote.

use crate::setup::fail;
use cloister_tee::{Collateral, QuoteVerifier, VerificationPolicy};
use std::{
    sync::OnceLock,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

/// The test vectors' collateral (from dcap-qvl's samples, MIT; see data/PROVENANCE.md).
const SGX_COLLATERAL: &[u8] = include_bytes!("../data/sgx_quote_collateral.json");
const TDX_COLLATERAL: &[u8] = include_bytes!("../data/tdx_quote_collateral.json");
/// Issue date of each collateral + 1 hour (2025-06-19T10:56:11Z, 2025-06-19T10:32:27Z).
const SGX_NOW: u64 = 1_750_330_571 + 3600;
const TDX_NOW: u64 = 1_750_329_147 + 3600;

struct Fixture {
    sgx: Collateral,
    tdx: Collateral,
    verifier: QuoteVerifier,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| Fixture {
        sgx: Collateral::from_json(SGX_COLLATERAL)
            .unwrap_or_else(|err| fail("the SGX collateral", err)),
        tdx: Collateral::from_json(TDX_COLLATERAL)
            .unwrap_or_else(|err| fail("the TDX collateral", err)),
        verifier: QuoteVerifier::new(VerificationPolicy::default())
            .unwrap_or_else(|err| fail("the quote verifier", err)),
    })
}

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// Verifies one quote as the mode byte says.
pub fn run(data: &[u8]) {
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    let fixture = fixture();
    match mode % 3 {
        0 => verify(rest, &fixture.sgx, at(SGX_NOW)),
        1 => verify(rest, &fixture.tdx, at(TDX_NOW)),
        _ => {
            let Some((len, rest)) = rest.split_first_chunk::<2>() else {
                return;
            };
            let len = usize::from(u16::from_be_bytes(*len)).min(rest.len());
            let (json, quote) = rest.split_at(len);
            if let Ok(collateral) = Collateral::from_json(json) {
                // What reads back must print back: collateral travels as this JSON.
                if let Ok(printed) = collateral.to_json() {
                    assert!(
                        Collateral::from_json(&printed).is_ok(),
                        "collateral round trip"
                    );
                }
                let window = collateral.window();
                verify(quote, &collateral, at(window.not_before.saturating_add(60)));
            }
        }
    }
}

fn verify(quote: &[u8], collateral: &Collateral, now: SystemTime) {
    let unchecked = QuoteVerifier::verify_without_policy(quote, collateral, now);
    let checked = fixture().verifier.verify(quote, collateral, now);
    // The policy only refuses: a quote the policy admits verified without it too.
    if checked.is_ok() {
        assert!(unchecked.is_ok(), "policy admitted an unverified quote");
    }
}
