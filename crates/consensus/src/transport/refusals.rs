//! What the handshakes learned about peers, for `cloister_clusterStatus`: the recent refusals,
//! in both directions (a dialler this node refused, a listener this node would not talk to),
//! and the attestation report each admitted peer last proved ([`PeerMeasurements`]). Bounded:
//! a peer that retries forever pushes out only older refusals, and reports are kept only for
//! peers that passed the membership check.

use super::error::RefusalReason;
use cloister_primitives::Address;
use cloister_tee::AttestationReport;
use parking_lot::Mutex;
use serde::Serialize;
use std::{
    collections::{BTreeMap, VecDeque},
    net::SocketAddr,
    sync::Arc,
    time::SystemTime,
};

/// How many refusals are kept.
pub const MAX_REFUSALS: usize = 64;

/// One refused peer.
#[derive(Debug, Clone, Serialize)]
pub struct PeerRefusal {
    /// The key the peer claimed or proved, when it got that far.
    pub address: Option<Address>,
    /// Its socket address.
    pub socket: SocketAddr,
    /// Why.
    pub reason: String,
    /// When, in seconds since the Unix epoch.
    pub at: u64,
}

/// The shared, bounded list of recent refusals, newest last.
#[derive(Debug, Clone, Default)]
pub struct RefusalLog {
    inner: Arc<Mutex<VecDeque<PeerRefusal>>>,
}

impl RefusalLog {
    /// Records a refusal and logs it at warn (reason and addresses only).
    pub(crate) fn record(
        &self,
        address: Option<Address>,
        socket: SocketAddr,
        reason: &RefusalReason,
    ) {
        tracing::warn!(
            target: "cloister::cluster",
            peer = ?address,
            %socket,
            %reason,
            "peer refused"
        );
        let at = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let mut list = self.inner.lock();
        if list.len() >= MAX_REFUSALS {
            list.pop_front();
        }
        list.push_back(PeerRefusal {
            address,
            socket,
            reason: reason.to_string(),
            at,
        });
    }

    /// The recent refusals, oldest first.
    pub fn recent(&self) -> Vec<PeerRefusal> {
        self.inner.lock().iter().cloned().collect()
    }
}

/// The attestation report each member key last proved with its RA-TLS certificate, on a
/// connection that passed every check (attestation, key proof, membership). Empty with
/// `--tee none`, where certificates carry no quote.
#[derive(Debug, Clone, Default)]
pub struct PeerMeasurements {
    inner: Arc<Mutex<BTreeMap<Address, AttestationReport>>>,
}

impl PeerMeasurements {
    /// Keeps `report` as what `address` proved last.
    pub(crate) fn record(&self, address: Address, report: AttestationReport) {
        self.inner.lock().insert(address, report);
    }

    /// What `address` proved last, if it ever connected with a quote.
    pub fn get(&self, address: &Address) -> Option<AttestationReport> {
        self.inner.lock().get(address).cloned()
    }

    /// Every recorded report, by address.
    pub fn all(&self) -> BTreeMap<Address, AttestationReport> {
        self.inner.lock().clone()
    }
}
