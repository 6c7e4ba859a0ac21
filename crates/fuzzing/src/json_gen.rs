//! JSON values built from fuzz bytes with a bias toward what Ethereum RPC methods read: hex
//! quantities (minimal, padded, huge), byte strings of the lengths addresses, hashes and
//! signatures have, block tags, known addresses, and objects with the field names of
//! transactions, filters, overrides, tracer options and payload attributes.

use arbitrary::{Result, Unstructured};
use serde_json::{Map, Value, json};

/// Nesting below this depth gives only scalars.
const MAX_DEPTH: u32 = 4;
/// Most entries in one generated array or object.
const MAX_ENTRIES: usize = 6;

/// Field names the RPC parameter types read.
const FIELDS: &[&str] = &[
    "from",
    "to",
    "gas",
    "gasPrice",
    "maxFeePerGas",
    "maxPriorityFeePerGas",
    "value",
    "data",
    "input",
    "nonce",
    "chainId",
    "accessList",
    "type",
    "blobVersionedHashes",
    "maxFeePerBlobGas",
    "authorizationList",
    "blobs",
    "commitments",
    "proofs",
    "storageKeys",
    "address",
    "topics",
    "fromBlock",
    "toBlock",
    "blockHash",
    "blockNumber",
    "balance",
    "code",
    "state",
    "stateDiff",
    "movePrecompileToAddress",
    "number",
    "time",
    "gasLimit",
    "feeRecipient",
    "prevRandao",
    "baseFeePerGas",
    "blobBaseFee",
    "tracer",
    "tracerConfig",
    "onlyTopCall",
    "withLog",
    "diffMode",
    "timeout",
    "enableMemory",
    "disableStack",
    "disableStorage",
    "enableReturnData",
    "blockStateCalls",
    "calls",
    "blockOverrides",
    "stateOverrides",
    "validation",
    "traceTransfers",
    "returnFullTransactions",
    "headBlockHash",
    "safeBlockHash",
    "finalizedBlockHash",
    "timestamp",
    "suggestedFeeRecipient",
    "withdrawals",
    "parentBeaconBlockRoot",
    "requireCanonical",
    "yParity",
    "v",
    "r",
    "s",
    "hash",
    "index",
    "validatorIndex",
    "amount",
    "transactions",
    "extraData",
    "reuseTx",
    "limit",
    "filterId",
];

const TAGS: &[&str] = &[
    "latest",
    "earliest",
    "pending",
    "safe",
    "finalized",
    "LATEST",
    "",
];

/// Dev accounts 0 and 1, the zero address, a precompile and the EIP-2935 history contract.
const ADDRESSES: &[&str] = &[
    "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
    "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
    "0x0000000000000000000000000000000000000000",
    "0x0000000000000000000000000000000000000001",
    "0x0000f90827f1c53a10cb7a02335b175320002935",
];

/// A value of any shape; `known` holds strings worth repeating (hashes of existing blocks).
pub fn value(u: &mut Unstructured<'_>, known: &[String], depth: u32) -> Result<Value> {
    let pick = if depth >= MAX_DEPTH {
        u.int_in_range(0..=9)?
    } else {
        u.int_in_range(0..=15)?
    };
    Ok(match pick {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => json!(u.arbitrary::<i64>()?),
        3 => json!(u.arbitrary::<f64>()?.to_string()),
        4 => Value::String(quantity(u)?),
        5 => Value::String(hex_bytes(u)?),
        6 => Value::String((*u.choose(TAGS)?).to_owned()),
        7 => Value::String((*u.choose(ADDRESSES)?).to_owned()),
        8 => Value::String(u.arbitrary()?),
        9 => json!(u.arbitrary::<u64>()?),
        10 | 11 => object(u, known, depth + 1)?,
        12 | 13 if !known.is_empty() => Value::String(u.choose(known)?.clone()),
        _ => array(u, known, depth + 1)?,
    })
}

/// `0x` and hex digits: usually minimal, sometimes padded, empty, huge or not hex at all.
pub fn quantity(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0..=6)? {
        0 => format!("{:#x}", u.arbitrary::<u8>()?),
        1 => format!("{:#x}", u.arbitrary::<u64>()?),
        2 => format!("{:#x}", u.arbitrary::<u128>()?),
        3 => "0x".to_owned(),
        4 => format!("0x0{:x}", u.arbitrary::<u32>()?),
        5 => {
            let digits = u.int_in_range(1..=80)?;
            let mut text = "0x".to_owned();
            for _ in 0..digits {
                text.push(*u.choose(&['0', '1', '7', '9', 'a', 'f', 'F', 'g'])?);
            }
            text
        }
        _ => format!("{}", u.arbitrary::<u64>()?),
    })
}

/// `0x` and an even (or sometimes odd) number of hex digits.
pub fn hex_bytes(u: &mut Unstructured<'_>) -> Result<String> {
    let len = match u.int_in_range(0..=5)? {
        0 => 20,
        1 => 32,
        2 => 65,
        3 => 0,
        _ => u.int_in_range(0..=200)?,
    };
    let bytes = u.bytes(len.min(u.len()))?;
    let mut text = format!("0x{}", hex::encode(bytes));
    if u.ratio(1, 16)? {
        text.push('a');
    }
    Ok(text)
}

fn object(u: &mut Unstructured<'_>, known: &[String], depth: u32) -> Result<Value> {
    let entries = u.int_in_range(0..=MAX_ENTRIES)?;
    let mut map = Map::new();
    for _ in 0..entries {
        let key = match u.int_in_range(0..=5)? {
            0 => (*u.choose(ADDRESSES)?).to_owned(),
            1 => u.arbitrary()?,
            _ => (*u.choose(FIELDS)?).to_owned(),
        };
        map.insert(key, value(u, known, depth)?);
    }
    Ok(Value::Object(map))
}

fn array(u: &mut Unstructured<'_>, known: &[String], depth: u32) -> Result<Value> {
    let entries = u.int_in_range(0..=MAX_ENTRIES)?;
    let mut items = Vec::with_capacity(entries);
    for _ in 0..entries {
        items.push(value(u, known, depth)?);
    }
    Ok(Value::Array(items))
}
