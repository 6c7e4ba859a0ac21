//! Runs small ETH and ERC-20 benches against anvil, when an anvil binary is available at
//! `$ANVIL_BIN` or in the npm cache used by `scripts/bench-vs-anvil.sh`; skipped otherwise.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cloister_bench::{BenchConfig, BenchKind, run};

fn anvil_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("ANVIL_BIN").map(PathBuf::from) {
        return path.is_file().then_some(path);
    }
    let home = PathBuf::from(std::env::var_os("HOME")?);
    let cached =
        home.join(".cache/cloister-npm/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
    cached.is_file().then_some(cached)
}

/// An anvil process killed when dropped.
struct Anvil {
    child: Child,
    url: String,
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_anvil(binary: &PathBuf, extra: &[&str]) -> Anvil {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(binary)
        .args([
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--silent",
        ])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let anvil = Anvil {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "anvil did not listen within 30 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    anvil
}

fn small_config(url: &str, kind: BenchKind) -> BenchConfig {
    let mut config = BenchConfig::new(url, kind);
    config.senders = 8;
    config.txs_per_sender = 5;
    config.connections = 4;
    config.timeout = Duration::from_secs(60);
    config
}

async fn bench_commits_everything(kind: BenchKind, batch_size: usize, anvil_args: &[&str]) {
    let Some(binary) = anvil_binary() else {
        eprintln!("skipped: no anvil binary (set ANVIL_BIN or run scripts/bench-vs-anvil.sh)");
        return;
    };
    let anvil = start_anvil(&binary, anvil_args);
    let mut config = small_config(&anvil.url, kind);
    config.batch_size = batch_size;
    let report = run(config).await.unwrap();
    println!("{report}");
    assert_eq!(report.txs, 40);
    assert_eq!(report.committed, 40);
    assert_eq!(report.kind, kind);
    assert!(report.blocks >= 1);
    assert!(report.max_txs_per_block >= 1);
    assert!(
        report.node.to_lowercase().contains("anvil"),
        "node = {}",
        report.node
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eth_transfers_all_commit_on_anvil_automine() {
    bench_commits_everything(BenchKind::EthTransfer, 1, &[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erc20_transfers_all_commit_on_anvil_automine() {
    bench_commits_everything(BenchKind::Erc20Transfer, 1, &[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batched_erc20_transfers_all_commit_on_anvil_with_block_time() {
    // Interval mining puts many transactions in one block: checks per-block accounting.
    bench_commits_everything(BenchKind::Erc20Transfer, 7, &["--block-time", "1"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_chain_id_is_reported_as_rejection_not_a_hang() {
    let Some(binary) = anvil_binary() else {
        eprintln!("skipped: no anvil binary");
        return;
    };
    let anvil = start_anvil(&binary, &[]);
    let mut config = small_config(&anvil.url, BenchKind::EthTransfer);
    config.chain_id = Some(1);
    let error = run(config).await.unwrap_err();
    assert!(
        matches!(error, cloister_bench::BenchError::Rejected { .. }),
        "unexpected error: {error}"
    );
}
