//! The Raft log and vote over [`RaftLogDb`]: every append is one durable redb commit before
//! openraft is told it is flushed.

use crate::{
    ClusterTypes,
    error::{read_err, write_err},
};
use cloister_storage::{META_PURGED, RaftLogDb};
use openraft::{
    Entry, LogId, LogState, RaftLogId, RaftLogReader, StorageError, Vote,
    storage::{LogFlushed, RaftLogStorage},
};
use std::{fmt::Debug, ops::RangeBounds};

const META_VOTE: &str = "vote";
const META_COMMITTED: &str = "committed";

/// The log store of one node. Clones share the database.
#[derive(Debug, Clone)]
pub struct LogStore {
    db: RaftLogDb,
}

impl LogStore {
    /// A log store over `db`.
    pub fn new(db: RaftLogDb) -> Self {
        Self { db }
    }

    fn read_json<T: serde::de::DeserializeOwned>(
        &self,
        name: &str,
    ) -> Result<Option<T>, StorageError<u64>> {
        match self.db.meta(name).map_err(read_err)? {
            None => Ok(None),
            Some(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(read_err),
        }
    }

    fn write_json<T: serde::Serialize>(
        &self,
        name: &str,
        value: &T,
    ) -> Result<(), StorageError<u64>> {
        let bytes = serde_json::to_vec(value).map_err(write_err)?;
        self.db.put_meta(name, &bytes).map_err(write_err)
    }
}

impl RaftLogReader<ClusterTypes> for LogStore {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + Send>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry<ClusterTypes>>, StorageError<u64>> {
        let db = self.db.clone();
        let bounds = (range.start_bound().cloned(), range.end_bound().cloned());
        let rows = tokio::task::spawn_blocking(move || db.range(bounds))
            .await
            .map_err(read_err)?
            .map_err(read_err)?;
        rows.iter()
            .map(|(_, bytes)| serde_json::from_slice(bytes).map_err(read_err))
            .collect()
    }
}

impl RaftLogStorage<ClusterTypes> for LogStore {
    type LogReader = Self;

    async fn get_log_state(&mut self) -> Result<LogState<ClusterTypes>, StorageError<u64>> {
        let last_purged: Option<LogId<u64>> = self.read_json(META_PURGED)?;
        let last = match self.db.last().map_err(read_err)? {
            Some((_, bytes)) => {
                let entry: Entry<ClusterTypes> =
                    serde_json::from_slice(&bytes).map_err(read_err)?;
                Some(*entry.get_log_id())
            }
            None => last_purged,
        };
        Ok(LogState {
            last_purged_log_id: last_purged,
            last_log_id: last,
        })
    }

    async fn get_log_reader(&mut self) -> Self::LogReader {
        self.clone()
    }

    async fn save_vote(&mut self, vote: &Vote<u64>) -> Result<(), StorageError<u64>> {
        self.write_json(META_VOTE, vote)
    }

    async fn read_vote(&mut self) -> Result<Option<Vote<u64>>, StorageError<u64>> {
        self.read_json(META_VOTE)
    }

    async fn save_committed(
        &mut self,
        committed: Option<LogId<u64>>,
    ) -> Result<(), StorageError<u64>> {
        self.write_json(META_COMMITTED, &committed)
    }

    async fn read_committed(&mut self) -> Result<Option<LogId<u64>>, StorageError<u64>> {
        Ok(self
            .read_json::<Option<LogId<u64>>>(META_COMMITTED)?
            .flatten())
    }

    async fn append<I>(
        &mut self,
        entries: I,
        callback: LogFlushed<ClusterTypes>,
    ) -> Result<(), StorageError<u64>>
    where
        I: IntoIterator<Item = Entry<ClusterTypes>> + Send,
        I::IntoIter: Send,
    {
        let rows = entries
            .into_iter()
            .map(|entry| {
                serde_json::to_vec(&entry)
                    .map(|bytes| (entry.get_log_id().index, bytes))
                    .map_err(write_err)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let db = self.db.clone();
        let written = tokio::task::spawn_blocking(move || db.append(&rows))
            .await
            .map_err(write_err)?;
        match written {
            Ok(()) => {
                callback.log_io_completed(Ok(()));
                Ok(())
            }
            Err(err) => {
                let message = err.to_string();
                callback.log_io_completed(Err(std::io::Error::other(message)));
                Err(write_err(err))
            }
        }
    }

    async fn truncate(&mut self, log_id: LogId<u64>) -> Result<(), StorageError<u64>> {
        self.db.truncate_from(log_id.index).map_err(write_err)
    }

    async fn purge(&mut self, log_id: LogId<u64>) -> Result<(), StorageError<u64>> {
        let purged = serde_json::to_vec(&log_id).map_err(write_err)?;
        self.db.purge_upto(log_id.index, &purged).map_err(write_err)
    }
}
