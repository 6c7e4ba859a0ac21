//! Who the transport refuses, and what a refused peer sees: only a refusal reason, then the
//! end of the connection. Non-members, forged or relayed key proofs, a listener that is not the
//! key dialled, oversized frames, and (simulated TEE) certificates whose measurement the chain
//! does not allow or that carry no quote.

use crate::transport_support::{
    NetNode, genesis, keys, members_only, raw_certificate, raw_connect,
};
use alloy_signer_local::PrivateKeySigner;
use cloister_consensus::{
    PeerNode, node_id_of,
    openraft::{
        RaftNetwork, RaftNetworkFactory, Vote, error::RPCError, network::RPCOption,
        raft::VoteRequest,
    },
    transport::{
        Hello, MAX_FRAME_LEN, PeerAttestation, PeerIdentity, PeerPolicy, PeerRequest, PeerResponse,
        PeerTransport, Role, TransportError,
        frame::{read_frame, write_frame},
    },
};
use cloister_primitives::Address;
use cloister_tee::{EnclaveRule, Mr256, RaTlsIdentity, SimulatedAttester};
use std::{sync::Arc, time::Duration};
use tokio::io::AsyncWriteExt;

const ALLOWED: [u8; 32] = [0xa1; 32];
const OTHER: [u8; 32] = [0xb2; 32];

/// A node with key 0 serving; keys 0 and 1 are members.
async fn member_server(policy: impl Fn(&[Address]) -> PeerPolicy) -> (NetNode, Vec<Address>) {
    let keys = keys();
    let members: Vec<Address> = keys[..2].iter().map(|k| k.address()).collect();
    let genesis = genesis(&members[..1]);
    let identity = PeerIdentity::self_signed(keys[0].clone()).unwrap();
    (
        NetNode::start(&genesis, keys[0].clone(), identity, policy(&members)).await,
        members,
    )
}

/// Sends a vote request from `transport` to `server`, as openraft would.
async fn vote_from(
    transport: &PeerTransport,
    server: &NetNode,
    expected: Address,
) -> Result<(), RPCError<u64, PeerNode, cloister_consensus::openraft::error::RaftError<u64>>> {
    let node = PeerNode {
        address: expected,
        cluster: server.addr.to_string(),
        rpc: String::new(),
    };
    let mut client = transport
        .network()
        .new_client(node_id_of(&expected), &node)
        .await;
    let vote = VoteRequest::new(Vote::new(1, node_id_of(&transport.address())), None);
    client
        .vote(vote, RPCOption::new(Duration::from_secs(5)))
        .await
        .map(|_| ())
}

/// Reads what a refused raw client is sent: one refusal, then end of stream.
async fn expect_refusal<S: tokio::io::AsyncRead + Unpin>(stream: &mut S) -> String {
    let reason = match read_frame::<_, PeerResponse>(stream).await.unwrap() {
        PeerResponse::Refused { reason } => reason,
        other => panic!("expected a refusal, got {other:?}"),
    };
    match read_frame::<_, PeerResponse>(stream).await {
        Err(TransportError::Closed) | Err(TransportError::Io(_)) => {}
        other => panic!("a refused peer received more: {other:?}"),
    }
    reason
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_is_served_and_a_non_member_is_refused_with_a_recorded_reason() {
    let (server, members) = member_server(members_only).await;
    let keys = keys();

    let member = PeerTransport::new(
        PeerIdentity::self_signed(keys[1].clone()).unwrap(),
        members_only(&members),
    )
    .unwrap();
    vote_from(&member, &server, members[0]).await.unwrap();

    // Through the transport: the outsider's RPC fails as unreachable (openraft backs off).
    let outsider_key = keys[4].clone();
    let outsider = PeerTransport::new(
        PeerIdentity::self_signed(outsider_key.clone()).unwrap(),
        members_only(&members),
    )
    .unwrap();
    let err = vote_from(&outsider, &server, members[0]).await.unwrap_err();
    assert!(matches!(err, RPCError::Unreachable(_)), "{err:?}");

    // By hand: a valid proof of a non-member key gets the reason and nothing else.
    let (cert, key) = raw_certificate();
    let (mut tls, server_cert) = raw_connect(server.addr, &cert, &key).await;
    let hello = Hello::sign(&outsider_key, &cert, &server_cert, Role::Dialler).unwrap();
    write_frame(&mut tls, &PeerRequest::Hello(hello))
        .await
        .unwrap();
    let reason = expect_refusal(&mut tls).await;
    assert!(reason.contains("not a member"), "{reason}");

    // Both refusals of the same key for the same reason: one entry, counted twice.
    let refusals = server.transport.refusals();
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert_eq!(refusals[0].count, 2, "{refusals:?}");
    for refusal in &refusals {
        assert_eq!(refusal.address, Some(outsider_key.address()));
        assert!(refusal.reason.contains("not a member"));
        assert!(refusal.socket.ip().is_loopback());
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_relayed_key_proofs_are_refused() {
    let (server, _) = member_server(members_only).await;
    let member_key: PrivateKeySigner = keys()[1].clone();

    // Signed over another connection's certificates: replayed.
    let (cert, key) = raw_certificate();
    let (other_cert, _) = raw_certificate();
    let (mut tls, server_cert) = raw_connect(server.addr, &cert, &key).await;
    let forged = Hello::sign(&member_key, &other_cert, &server_cert, Role::Dialler).unwrap();
    write_frame(&mut tls, &PeerRequest::Hello(forged))
        .await
        .unwrap();
    let reason = expect_refusal(&mut tls).await;
    assert!(reason.contains("bad key proof"), "{reason}");

    // The right certificates but the listener's role: a proof echoed back.
    let (mut tls, server_cert) = raw_connect(server.addr, &cert, &key).await;
    let echoed = Hello::sign(&member_key, &cert, &server_cert, Role::Listener).unwrap();
    write_frame(&mut tls, &PeerRequest::Hello(echoed))
        .await
        .unwrap();
    assert!(expect_refusal(&mut tls).await.contains("bad key proof"));

    // Chain data before a proof.
    let (mut tls, _) = raw_connect(server.addr, &cert, &key).await;
    let vote = VoteRequest::new(Vote::new(1, 1), None);
    write_frame(&mut tls, &PeerRequest::Vote(vote))
        .await
        .unwrap();
    assert!(expect_refusal(&mut tls).await.contains("vote before hello"));

    let refusals = server.transport.refusals();
    assert_eq!(refusals.len(), 3, "{refusals:?}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dialler_refuses_a_listener_that_proves_another_key() {
    let (server, members) = member_server(members_only).await;
    let keys = keys();
    let dialler = PeerTransport::new(
        PeerIdentity::self_signed(keys[1].clone()).unwrap(),
        members_only(&members),
    )
    .unwrap();
    // The membership says key 1 listens there, but the listener proves key 0.
    let err = vote_from(&dialler, &server, members[1]).await.unwrap_err();
    assert!(matches!(err, RPCError::Unreachable(_)), "{err:?}");
    let refusals = dialler.refusals();
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert_eq!(refusals[0].address, Some(members[0]));
    assert!(
        refusals[0].reason.contains("expected key"),
        "{}",
        refusals[0].reason
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_frames_are_refused_before_reading_them() {
    // The length alone decides: nothing follows the header here, and no read is attempted.
    let header = u32::MAX.to_be_bytes();
    let err = read_frame::<_, PeerRequest>(&mut &header[..])
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            TransportError::FrameTooLarge {
                len: u32::MAX,
                max: MAX_FRAME_LEN
            }
        ),
        "{err:?}"
    );

    let (server, _) = member_server(members_only).await;
    let member_key = keys()[1].clone();

    // As a first frame: the hello limit is small, and the peer is refused.
    let (cert, key) = raw_certificate();
    let (mut tls, _) = raw_connect(server.addr, &cert, &key).await;
    tls.write_all(&(MAX_FRAME_LEN).to_be_bytes()).await.unwrap();
    tls.flush().await.unwrap();
    let reason = expect_refusal(&mut tls).await;
    assert!(reason.contains("exceeds"), "{reason}");

    // After authenticating: the connection is dropped unanswered.
    let (mut tls, server_cert) = raw_connect(server.addr, &cert, &key).await;
    let hello = Hello::sign(&member_key, &cert, &server_cert, Role::Dialler).unwrap();
    write_frame(&mut tls, &PeerRequest::Hello(hello))
        .await
        .unwrap();
    match read_frame::<_, PeerResponse>(&mut tls).await.unwrap() {
        PeerResponse::Hello(hello) => {
            assert_eq!(
                hello.verify(&cert, &server_cert, Role::Listener),
                Ok(keys()[0].address())
            );
        }
        other => panic!("expected the listener's proof, got {other:?}"),
    }
    tls.write_all(&(MAX_FRAME_LEN + 1).to_be_bytes())
        .await
        .unwrap();
    tls.flush().await.unwrap();
    let after = tokio::time::timeout(
        Duration::from_secs(5),
        read_frame::<_, PeerResponse>(&mut tls),
    )
    .await
    .unwrap();
    assert!(
        matches!(
            after,
            Err(TransportError::Closed) | Err(TransportError::Io(_))
        ),
        "{after:?}"
    );
    server.stop().await;
}

/// A policy requiring simulated RA-TLS with MRENCLAVE [`ALLOWED`].
fn simulated_policy(members: &[Address], allow_simulated: bool) -> PeerPolicy {
    let members = members.to_vec();
    PeerPolicy::new(
        Arc::new(move |a: &Address| members.contains(a)),
        Some(PeerAttestation::new(
            vec![EnclaveRule::mr_enclave(Mr256::from(ALLOWED), 0)],
            allow_simulated,
        )),
    )
}

fn simulated_identity(key: PrivateKeySigner, measurement: [u8; 32]) -> PeerIdentity {
    let tls = RaTlsIdentity::generate(&SimulatedAttester::new(measurement), &[]).unwrap();
    PeerIdentity::from_ra_tls(key, &tls)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_simulated_tee_only_allowed_measurements_are_admitted() {
    let keys = keys();
    let members: Vec<Address> = keys[..2].iter().map(|k| k.address()).collect();
    let genesis = genesis(&members[..1]);
    let server = NetNode::start(
        &genesis,
        keys[0].clone(),
        simulated_identity(keys[0].clone(), ALLOWED),
        simulated_policy(&members, true),
    )
    .await;

    let allowed = PeerTransport::new(
        simulated_identity(keys[1].clone(), ALLOWED),
        simulated_policy(&members, true),
    )
    .unwrap();
    vote_from(&allowed, &server, members[0]).await.unwrap();

    let other = PeerTransport::new(
        simulated_identity(keys[1].clone(), OTHER),
        simulated_policy(&members, true),
    )
    .unwrap();
    assert!(matches!(
        vote_from(&other, &server, members[0]).await,
        Err(RPCError::Unreachable(_))
    ));

    let no_quote = PeerTransport::new(
        PeerIdentity::self_signed(keys[1].clone()).unwrap(),
        simulated_policy(&members, true),
    )
    .unwrap();
    assert!(vote_from(&no_quote, &server, members[0]).await.is_err());

    let refusals = server.transport.refusals();
    assert_eq!(refusals.len(), 2, "{refusals:?}");
    assert!(
        refusals[0].reason.contains("is not allowed by the chain"),
        "{}",
        refusals[0].reason
    );
    assert!(
        refusals[1].reason.starts_with("attestation"),
        "{}",
        refusals[1].reason
    );

    // The dialler checks the listener too: a client whose chain forbids simulation refuses it.
    let strict = PeerTransport::new(
        simulated_identity(keys[1].clone(), ALLOWED),
        simulated_policy(&members, false),
    )
    .unwrap();
    assert!(vote_from(&strict, &server, members[0]).await.is_err());
    let refused = strict.refusals();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0].reason.starts_with("attestation"),
        "{}",
        refused[0].reason
    );
    server.stop().await;
}
