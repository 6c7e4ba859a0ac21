//! A local replayer of hive's rpc-compat simulator (see `../shared/conformance/HIVE-RPC-COMPAT.md`):
//! imports the fixture chain, sends the forkchoice update, replays every `.io` exchange against one
//! node and compares answers by hive's rules.

pub mod client;
pub mod compare;
pub mod expected;
pub mod fixtures;
pub mod genesis;
pub mod node;
pub mod replay;
pub mod report;
pub mod schema;

pub use expected::ExpectedFailures;
pub use node::LocalNode;
pub use report::{Report, TestOutcome};

use client::RpcClient;
use cloister_rpc_engine::JwtSecret;
use schema::ResultSchemas;
use std::path::{Path, PathBuf};

/// Why a replay could not run (as opposed to tests that failed).
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A fixture or list file is malformed or inconsistent.
    #[error("{0}")]
    Fixture(String),
    /// The node could not be initialised, import the chain, or start.
    #[error("node: {0}")]
    Node(#[from] cloister_node::NodeError),
    /// Setup failed otherwise.
    #[error("setup: {0}")]
    Setup(String),
    /// An HTTP exchange failed.
    #[error("http: {0}")]
    Http(String),
    /// hive's initial engine_forkchoiceUpdatedV3 was not answered with VALID.
    #[error("forkchoice update from headfcu.json failed: {0}")]
    Forkchoice(String),
}

impl ReplayError {
    /// An IO error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Where the fixtures, the spec and the expected-failures list are.
#[derive(Debug, Clone)]
pub struct ReplayPaths {
    /// `execution-apis` fixtures (chain.rlp, genesis.json, forkenv.json, headfcu.json, tests).
    pub fixtures: PathBuf,
    /// The assembled `openrpc.json`.
    pub openrpc: PathBuf,
    /// `hive-tests/expected-failures.txt`.
    pub expected_failures: PathBuf,
}

impl Default for ReplayPaths {
    /// The fixtures under the fixture root (`$CLOISTER_FIXTURES`, else `../shared` beside the
    /// checkout: see `cloister-fixtures`), `hive-tests/` at the checkout's top.
    fn default() -> Self {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let conformance = cloister_fixtures::path("conformance");
        Self {
            fixtures: conformance.join("execution-apis"),
            openrpc: conformance.join("openrpc/openrpc.json"),
            expected_failures: manifest.join("../../hive-tests/expected-failures.txt"),
        }
    }
}

/// What to replay and against what.
#[derive(Debug, Clone, Default)]
pub struct ReplayOptions {
    /// File locations.
    pub paths: ReplayPaths,
    /// Only tests whose path starts with this (e.g. `eth_getBlockByNumber` or `eth_call/call-`).
    pub filter: Option<String>,
    /// Replay against a running node at this URL instead of starting one.
    pub url: Option<String>,
    /// With `url`: the engine URL to send headfcu.json to first (hive's secret is used).
    pub engine_url: Option<String>,
}

/// Runs the replay as hive would and returns the report (tests that fail are in the report;
/// `Err` means the replay itself could not run).
pub async fn run(options: ReplayOptions) -> Result<Report, ReplayError> {
    let paths = &options.paths;
    let mut tests = fixtures::load_tests(&paths.fixtures)?;
    if let Some(prefix) = &options.filter {
        tests.retain(|t| t.name.starts_with(prefix.as_str()));
    }
    let openrpc_text =
        std::fs::read_to_string(&paths.openrpc).map_err(|e| ReplayError::io(&paths.openrpc, e))?;
    let openrpc: serde_json::Value = serde_json::from_str(&openrpc_text)
        .map_err(|e| ReplayError::Fixture(format!("openrpc.json: {e}")))?;
    let schemas = ResultSchemas::from_openrpc(&openrpc);
    let expected = ExpectedFailures::load(&paths.expected_failures)?;
    let client = RpcClient::new()?;
    let headfcu_path = paths.fixtures.join("headfcu.json");
    let headfcu =
        std::fs::read_to_string(&headfcu_path).map_err(|e| ReplayError::io(&headfcu_path, e))?;
    let secret = JwtSecret::from_hex(node::HIVE_JWT_SECRET)
        .map_err(|e| ReplayError::Fixture(e.to_string()))?;

    let (outcomes, node) = match &options.url {
        Some(url) => {
            if let Some(engine_url) = &options.engine_url {
                send_forkchoice(&client, engine_url, &headfcu, &secret).await?;
            }
            (
                replay::replay_tests(&client, url, &tests, &schemas).await,
                None,
            )
        }
        None => {
            let node = LocalNode::start(&paths.fixtures).await?;
            let engine_url = node
                .engine_url()
                .ok_or_else(|| ReplayError::Setup("the node started no engine port".into()))?;
            if let Err(err) = send_forkchoice(&client, &engine_url, &headfcu, &node.jwt).await {
                node.stop().await;
                return Err(err);
            }
            let outcomes = replay::replay_tests(&client, &node.rpc_url(), &tests, &schemas).await;
            (outcomes, Some(node))
        }
    };
    if let Some(node) = node {
        node.stop().await;
    }
    Ok(Report { outcomes, expected })
}

/// Sends headfcu.json to the engine port and requires a VALID answer, as hive does.
async fn send_forkchoice(
    client: &RpcClient,
    engine_url: &str,
    headfcu: &str,
    secret: &JwtSecret,
) -> Result<(), ReplayError> {
    let request: serde_json::Value = serde_json::from_str(headfcu)
        .map_err(|e| ReplayError::Fixture(format!("headfcu.json: {e}")))?;
    let response = client
        .post_authenticated(engine_url, &request.to_string(), secret)
        .await?;
    let answer: serde_json::Value =
        serde_json::from_str(&response).map_err(|_| ReplayError::Forkchoice(response.clone()))?;
    let status = answer
        .pointer("/result/payloadStatus/status")
        .and_then(|s| s.as_str());
    if status != Some("VALID") {
        return Err(ReplayError::Forkchoice(response));
    }
    Ok(())
}
