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
    time::{Duration, Instant, SystemTime},
};

/// How many refusals are kept.
pub const MAX_REFUSALS: usize = 64;

/// A peer refused again for the same reason is logged at warn at most this often (a removed
/// validator retries every half second; the first warning says all there is to say).
pub const REFUSAL_WARN_EVERY: Duration = Duration::from_secs(30);

/// One refused peer.
#[derive(Debug, Clone, Serialize)]
pub struct PeerRefusal {
    /// The key the peer claimed or proved, when it got that far.
    pub address: Option<Address>,
    /// Its socket address.
    pub socket: SocketAddr,
    /// Why.
    pub reason: String,
    /// When, in seconds since the Unix epoch (the latest, when it repeated).
    pub at: u64,
    /// How many times in a row this peer was refused for this reason.
    pub count: u64,
}

/// When each (peer, reason) was last logged at warn.
type WarnedAt = BTreeMap<(Option<Address>, String), Instant>;

/// The shared, bounded list of recent refusals, newest last.
#[derive(Debug, Clone, Default)]
pub struct RefusalLog {
    inner: Arc<Mutex<VecDeque<PeerRefusal>>>,
    /// When each (peer, reason) was last logged at warn.
    warned: Arc<Mutex<WarnedAt>>,
}

impl RefusalLog {
    /// Records a refusal and logs it at warn (reason and addresses only).
    pub(crate) fn record(
        &self,
        address: Option<Address>,
        socket: SocketAddr,
        reason: &RefusalReason,
    ) {
        let text = reason.to_string();
        if self.should_warn(address, &text) {
            tracing::warn!(
                target: "cloister::cluster",
                peer = ?address,
                %socket,
                %reason,
                "peer refused"
            );
        } else {
            tracing::debug!(target: "cloister::cluster", peer = ?address, %socket, %reason, "peer refused again");
        }
        let at = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let mut list = self.inner.lock();
        // A repeat of the newest refusal of this peer for this reason updates it in place.
        let repeat = list
            .iter()
            .rposition(|r| r.address == address && address.is_some())
            .filter(|&i| list[i].reason == text);
        let count = match repeat.and_then(|i| list.remove(i)) {
            Some(previous) => previous.count + 1,
            None => 1,
        };
        if list.len() >= MAX_REFUSALS {
            list.pop_front();
        }
        list.push_back(PeerRefusal {
            address,
            socket,
            reason: text,
            at,
            count,
        });
    }

    /// Whether this refusal is worth a warning (first time, or not in the last
    /// [`REFUSAL_WARN_EVERY`]).
    fn should_warn(&self, address: Option<Address>, reason: &str) -> bool {
        let mut warned = self.warned.lock();
        let now = Instant::now();
        let key = (address, reason.to_owned());
        match warned.get(&key) {
            Some(last) if now.duration_since(*last) < REFUSAL_WARN_EVERY => false,
            _ => {
                if warned.len() >= MAX_REFUSALS {
                    warned.retain(|_, last| now.duration_since(*last) < REFUSAL_WARN_EVERY);
                    if warned.len() >= MAX_REFUSALS {
                        // A flood of distinct refusals: the list still records them.
                        return false;
                    }
                }
                warned.insert(key, now);
                true
            }
        }
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
