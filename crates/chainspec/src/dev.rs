//! The Cloister dev chain: the embedded `genesis/dev.json` and the ten well-known dev
//! accounts of the "test … junk" mnemonic (the same keys as anvil and hardhat).

use crate::{ChainSpec, ChainSpecError};
use alloy_signer_local::{MnemonicBuilder, coins_bip39::English};
use cloister_primitives::{Address, B256};

/// Chain id of the dev chain: Cloister's own, distinct from mainnet (1), anvil (31337) and
/// geth --dev (1337), so dev signatures never replay elsewhere.
pub const DEV_CHAIN_ID: u64 = 7557;

/// Mnemonic of the dev accounts (derivation m/44'/60'/0'/0/i).
pub const DEV_MNEMONIC: &str = "test test test test test test test test test test test junk";

/// Number of funded dev accounts.
pub const DEV_ACCOUNT_COUNT: u32 = 10;

/// The dev genesis file, embedded at build time.
pub const DEV_GENESIS_JSON: &str = include_str!("../../../genesis/dev.json");

impl ChainSpec {
    /// The dev chain spec, from the embedded genesis/dev.json.
    ///
    /// Returns a `Result` only because parsing is fallible in type; the file is checked by
    /// this crate's tests.
    pub fn dev() -> Result<Self, ChainSpecError> {
        Self::from_genesis_json(DEV_GENESIS_JSON)
    }
}

/// The dev genesis stamped with `timestamp` (seconds since the epoch), as `--dev` writes it into
/// a new datadir: like anvil, a new dev chain starts "now", so its genesis is not dated 1970.
pub fn dev_genesis_json_at(timestamp: u64) -> Result<String, ChainSpecError> {
    let mut genesis: serde_json::Value = serde_json::from_str(DEV_GENESIS_JSON)?;
    let object = genesis.as_object_mut().ok_or(ChainSpecError::NotAnObject)?;
    object.insert("timestamp".into(), format!("{timestamp:#x}").into());
    Ok(serde_json::to_string_pretty(&genesis)?)
}

/// Whether `json` is the dev genesis, whatever timestamp it was stamped with.
pub fn is_dev_genesis(json: &str) -> bool {
    let unstamped = |text: &str| {
        let mut value: serde_json::Value = serde_json::from_str(text).ok()?;
        value.as_object_mut()?.remove("timestamp");
        Some(value)
    };
    match (unstamped(json), unstamped(DEV_GENESIS_JSON)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// The ten dev accounts as (address, private key), derived from [`DEV_MNEMONIC`] at runtime.
pub fn dev_accounts() -> Result<Vec<(Address, B256)>, ChainSpecError> {
    let derivation_error = |index: u32| move |source| ChainSpecError::DevAccount { index, source };
    // The parent key is m/44'/60'/0'/0; deriving it once saves nine PBKDF2 runs.
    let parent = MnemonicBuilder::<English>::from_phrase(DEV_MNEMONIC)
        .build_parent_key()
        .map_err(derivation_error(0))?;
    (0..DEV_ACCOUNT_COUNT)
        .map(|index| {
            let signer = parent
                .child(index)
                .map_err(derivation_error(index))?
                .signer();
            Ok((signer.address(), signer.to_bytes()))
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly on purpose
mod tests {
    use super::*;
    use cloister_primitives::{address, b256};

    #[test]
    fn stamped_dev_genesis_is_still_the_dev_chain() {
        let json = dev_genesis_json_at(1_800_000_000).unwrap();
        let spec = ChainSpec::from_genesis_json(&json).unwrap();
        assert_eq!(spec.genesis_header().timestamp, 1_800_000_000);
        assert_eq!(spec.chain_id(), DEV_CHAIN_ID);
        assert!(is_dev_genesis(&json));
        assert!(is_dev_genesis(DEV_GENESIS_JSON));
        assert_ne!(
            spec.genesis_hash(),
            ChainSpec::dev().unwrap().genesis_hash()
        );
        let other = json.replace("\"chainId\": 7557", "\"chainId\": 7558");
        assert_ne!(other, json);
        assert!(!is_dev_genesis(&other));
        assert!(!is_dev_genesis("not json"));
    }

    #[test]
    fn derives_the_well_known_keys() {
        let accounts = dev_accounts().unwrap();
        assert_eq!(accounts.len(), 10);
        assert_eq!(
            accounts[0].0,
            address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
        );
        assert_eq!(
            accounts[0].1,
            b256!("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
        );
        assert_eq!(
            accounts[9].0,
            address!("0xa0Ee7A142d267C1f36714E4a8F75612F20a79720")
        );
    }
}
