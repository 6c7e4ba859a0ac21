//! The audit log: append-only records under consecutive sequence numbers from 0, each append its
//! own short write transaction outside block commits. Records are opaque here.

use crate::{StorageError, Store, tables::AUDIT_LOG};
use redb::ReadableTable;

impl Store {
    /// Appends `record` and returns its sequence number. redb serialises write transactions, so
    /// concurrent appends get distinct, consecutive numbers.
    pub fn append_audit(&self, record: &[u8]) -> Result<u64, StorageError> {
        let txn = self.begin_write()?;
        let sequence = {
            let mut table = txn.open_table(AUDIT_LOG)?;
            let sequence = match table.last()? {
                Some((last, _)) => last
                    .value()
                    .checked_add(1)
                    .ok_or_else(|| StorageError::corrupt("audit_log", "sequence exhausted"))?,
                None => 0,
            };
            table.insert(sequence, record)?;
            sequence
        };
        txn.commit()?;
        Ok(sequence)
    }

    /// Up to `limit` records from sequence `from` on, in order.
    pub fn audit_entries(
        &self,
        from: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Vec<u8>)>, StorageError> {
        let table = self.begin_read()?.open_table(AUDIT_LOG)?;
        let mut entries = Vec::new();
        for entry in table.range(from..)?.take(limit) {
            let (sequence, record) = entry?;
            entries.push((sequence.value(), record.value().to_vec()));
        }
        Ok(entries)
    }
}
