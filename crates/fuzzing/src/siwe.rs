//! Sign-in with Ethereum messages (EIP-4361): the strict parser and printer, and the whole
//! check a sign-in runs (domain, chain, time window, signature, single-use nonce). Half the
//! inputs are raw text; the other half build a message field by field from the fuzz bytes, so
//! that signed, well-formed messages with hostile fields reach the later checks.

use crate::setup::violated;
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use arbitrary::{Arbitrary, Unstructured};
use cloister_auth::{NonceStore, SignInRules, SiweMessage, verify_sign_in};
use cloister_primitives::{Address, B256};
use std::sync::OnceLock;

/// The domain and chain the rules expect.
const DOMAIN: &str = "localhost:8545";
const CHAIN_ID: u64 = 7557;
/// 2026-01-01T00:00:00Z: the clock of every check.
const NOW: u64 = 1_767_225_600;

/// Runs one input: raw text when the first byte is even, a built message otherwise.
pub fn run(data: &[u8]) {
    match data.split_first() {
        Some((mode, rest)) if mode % 2 == 1 => structured(rest),
        _ => raw(data),
    }
}

fn raw(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(message) = SiweMessage::parse(text) {
        // The parser is strict: what it accepts is the canonical text, byte for byte.
        if message.to_text() != text {
            violated("a parsed message prints differently");
        }
    }
    let nonces = NonceStore::default();
    let rules = SignInRules {
        domain: DOMAIN,
        chain_id: CHAIN_ID,
    };
    let _ = verify_sign_in(text, &"ab".repeat(65), rules, &nonces, NOW);
}

fn structured(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(fields) = Fields::arbitrary(&mut u) else {
        return;
    };
    let nonces = NonceStore::default();
    let issued = nonces.issue_at(NOW);
    let message = fields.apply(base_message(issued), key().address());
    let text = message.to_text();
    // Printing then parsing gives the message back, or the parser refuses it.
    if let Ok(parsed) = SiweMessage::parse(&text)
        && parsed.to_text() != text
    {
        violated("print → parse → print changed the text");
    }
    let signature = fields.signature_for(&text, key());
    let rules = SignInRules {
        domain: DOMAIN,
        chain_id: CHAIN_ID,
    };
    if let Ok(accepted) = verify_sign_in(&text, &signature, rules, &nonces, NOW) {
        if accepted.address != key().address() || accepted.domain != DOMAIN {
            violated("a sign-in was accepted for someone else or another domain");
        }
        // The nonce is single use.
        if verify_sign_in(&text, &signature, rules, &nonces, NOW).is_ok() {
            violated("a nonce was accepted twice");
        }
    }
}

/// The signer of built messages.
pub(crate) fn key() -> &'static PrivateKeySigner {
    static KEY: OnceLock<PrivateKeySigner> = OnceLock::new();
    KEY.get_or_init(|| {
        PrivateKeySigner::from_bytes(&B256::repeat_byte(0x11))
            .unwrap_or_else(|err| crate::setup::fail("the SIWE key", err))
    })
}

/// Fields of a message; `None` (and `own_address`) keep the value of the message it edits.
#[derive(Debug, Arbitrary)]
pub(crate) struct Fields {
    scheme: Option<String>,
    domain: Option<String>,
    own_address: bool,
    address: [u8; 20],
    statement: Option<Option<String>>,
    uri: Option<String>,
    version: Option<String>,
    chain_id: Option<u64>,
    nonce: Option<String>,
    issued_at: Option<String>,
    expiration_time: Option<Option<String>>,
    not_before: Option<String>,
    request_id: Option<String>,
    resources: Vec<String>,
    /// A signature to send instead of `signer`'s.
    pub(crate) signature: Option<[u8; 65]>,
}

impl Fields {
    /// `base` with these fields replaced; the address is `signer`'s unless `own_address` is
    /// false.
    pub(crate) fn apply(&self, base: SiweMessage, signer: Address) -> SiweMessage {
        let or = |value: &Option<String>, default: String| value.clone().unwrap_or(default);
        SiweMessage {
            scheme: self.scheme.clone().or(base.scheme),
            domain: or(&self.domain, base.domain),
            address: if self.own_address {
                signer
            } else {
                Address::from(self.address)
            },
            statement: self.statement.clone().unwrap_or(base.statement),
            uri: or(&self.uri, base.uri),
            version: or(&self.version, base.version),
            chain_id: self.chain_id.unwrap_or(base.chain_id),
            nonce: or(&self.nonce, base.nonce),
            issued_at: or(&self.issued_at, base.issued_at),
            expiration_time: self.expiration_time.clone().unwrap_or(base.expiration_time),
            not_before: self.not_before.clone().or(base.not_before),
            request_id: self.request_id.clone().or(base.request_id),
            resources: if self.resources.is_empty() {
                base.resources
            } else {
                self.resources.clone()
            },
        }
    }

    /// The hex signature to send with `text`: `signer`'s, or the fuzz-given bytes.
    pub(crate) fn signature_for(&self, text: &str, signer: &PrivateKeySigner) -> String {
        match self.signature {
            Some(raw) => hex::encode(raw),
            None => match signer.sign_message_sync(text.as_bytes()) {
                Ok(signature) => hex::encode(signature.as_bytes()),
                Err(err) => violated(format!("signing failed: {err}")),
            },
        }
    }
}

/// The message a real sign-in at [`NOW`] would sign.
fn base_message(nonce: String) -> SiweMessage {
    SiweMessage {
        scheme: None,
        domain: DOMAIN.to_owned(),
        address: key().address(),
        statement: Some("Sign in to Cloister".to_owned()),
        uri: "https://localhost:8545".to_owned(),
        version: "1".to_owned(),
        chain_id: CHAIN_ID,
        nonce,
        issued_at: "2025-12-31T23:59:00Z".to_owned(),
        expiration_time: Some("2026-01-01T00:10:00Z".to_owned()),
        not_before: None,
        request_id: None,
        resources: Vec::new(),
    }
}
