//! What a cluster peer sends: length-prefixed JSON frames read as the listener and the dialler
//! read them (`read_frame_limited`, requests and responses), the key proof, gossiped raw
//! transactions, and block log entries (decoded, then imported as the state machine would).
//!
//! Input: one mode byte, then a byte stream of frames. Mode bit 0: read requests (else
//! responses). Frames are read until the stream ends or a frame is refused, as a connection
//! would; the handshake's small limit applies to the first frame when bit 1 is set.

use crate::{block_import, setup::runtime, setup::violated, tx};
use cloister_consensus::{
    ClusterRequest, decode_block_entry,
    openraft::EntryPayload,
    transport::{Hello, MAX_FRAME_LEN, PeerRequest, PeerResponse, Role, frame},
};

/// Frames read from one input at most (a stream of tiny frames is cheap to send).
const MAX_FRAMES: usize = 64;
/// The handshake's frame limit (crates/consensus, handshake.rs reads the hello with it).
const HELLO_LIMIT: u32 = 4096;
const CLIENT_CERT: &[u8] = b"client certificate";
const SERVER_CERT: &[u8] = b"server certificate";

/// Reads every frame of one input.
pub fn run(data: &[u8]) {
    let Some((mode, mut stream)) = data.split_first() else {
        return;
    };
    runtime().block_on(async {
        for index in 0..MAX_FRAMES {
            let limit = if index == 0 && mode & 2 == 2 {
                HELLO_LIMIT
            } else {
                MAX_FRAME_LEN
            };
            let more = if mode & 1 == 1 {
                match frame::read_frame_limited::<_, PeerRequest>(&mut stream, limit).await {
                    Ok(request) => {
                        round_trip(&request, |bytes| {
                            serde_json::from_slice::<PeerRequest>(bytes)
                        });
                        on_request(request);
                        true
                    }
                    Err(_) => false,
                }
            } else {
                match frame::read_frame_limited::<_, PeerResponse>(&mut stream, limit).await {
                    Ok(response) => {
                        round_trip(&response, |b| serde_json::from_slice::<PeerResponse>(b));
                        if let PeerResponse::Hello(hello) = response {
                            check_hello(&hello, Role::Listener);
                        }
                        true
                    }
                    Err(_) => false,
                }
            };
            if !more {
                break;
            }
        }
    });
}

/// A message written again reads back and writes the same bytes.
fn round_trip<M: serde::Serialize, E>(message: &M, read: impl Fn(&[u8]) -> Result<M, E>) {
    let Ok(first) = frame::encode(message) else {
        violated("a decoded message cannot be encoded");
    };
    match read(&first).map(|again| frame::encode(&again)) {
        Ok(Ok(second)) if second == first => {}
        _ => violated("a peer message does not survive encode → decode → encode"),
    }
}

fn on_request(request: PeerRequest) {
    match request {
        PeerRequest::Hello(hello) => check_hello(&hello, Role::Dialler),
        PeerRequest::Transactions(txs) => {
            // The node's gossip sink decodes and admits each, as eth_sendRawTransaction does.
            for raw in txs.iter().take(16) {
                tx::run(raw);
            }
        }
        PeerRequest::AppendEntries(append) => {
            for entry in append.entries.iter().take(4) {
                if let EntryPayload::Normal(request) = &entry.payload {
                    apply(request);
                }
            }
        }
        PeerRequest::Vote(_) | PeerRequest::InstallSnapshot(_) | PeerRequest::Join(_) => {}
    }
}

/// The state machine's step for one block entry: decode, then import with the given seal.
fn apply(request: &ClusterRequest) {
    let Ok((block, seal)) = decode_block_entry(request) else {
        return;
    };
    block_import::with_chain(|dev| block_import::import(dev, block, seal));
}

fn check_hello(hello: &Hello, role: Role) {
    if let Ok(address) = hello.verify(CLIENT_CERT, SERVER_CERT, role)
        && address != hello.address
    {
        violated("a key proof verified for another address");
    }
}
