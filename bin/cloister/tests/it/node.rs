//! A `cloister node --dev` child process: started on a free loopback port, killed on drop so no
//! test exit path leaves a node running.

use crate::rpc::Rpc;
use std::{
    fs::File,
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Stdio},
    time::Duration,
};

/// Path of the binary under test.
pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_cloister")
}

/// A running node; killed (SIGKILL) and reaped when dropped.
pub struct NodeProcess {
    child: Option<Child>,
    /// Its RPC client.
    pub rpc: Rpc,
    /// Where its stderr goes (printed when it fails to start).
    log_path: PathBuf,
}

/// A loopback port nobody listens on right now (the OS picks it; released before use).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}

impl NodeProcess {
    /// Starts `cloister node --dev` on `datadir` and waits until it answers eth_chainId.
    /// `run` numbers the log file so every start of one datadir keeps its own log.
    pub async fn start(datadir: &Path, logs: &Path, run: usize) -> Self {
        // A port picked by the OS can be taken again before the child binds it: retry a few times.
        for attempt in 0..5 {
            let port = free_port();
            let log_path = logs.join(format!("node-{run}-{attempt}.log"));
            let log = File::create(&log_path).expect("create log");
            let child = Command::new(binary())
                .args([
                    "node",
                    "--dev",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    &port.to_string(),
                    "--datadir",
                ])
                .arg(datadir)
                .env("RUST_LOG", "info")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::from(log))
                .spawn()
                .expect("spawn cloister");
            let mut node = Self {
                child: Some(child),
                rpc: Rpc::new(port),
                log_path,
            };
            if node.wait_ready().await {
                return node;
            }
            let log = node.log();
            if !log.contains("cannot listen") {
                panic!("node did not start; log:\n{log}");
            }
        }
        panic!("node could not bind a free port in 5 attempts");
    }

    /// Polls eth_chainId (at most ~60 s); false if the child exited first.
    async fn wait_ready(&mut self) -> bool {
        for _ in 0..600 {
            if let Some(child) = self.child.as_mut()
                && child.try_wait().expect("try_wait").is_some()
            {
                return false;
            }
            if let Ok(id) = self.rpc.call("eth_chainId", serde_json::json!([])).await {
                assert_eq!(id, serde_json::json!("0x1d85"), "dev chain id is 7557");
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "node did not answer eth_chainId within ~60 s; log:\n{}",
            self.log()
        );
    }

    /// The node's stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// SIGKILL, then reap, so the datadir's file lock is released before this returns.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGINT (the node's graceful shutdown), then waits at most ~60 s for it to exit.
    pub async fn interrupt(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("node is running");
        let status = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -INT failed");
        for _ in 0..600 {
            if let Some(exit) = child.try_wait().expect("try_wait") {
                return exit;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "node did not exit within ~60 s of SIGINT; log:\n{}",
            self.log()
        );
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
