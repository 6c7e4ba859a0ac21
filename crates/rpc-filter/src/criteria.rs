//! A log filter as geth reads it (`FilterCriteria.UnmarshalJSON`): a block hash or a range,
//! addresses (one or many), and up to four topic positions where `null`, `[]` or a list holding
//! `null` is a wildcard. Positions count: a filter with three positions only matches logs with
//! at least three topics, as in geth.

use crate::error::{FilterError, FilterResult};
use alloy_rpc_types_eth::BlockNumberOrTag;
use cloister_primitives::{Address, B256, Bloom, Log, primitives::BloomInput};
use serde_json::Value;

/// Most topic positions a log can have (LOG0..LOG4).
const MAX_TOPIC_POSITIONS: usize = 4;
/// Most alternatives geth parses in one topic position.
const MAX_SUB_TOPICS: usize = 1000;
/// Most addresses, or topics in one position, a query may list (geth's `--rpc.logquerylimit`).
const MAX_CRITERIA_PER_POSITION: usize = 1000;

/// The blocks a filter covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockSelection {
    /// One block, by hash (EIP-234).
    Hash(B256),
    /// A range; a missing bound means `latest`.
    Range {
        /// First block.
        from: Option<BlockNumberOrTag>,
        /// Last block.
        to: Option<BlockNumberOrTag>,
    },
}

/// A parsed log filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogCriteria {
    /// Which blocks.
    pub blocks: BlockSelection,
    /// Accepted emitters (empty: any).
    pub addresses: Vec<Address>,
    /// Accepted topics per position (an empty position: any topic, but one must be there).
    pub topics: Vec<Vec<B256>>,
}

impl Default for LogCriteria {
    fn default() -> Self {
        Self {
            blocks: BlockSelection::Range {
                from: None,
                to: None,
            },
            addresses: Vec::new(),
            topics: Vec::new(),
        }
    }
}

impl LogCriteria {
    /// Reads the filter object at argument position `index`, with geth's rules and messages.
    pub fn from_json(value: &Value, index: usize) -> FilterResult<Self> {
        let fail = |reason: &str| FilterError::argument(index, reason);
        let object = match value {
            Value::Null => return Ok(Self::default()),
            Value::Object(object) => object,
            other => {
                return Err(fail(&format!(
                    "json: cannot unmarshal {} into Go value of type filters.input",
                    json_kind(other)
                )));
            }
        };
        // Go's encoding/json matches field names case-insensitively; the last one wins.
        let field = |name: &str| {
            object
                .iter()
                .filter(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, value)| value)
                .next_back()
                .filter(|value| !value.is_null())
        };
        let block_hash = field("blockHash")
            .map(|v| parse_hex::<B256>(v, "common.Hash"))
            .transpose()
            .map_err(|reason| FilterError::argument(index, reason))?;
        let from = field("fromBlock")
            .map(parse_block_number)
            .transpose()
            .map_err(|reason| FilterError::argument(index, reason))?;
        let to = field("toBlock")
            .map(parse_block_number)
            .transpose()
            .map_err(|reason| FilterError::argument(index, reason))?;
        let blocks = match block_hash {
            Some(_) if from.is_some() || to.is_some() => {
                return Err(fail(
                    "cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other",
                ));
            }
            Some(hash) => BlockSelection::Hash(hash),
            None => BlockSelection::Range { from, to },
        };
        let addresses = field("address")
            .map(parse_addresses)
            .transpose()
            .map_err(|reason| FilterError::argument(index, reason))?
            .unwrap_or_default();
        let topics = field("topics")
            .map(parse_topics)
            .transpose()
            .map_err(|reason| FilterError::argument(index, reason))?
            .unwrap_or_default();
        Ok(Self {
            blocks,
            addresses,
            topics,
        })
    }

    /// geth's per-query limit on addresses and on topics in one position.
    pub fn check_limits(&self) -> FilterResult<()> {
        if self.addresses.len() > MAX_CRITERIA_PER_POSITION
            || self
                .topics
                .iter()
                .any(|t| t.len() > MAX_CRITERIA_PER_POSITION)
        {
            return Err(FilterError::ExceedCriteriaLimit);
        }
        Ok(())
    }

    /// geth's checks on the range of a filter that follows new blocks (`eth_newFilter`, the
    /// `logs` subscription): no pending, and numbers in order or open-ended to `latest`.
    pub fn check_live_range(&self) -> FilterResult<()> {
        let BlockSelection::Range { from, to } = &self.blocks else {
            // geth follows new blocks and ignores the hash here.
            return Ok(());
        };
        if from.is_some_and(|b| b.is_pending()) || to.is_some_and(|b| b.is_pending()) {
            return Err(FilterError::PendingLogsUnsupported);
        }
        let from = match from {
            Some(BlockNumberOrTag::Earliest) => Some(BlockNumberOrTag::Number(0)),
            other => *other,
        };
        let valid = match (from, *to) {
            (None | Some(BlockNumberOrTag::Latest), None | Some(BlockNumberOrTag::Latest)) => true,
            (Some(BlockNumberOrTag::Number(from)), Some(BlockNumberOrTag::Number(to))) => {
                to >= from
            }
            (Some(BlockNumberOrTag::Number(_)), None | Some(BlockNumberOrTag::Latest)) => true,
            _ => false,
        };
        if valid {
            Ok(())
        } else {
            Err(FilterError::InvalidBlockRange)
        }
    }

    /// Whether new block `number` is inside the filter's numeric bounds (tags bound nothing).
    pub fn in_live_range(&self, number: u64) -> bool {
        let BlockSelection::Range { from, to } = &self.blocks else {
            return true;
        };
        let after_from = !matches!(from, Some(BlockNumberOrTag::Number(f)) if *f > number);
        let before_to = !matches!(to, Some(BlockNumberOrTag::Number(t)) if *t < number);
        after_from && before_to
    }

    /// Whether a block with this bloom may hold a matching log (false: it certainly does not).
    pub fn may_match(&self, bloom: &Bloom) -> bool {
        let address_ok = self.addresses.is_empty()
            || self
                .addresses
                .iter()
                .any(|a| bloom.contains_input(BloomInput::Raw(a.as_slice())));
        address_ok
            && self.topics.iter().all(|position| {
                position.is_empty()
                    || position
                        .iter()
                        .any(|t| bloom.contains_input(BloomInput::Raw(t.as_slice())))
            })
    }

    /// Whether `log` matches the addresses and topics.
    pub fn matches(&self, log: &Log) -> bool {
        if !self.addresses.is_empty() && !self.addresses.contains(&log.address) {
            return false;
        }
        let log_topics = log.topics();
        if self.topics.len() > log_topics.len() {
            return false;
        }
        self.topics
            .iter()
            .zip(log_topics)
            .all(|(accepted, topic)| accepted.is_empty() || accepted.contains(topic))
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A `0x`-prefixed hex string of exactly the type's length.
fn parse_hex<T: std::str::FromStr>(value: &Value, go_type: &str) -> Result<T, String> {
    let Value::String(text) = value else {
        return Err(format!(
            "json: cannot unmarshal {} into Go value of type {go_type}",
            json_kind(value)
        ));
    };
    if !text.starts_with("0x") && !text.starts_with("0X") {
        return Err("hex string without 0x prefix".into());
    }
    text.parse::<T>()
        .map_err(|_| format!("invalid hex value {text:?} for {go_type}"))
}

fn parse_block_number(value: &Value) -> Result<BlockNumberOrTag, String> {
    serde_json::from_value(value.clone()).map_err(|e| e.to_string())
}

fn parse_addresses(value: &Value) -> Result<Vec<Address>, String> {
    match value {
        Value::String(_) => Ok(vec![
            parse_hex(value, "common.Address").map_err(|e| format!("invalid address: {e}"))?,
        ]),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(_) => parse_hex(item, "common.Address")
                    .map_err(|e| format!("invalid address at index {i}: {e}")),
                _ => Err(format!("non-string address at index {i}")),
            })
            .collect(),
        _ => Err("invalid addresses in query".into()),
    }
}

fn parse_topics(value: &Value) -> Result<Vec<Vec<B256>>, String> {
    let Value::Array(positions) = value else {
        return Err(format!(
            "json: cannot unmarshal {} into Go struct field input.topics of type []interface {{}}",
            json_kind(value)
        ));
    };
    if positions.len() > MAX_TOPIC_POSITIONS {
        return Err("exceed max topics".into());
    }
    positions.iter().map(parse_topic_position).collect()
}

fn parse_topic_position(value: &Value) -> Result<Vec<B256>, String> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::String(_) => Ok(vec![parse_hex(value, "common.Hash")?]),
        Value::Array(alternatives) => {
            if alternatives.len() > MAX_SUB_TOPICS {
                return Err("exceed max topics".into());
            }
            let mut accepted = Vec::with_capacity(alternatives.len());
            for alternative in alternatives {
                match alternative {
                    // A null among alternatives makes the whole position a wildcard.
                    Value::Null => return Ok(Vec::new()),
                    Value::String(_) => accepted.push(parse_hex(alternative, "common.Hash")?),
                    _ => return Err("invalid topic(s)".into()),
                }
            }
            Ok(accepted)
        }
        _ => Err("invalid topic(s)".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloister_primitives::{Bytes, LogData, primitives::logs_bloom};
    use serde_json::json;

    const A: &str = "0x7dcd17433742f4c0ca53122ab541d0ba67fc27df";
    const T0: &str = "0x00000000000000000000000000000000000000000000000000000000656d6974";
    const T1: &str = "0x95b7276947f6331672b0c63eca28c1d39f25286d5e2793d6a487837ff1475ba0";

    fn log(address: &str, topics: &[&str]) -> Log {
        Log {
            address: address.parse().unwrap(),
            data: LogData::new_unchecked(
                topics.iter().map(|t| t.parse().unwrap()).collect(),
                Bytes::new(),
            ),
        }
    }

    fn parse(value: Value) -> LogCriteria {
        LogCriteria::from_json(&value, 0).unwrap()
    }

    #[test]
    fn wildcards_and_alternatives() {
        let with_two = log(A, &[T0, T1]);
        assert!(parse(json!({"topics": [null, [T1]]})).matches(&with_two));
        assert!(parse(json!({"topics": [[], [T1]]})).matches(&with_two));
        assert!(parse(json!({"topics": [[T1, null], T1]})).matches(&with_two));
        assert!(parse(json!({"topics": [[T1, T0]]})).matches(&with_two));
        assert!(!parse(json!({"topics": [T1]})).matches(&with_two));
        // Three positions need three topics, even when all are wildcards.
        assert!(!parse(json!({"topics": [null, null, null]})).matches(&with_two));
        assert!(parse(json!({"topics": [null, null]})).matches(&with_two));
        assert!(
            parse(json!({"address": [A, "0x0000000000000000000000000000000000000001"]}))
                .matches(&with_two)
        );
        assert!(
            !parse(json!({"address": "0x0000000000000000000000000000000000000001"}))
                .matches(&with_two)
        );
        assert!(parse(json!({"ADDRESS": A, "Topics": null})).matches(&with_two));
    }

    #[test]
    fn bloom_skips_blocks_without_the_address_or_topic() {
        let bloom = logs_bloom([&log(A, &[T0])]);
        assert!(parse(json!({"address": A, "topics": [T0]})).may_match(&bloom));
        assert!(parse(json!({"topics": [null]})).may_match(&bloom));
        assert!(!parse(json!({"topics": [T1]})).may_match(&bloom));
        assert!(
            !parse(json!({"address": "0x0000000000000000000000000000000000000001"}))
                .may_match(&bloom)
        );
    }

    #[test]
    fn block_hash_excludes_a_range() {
        let hash = format!("0x{}", "11".repeat(32));
        let err =
            LogCriteria::from_json(&json!({"blockHash": hash, "fromBlock": "0x1"}), 0).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid argument 0: cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other"
        );
        assert_eq!(
            parse(json!({"blockHash": hash, "toBlock": null})).blocks,
            BlockSelection::Hash(hash.parse().unwrap())
        );
        assert_eq!(
            parse(json!({"fromBlock": "0x3", "toBlock": "latest"})).blocks,
            BlockSelection::Range {
                from: Some(BlockNumberOrTag::Number(3)),
                to: Some(BlockNumberOrTag::Latest)
            }
        );
    }

    #[test]
    fn malformed_filters_are_invalid_arguments() {
        for bad in [
            json!({"topics": [T0, T0, T0, T0, T0]}),
            json!({"topics": [1]}),
            json!({"topics": [[1]]}),
            json!({"topics": "0x00"}),
            json!({"address": 5}),
            json!({"address": [5]}),
            json!({"address": "0x1234"}),
            json!({"fromBlock": "tomorrow"}),
            json!([]),
        ] {
            let err = LogCriteria::from_json(&bad, 0).unwrap_err();
            assert!(
                matches!(err, FilterError::InvalidArgument { index: 0, .. }),
                "{bad}"
            );
        }
    }

    #[test]
    fn live_ranges_follow_geth() {
        for ok in [
            json!({}),
            json!({"fromBlock": "0x5"}),
            json!({"fromBlock": "earliest", "toBlock": "latest"}),
            json!({"fromBlock": "0x5", "toBlock": "0x5"}),
        ] {
            assert!(parse(ok.clone()).check_live_range().is_ok(), "{ok}");
        }
        for bad in [
            json!({"fromBlock": "0x6", "toBlock": "0x5"}),
            json!({"fromBlock": "latest", "toBlock": "0x5"}),
            json!({"fromBlock": "safe"}),
        ] {
            assert!(
                matches!(
                    parse(bad.clone()).check_live_range(),
                    Err(FilterError::InvalidBlockRange)
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            parse(json!({"toBlock": "pending"})).check_live_range(),
            Err(FilterError::PendingLogsUnsupported)
        ));
        let bounded = parse(json!({"fromBlock": "0x5", "toBlock": "0x7"}));
        assert!(!bounded.in_live_range(4) && bounded.in_live_range(5) && !bounded.in_live_range(8));
        assert!(parse(json!({"fromBlock": "latest"})).in_live_range(1));
    }

    #[test]
    fn too_many_addresses_hit_the_limit() {
        let addresses: Vec<String> = (0..1001u32).map(|i| format!("0x{:040x}", i)).collect();
        let criteria = parse(json!({"address": addresses}));
        assert!(matches!(
            criteria.check_limits(),
            Err(FilterError::ExceedCriteriaLimit)
        ));
        assert!(parse(json!({"address": A})).check_limits().is_ok());
    }
}
