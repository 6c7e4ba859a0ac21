//! The ERC-20 token the bench deploys, and the ABI encoding of the calls it makes.
//!
//! `erc20/bench_token.hex` is the creation bytecode of `scripts/contracts/BenchToken.sol`,
//! produced by `scripts/contracts/build.sh`: solc-js 0.8.37 from npm, optimizer on (200 runs),
//! `evmVersion: paris` (no PUSH0, so any post-merge node runs it), metadata hash disabled.
//! Its constructor takes the total supply and credits it all to the deployer.

use alloy_primitives::{Address, B256, Bytes, U256, b256, hex};

use crate::BenchError;

const CREATION_CODE_HEX: &str = include_str!("erc20/bench_token.hex");

/// `keccak256("transfer(address,uint256)")[..4]`.
const TRANSFER_SELECTOR: [u8; 4] = [0xa9, 0x05, 0x9c, 0xbb];
/// `keccak256("balanceOf(address)")[..4]`.
const BALANCE_OF_SELECTOR: [u8; 4] = [0x70, 0xa0, 0x82, 0x31];
/// `keccak256("Transfer(address,address,uint256)")`: topic 0 of every transfer log.
pub(crate) const TRANSFER_TOPIC: B256 =
    b256!("ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");

/// Gas limit of one token transfer: a fresh recipient costs about 52k; the rest is margin.
pub(crate) const TRANSFER_GAS: u64 = 90_000;
/// Gas limit of the deployment (about 0.5M measured).
pub(crate) const DEPLOY_GAS: u64 = 1_500_000;

/// Deployment input: creation bytecode followed by the ABI-encoded `supply` argument.
pub(crate) fn deploy_input(supply: U256) -> Result<Bytes, BenchError> {
    let mut code = hex::decode(CREATION_CODE_HEX.trim())
        .map_err(|_| BenchError::InvalidConfig("embedded token bytecode is not hex"))?;
    code.extend_from_slice(&supply.to_be_bytes::<32>());
    Ok(code.into())
}

/// Calldata of `transfer(to, amount)`.
pub(crate) fn transfer_call(to: Address, amount: U256) -> Bytes {
    let mut data = Vec::with_capacity(68);
    data.extend_from_slice(&TRANSFER_SELECTOR);
    data.extend_from_slice(to.into_word().as_slice());
    data.extend_from_slice(&amount.to_be_bytes::<32>());
    data.into()
}

/// Calldata of `balanceOf(owner)`.
pub(crate) fn balance_of_call(owner: Address) -> Bytes {
    let mut data = Vec::with_capacity(36);
    data.extend_from_slice(&BALANCE_OF_SELECTOR);
    data.extend_from_slice(owner.into_word().as_slice());
    data.into()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)] // tests fail loudly on purpose
mod tests {
    use alloy_primitives::keccak256;

    use super::*;

    #[test]
    fn selectors_and_topic_match_their_signatures() {
        assert_eq!(
            keccak256("transfer(address,uint256)")[..4],
            TRANSFER_SELECTOR
        );
        assert_eq!(keccak256("balanceOf(address)")[..4], BALANCE_OF_SELECTOR);
        assert_eq!(
            keccak256("Transfer(address,address,uint256)"),
            TRANSFER_TOPIC
        );
    }

    #[test]
    fn transfer_calldata_is_abi_encoded() {
        let to = Address::repeat_byte(0xab);
        let data = transfer_call(to, U256::from(0x0102));
        assert_eq!(data.len(), 4 + 32 + 32);
        assert_eq!(data[..4], TRANSFER_SELECTOR);
        assert_eq!(data[4..16], [0u8; 12]);
        assert_eq!(data[16..36], to.0);
        assert_eq!(data[66..68], [0x01, 0x02]);
    }

    #[test]
    fn embedded_bytecode_decodes_and_contains_transfer_and_its_event() {
        let input = deploy_input(U256::from(7)).unwrap();
        let code = &input[..input.len() - 32];
        assert_eq!(input[input.len() - 1], 7);
        let has = |needle: &[u8]| code.windows(needle.len()).any(|window| window == needle);
        assert!(has(&TRANSFER_SELECTOR));
        assert!(has(TRANSFER_TOPIC.as_slice()));
        // The constructor prologue every solc creation code starts with.
        assert_eq!(code[..5], [0x60, 0x80, 0x60, 0x40, 0x52]);
    }
}
