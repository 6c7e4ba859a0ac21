//! Blob parameters per fork, from `config.blobSchedule`, falling back to the protocol values
//! alloy-eips knows for Cancun, Prague, Osaka, BPO1 and BPO2.

use crate::ChainSpecError;
use alloy_eips::{eip7594, eip7840::BlobParams, eip7892::BlobScheduleBlobParams};
use alloy_genesis::ChainConfig;

/// Blob parameters of every fork that can carry blobs on this chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobSchedule {
    /// Parameters from Cancun on.
    pub cancun: BlobParams,
    /// Parameters from Prague on.
    pub prague: BlobParams,
    /// Parameters from Osaka on.
    pub osaka: BlobParams,
    /// Blob-parameter-only forks that are scheduled: (activation timestamp, parameters),
    /// in activation order.
    pub bpos: Vec<(u64, BlobParams)>,
}

/// Osaka's rules that a genesis file does not spell out: EIP-7918's blob base cost and
/// EIP-7594's per-transaction blob cap.
fn with_osaka_rules(params: BlobParams) -> BlobParams {
    params
        .with_blob_base_cost(alloy_eips::eip7840::BLOB_BASE_COST)
        .with_max_blobs_per_tx(eip7594::MAX_BLOBS_PER_TX_FUSAKA)
}

impl BlobSchedule {
    /// Reads the schedule from the config; a BPO fork without an entry and without a protocol
    /// default (BPO3..BPO5) is an error.
    pub(crate) fn from_config(config: &ChainConfig) -> Result<Self, ChainSpecError> {
        for (key, params) in &config.blob_schedule {
            if params.target_blob_count > params.max_blob_count {
                return Err(ChainSpecError::BlobTargetAboveMax {
                    key: key.clone(),
                    target: params.target_blob_count,
                    max: params.max_blob_count,
                });
            }
        }
        let entry = |key: &str| config.blob_schedule.get(key).copied();
        let bpo_forks = [
            (
                "bpo1Time",
                "bpo1",
                config.bpo1_time,
                Some(BlobParams::bpo1()),
            ),
            (
                "bpo2Time",
                "bpo2",
                config.bpo2_time,
                Some(BlobParams::bpo2()),
            ),
            ("bpo3Time", "bpo3", config.bpo3_time, None),
            ("bpo4Time", "bpo4", config.bpo4_time, None),
            ("bpo5Time", "bpo5", config.bpo5_time, None),
        ];
        let mut bpos = Vec::new();
        for (field, key, time, default) in bpo_forks {
            let Some(time) = time else { continue };
            let params = entry(key)
                .map(with_osaka_rules)
                .or(default)
                .ok_or(ChainSpecError::MissingBlobSchedule { field, key })?;
            bpos.push((time, params));
        }
        // Fork-order validation keeps BPO timestamps ascending; a stable sort keeps ties in
        // fork order so the later fork wins.
        bpos.sort_by_key(|(time, _)| *time);
        Ok(Self {
            cancun: entry("cancun").unwrap_or_else(BlobParams::cancun),
            prague: entry("prague").unwrap_or_else(BlobParams::prague),
            osaka: entry("osaka")
                .map(with_osaka_rules)
                .unwrap_or_else(BlobParams::osaka),
            bpos,
        })
    }

    /// Parameters of the latest BPO fork active at `timestamp`, if any.
    pub fn active_bpo_at_timestamp(&self, timestamp: u64) -> Option<BlobParams> {
        self.bpos
            .iter()
            .rev()
            .find(|(time, _)| timestamp >= *time)
            .map(|(_, params)| *params)
    }

    /// The same schedule in alloy's shape, for code that consumes alloy types.
    pub fn to_alloy(&self) -> BlobScheduleBlobParams {
        BlobScheduleBlobParams {
            cancun: self.cancun,
            prague: self.prague,
            osaka: self.osaka,
            scheduled: self.bpos.clone(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly on purpose
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn params(target: u64, max: u64, fraction: u128) -> BlobParams {
        BlobParams {
            target_blob_count: target,
            max_blob_count: max,
            update_fraction: fraction,
            ..BlobParams::cancun()
        }
    }

    #[test]
    fn defaults_when_schedule_is_empty() {
        let config = ChainConfig {
            bpo1_time: Some(10),
            bpo2_time: Some(20),
            ..Default::default()
        };
        let schedule = BlobSchedule::from_config(&config).unwrap();
        assert_eq!(schedule.cancun, BlobParams::cancun());
        assert_eq!(schedule.prague, BlobParams::prague());
        assert_eq!(schedule.osaka, BlobParams::osaka());
        assert_eq!(schedule.active_bpo_at_timestamp(9), None);
        assert_eq!(
            schedule.active_bpo_at_timestamp(10),
            Some(BlobParams::bpo1())
        );
        assert_eq!(
            schedule.active_bpo_at_timestamp(25),
            Some(BlobParams::bpo2())
        );
    }

    #[test]
    fn entries_override_defaults_and_gain_osaka_rules() {
        let config = ChainConfig {
            bpo3_time: Some(30),
            blob_schedule: BTreeMap::from([
                ("osaka".to_string(), params(7, 11, 123)),
                ("bpo3".to_string(), params(20, 30, 456)),
            ]),
            ..Default::default()
        };
        let schedule = BlobSchedule::from_config(&config).unwrap();
        assert_eq!(schedule.osaka.max_blob_count, 11);
        assert_eq!(
            schedule.osaka.max_blobs_per_tx,
            eip7594::MAX_BLOBS_PER_TX_FUSAKA
        );
        assert_eq!(
            schedule.osaka.blob_base_cost,
            alloy_eips::eip7840::BLOB_BASE_COST
        );
        let bpo3 = schedule.active_bpo_at_timestamp(30).unwrap();
        assert_eq!((bpo3.target_blob_count, bpo3.update_fraction), (20, 456));
    }

    #[test]
    fn bpo_without_entry_or_default_is_an_error() {
        let config = ChainConfig {
            bpo4_time: Some(1),
            ..Default::default()
        };
        assert!(matches!(
            BlobSchedule::from_config(&config),
            Err(ChainSpecError::MissingBlobSchedule { key: "bpo4", .. })
        ));
    }

    #[test]
    fn target_above_max_is_an_error() {
        let config = ChainConfig {
            blob_schedule: BTreeMap::from([("cancun".to_string(), params(9, 6, 1))]),
            ..Default::default()
        };
        assert!(matches!(
            BlobSchedule::from_config(&config),
            Err(ChainSpecError::BlobTargetAboveMax {
                target: 9,
                max: 6,
                ..
            })
        ));
    }
}
