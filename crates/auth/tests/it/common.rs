//! Shared fixtures: a service over a store in a temporary directory, and a real signing key.

use alloy_signer::SignerSync as _;
use alloy_signer_local::PrivateKeySigner;
use cloister_auth::{AuthConfig, AuthService, SiweMessage, message_text};
use cloister_storage::Store;
use std::sync::Arc;
use tempfile::TempDir;

pub const DOMAIN: &str = "node.example:8545";
pub const BASE_URL: &str = "https://node.example:8545";
pub const CHAIN_ID: u64 = 4242;
/// A fixed "now" so time checks are exact.
pub const NOW: u64 = 1_750_000_000;

pub fn config() -> AuthConfig {
    AuthConfig::new(DOMAIN, CHAIN_ID, "Cloister Test", BASE_URL)
}

pub fn service_with(config: AuthConfig) -> (AuthService, Store, TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open store");
    config.validate().expect("valid config");
    (AuthService::new(store.clone(), config), store, dir)
}

pub fn service() -> (AuthService, Store, TempDir) {
    service_with(config())
}

/// A service refusing everyone but `allowed`.
pub fn service_allowing(allowed: cloister_primitives::Address) -> (AuthService, Store, TempDir) {
    let mut config = config();
    config.may_sign_in = Arc::new(move |address| *address == allowed);
    service_with(config)
}

/// `personal_sign` of `text`: 65 bytes hex with `v` in {27, 28}.
pub fn personal_sign(signer: &PrivateKeySigner, text: &str) -> String {
    let signature = signer.sign_message_sync(text.as_bytes()).expect("sign");
    format!("0x{}", hex::encode(signature.as_bytes()))
}

/// A fresh challenge at `NOW`, turned into a message for `signer`, edited, then signed.
pub fn signed_message(
    service: &AuthService,
    signer: &PrivateKeySigner,
    edit: impl FnOnce(&mut SiweMessage),
) -> (String, String) {
    let mut message = service.nonce_at(NOW).message_for(signer.address());
    edit(&mut message);
    let text = message_text(&message);
    let signature = personal_sign(signer, &text);
    (text, signature)
}
