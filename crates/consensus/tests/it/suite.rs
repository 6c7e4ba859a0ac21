//! openraft's `testing::Suite` (log, vote, purge, truncate, membership, apply, snapshot
//! transfer) against [`LogStore`] over `raft.redb` and [`ChainStateMachine`] over a dev chain,
//! each on a fresh encrypted datadir.

use cloister_chain::Chain;
use cloister_chainspec::{ChainSpec, DEV_GENESIS_JSON};
use cloister_consensus::{
    ChainStateMachine, ClusterTypes, LocalBlocks, LogStore,
    openraft::{StorageError, testing::StoreBuilder},
};
use cloister_storage::{RaftLogDb, Store};
use std::sync::Arc;

struct Builder;

impl StoreBuilder<ClusterTypes, LogStore, ChainStateMachine, tempfile::TempDir> for Builder {
    async fn build(
        &self,
    ) -> Result<(tempfile::TempDir, LogStore, ChainStateMachine), StorageError<u64>> {
        let dir = tempfile::tempdir().unwrap();
        let key = [3u8; 32];
        let store = Store::open_encrypted(dir.path(), &key).unwrap();
        let spec = Arc::new(ChainSpec::from_genesis_json(DEV_GENESIS_JSON).unwrap());
        Chain::init(&store, &spec, DEV_GENESIS_JSON).unwrap();
        let chain = Arc::new(Chain::open(store, spec, None).unwrap());
        let log = LogStore::new(RaftLogDb::open(dir.path(), Some(&key)).unwrap());
        let sm = ChainStateMachine::new(chain, None, LocalBlocks::default());
        Ok((dir, log, sm))
    }
}

#[test]
fn openraft_storage_suite_passes() {
    cloister_consensus::openraft::testing::Suite::test_all(Builder).unwrap();
}
