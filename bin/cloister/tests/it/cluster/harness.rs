//! A devnet of real `cloister node --config` processes: written by `cloister devnet init`, its
//! node.toml files rewritten so every node reaches every other through the front proxies, with
//! short Raft timings. Nodes are started, SIGKILLed, SIGSTOPped and resumed, SIGTERMed and
//! restarted; every process is SIGKILLed and reaped when the cluster is dropped (a panic
//! included), and a failed run keeps its directory and prints the tail of every node's log.

use super::{
    Rng,
    client::{CallError, Client, Head},
    fail,
    proxy::Proxies,
};
use alloy_primitives::Address;
use cloister_node::{ClusterRole, NodeFile};
use serde_json::{Value, json};
use std::{
    fs::{File, OpenOptions},
    io::Write as _,
    net::{SocketAddr, TcpListener},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// The attester nodes run with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tee {
    /// `--tee none`: plain HTTP RPC, self-signed cluster certificates.
    None,
    /// `--tee simulated`: RA-TLS on RPC and cluster ports.
    Simulated,
}

/// What cluster to write.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Genesis validators.
    pub validators: usize,
    /// Genesis followers (read replicas), after the validators.
    pub followers: usize,
    /// Attester.
    pub tee: Tee,
    /// `[cluster] snapshot_every`.
    pub snapshot_every: Option<u64>,
    /// `block_time` (None: a block as soon as transactions are pending).
    pub block_time: Option<&'static str>,
    /// Raft heartbeat.
    pub heartbeat: Duration,
    /// Raft election timeout range.
    pub election: (Duration, Duration),
}

impl Spec {
    /// `validators` validators with Raft timings drawn from `rng`: heartbeat 100 ms, election
    /// timeout starting between 400 and 600 ms, 300 to 500 ms wide.
    pub fn validators(validators: usize, rng: &mut Rng) -> Self {
        let min = rng.range(400, 600);
        let max = min + rng.range(300, 500);
        Self {
            validators,
            followers: 0,
            tee: Tee::None,
            snapshot_every: None,
            block_time: None,
            heartbeat: Duration::from_millis(100),
            election: (Duration::from_millis(min), Duration::from_millis(max)),
        }
    }
}

/// One node of the cluster and its process, if running.
#[derive(Debug)]
pub struct Node {
    /// Index (devnet `nodeI`).
    pub index: usize,
    /// Validator or follower.
    pub role: ClusterRole,
    /// Its key's address.
    pub address: Address,
    /// Its node.toml.
    pub config: PathBuf,
    /// stderr and stdout of every start, appended.
    pub log: PathBuf,
    /// Its RPC.
    pub client: Client,
    child: Option<Child>,
    stopped: bool,
    starts: usize,
}

impl Node {
    /// The pid of the running process.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The node's log so far, colour codes removed.
    pub fn log_text(&self) -> String {
        strip_ansi(&std::fs::read_to_string(&self.log).unwrap_or_default())
    }

    /// The log of the current (latest) start only.
    pub fn current_log(&self) -> String {
        let text = self.log_text();
        let marker = format!("=== harness: start #{} ", self.starts);
        match text.find(&marker) {
            Some(at) => text[at..].to_owned(),
            None => text,
        }
    }

    fn signal(&self, signal: &str) -> bool {
        let Some(pid) = self.pid() else {
            return false;
        };
        Command::new("kill")
            .args([signal, &pid.to_string()])
            .status()
            .is_ok_and(|s| s.success())
    }

    /// SIGKILL and reap (also works on a SIGSTOPped process).
    fn kill_now(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.stopped = false;
    }
}

/// A cluster under test.
#[derive(Debug)]
pub struct Cluster {
    /// The run's seed.
    pub seed: u64,
    /// The test's name (for failure messages).
    pub test: &'static str,
    /// What was written.
    pub spec: Spec,
    /// The devnet directory.
    pub dir: PathBuf,
    tempdir: Option<tempfile::TempDir>,
    /// Genesis `cloister.validators`.
    pub validators: Vec<Address>,
    /// The nodes; validators first.
    pub nodes: Vec<Node>,
    /// The front proxies.
    pub proxies: Proxies,
}

/// RPC port of node `i` is `base + i`, its real cluster port `base + 1000 + i` (devnet init).
fn pick_base_port(count: usize) -> u16 {
    // Below the kernel's ephemeral range (32768+), where ports picked by the OS for other
    // tests never land; checked free, from an entropy source of its own so that replaying a
    // seed does not replay ports.
    let mut rng = Rng::new(super::seed_entropy());
    for _ in 0..50 {
        let base = 20_000 + rng.below(10_000) as u16;
        let free = (0..count).all(|i| {
            let i = i as u16;
            TcpListener::bind(("127.0.0.1", base + i)).is_ok()
                && TcpListener::bind(("127.0.0.1", base + 1000 + i)).is_ok()
        });
        if free {
            return base;
        }
    }
    panic!("no free block of {count} loopback ports found in 50 attempts");
}

impl Cluster {
    /// Writes the cluster (nothing started). Prints the seed.
    pub fn new(test: &'static str, spec: Spec, seed: u64) -> Self {
        eprintln!(
            "cluster test {test}: seed {seed} (replay: {}={seed}); {spec:?}",
            super::SEED_ENV
        );
        let tempdir = tempfile::Builder::new()
            .prefix(&format!("cloister-{test}-"))
            .tempdir()
            .expect("tempdir");
        let dir = tempdir.path().join("devnet");
        let count = spec.validators + spec.followers;
        let base_port = pick_base_port(count);
        let mut init = Command::new(crate::node::binary());
        init.args(["devnet", "init", "--validators"])
            .arg(spec.validators.to_string())
            .arg("--followers")
            .arg(spec.followers.to_string())
            .arg("--dir")
            .arg(&dir)
            .arg("--base-port")
            .arg(base_port.to_string())
            .arg("--tee")
            .arg(match spec.tee {
                Tee::None => "none",
                Tee::Simulated => "simulated",
            });
        if let Some(every) = spec.snapshot_every {
            init.arg("--snapshot-every").arg(every.to_string());
        }
        if let Some(block_time) = spec.block_time {
            init.arg("--block-time").arg(block_time);
        }
        let output = init.output().expect("run cloister devnet init");
        assert!(
            output.status.success(),
            "devnet init failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );

        let genesis: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("genesis.json")).unwrap())
                .unwrap();
        let validators: Vec<Address> =
            serde_json::from_value(genesis["cloister"]["validators"].clone()).unwrap();
        assert_eq!(validators.len(), spec.validators);

        let targets: Vec<SocketAddr> = (0..count)
            .map(|i| SocketAddr::from(([127, 0, 0, 1], base_port + 1000 + i as u16)))
            .collect();
        let proxies = Proxies::start(&targets).expect("start proxies");

        let mut nodes = Vec::with_capacity(count);
        for i in 0..count {
            let config = dir.join(format!("node{i}/node.toml"));
            let mut file = NodeFile::read(&config).expect("read node.toml");
            file.cluster.heartbeat = Some(format!("{}ms", spec.heartbeat.as_millis()));
            file.cluster.election_timeout = Some([
                format!("{}ms", spec.election.0.as_millis()),
                format!("{}ms", spec.election.1.as_millis()),
            ]);
            for (j, peer) in file.cluster.peers.iter_mut().enumerate() {
                peer.cluster = proxies.front(j).to_string();
            }
            let address = file.cluster.peers[i].address;
            write_node_file(&config, &file);
            let tls = spec.tee == Tee::Simulated && !file.rpc.http;
            nodes.push(Node {
                index: i,
                role: file.role,
                address,
                config,
                log: dir.join(format!("node{i}.log")),
                client: Client::new(file.rpc.port, tls),
                child: None,
                stopped: false,
                starts: 0,
            });
        }
        Self {
            seed,
            test,
            spec,
            dir,
            tempdir: Some(tempdir),
            validators,
            nodes,
            proxies,
        }
    }

    /// Fails the test with the seed.
    pub fn fail(&self, message: impl std::fmt::Display) -> ! {
        fail(self.seed, self.test, message)
    }

    /// Indices of the genesis validators.
    pub fn validator_indices(&self) -> Vec<usize> {
        (0..self.spec.validators).collect()
    }

    /// Every node's client, by index.
    pub fn clients(&self) -> Vec<Client> {
        self.nodes.iter().map(|n| n.client.clone()).collect()
    }

    /// The validator index of `address`, if it is one.
    pub fn validator_index(&self, address: &Address) -> Option<usize> {
        self.validators.iter().position(|v| v == address)
    }

    /// Reads node `index`'s node.toml, lets `edit` change it, writes it back.
    pub fn edit_config(&mut self, index: usize, edit: impl FnOnce(&mut NodeFile)) {
        let node = &mut self.nodes[index];
        let mut file = NodeFile::read(&node.config).expect("read node.toml");
        edit(&mut file);
        write_node_file(&node.config, &file);
        let tls = file.tee == "simulated" && !file.rpc.http;
        node.client = Client::new(file.rpc.port, tls);
        node.role = file.role;
    }

    /// Adds a node that `devnet init` did not write: its directory `name` under the devnet,
    /// its config from `file` (paths relative to that directory).
    pub fn add_node(&mut self, name: &str, file: &NodeFile) -> usize {
        let dir = self.dir.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("node.toml");
        write_node_file(&config, file);
        let key = cloister_node::read_key(&dir.join(&file.key_file)).expect("node key");
        let signer = alloy_signer_local::PrivateKeySigner::from_bytes(&key).expect("key");
        let index = self.nodes.len();
        let tls = file.tee == "simulated" && !file.rpc.http;
        self.nodes.push(Node {
            index,
            role: file.role,
            address: signer.address(),
            config,
            log: self.dir.join(format!("{name}.log")),
            client: Client::new(file.rpc.port, tls),
            child: None,
            stopped: false,
            starts: 0,
        });
        index
    }

    /// Starts node `index` (it must not be running); does not wait for it.
    pub fn start(&mut self, index: usize) {
        let node = &mut self.nodes[index];
        assert!(node.child.is_none(), "node{index} is already running");
        node.starts += 1;
        let mut log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&node.log)
            .expect("open log");
        let _ = writeln!(
            log,
            "=== harness: start #{} of node{index} ({:?}) ===",
            node.starts, node.role
        );
        let err = log.try_clone().expect("clone log");
        let child = Command::new(crate::node::binary())
            .arg("node")
            .arg("--config")
            .arg(&node.config)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(err))
            .spawn()
            .expect("spawn cloister node");
        self.proxies.set_pid(index, Some(child.id()));
        node.child = Some(child);
        node.stopped = false;
    }

    /// Waits (at most 60 s) until node `index` answers eth_chainId.
    pub async fn wait_ready(&mut self, index: usize) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let node = &mut self.nodes[index];
            if let Some(child) = node.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                let tail = tail(&node.log_text(), 40);
                node.child = None;
                self.proxies.set_pid(index, None);
                self.fail(format!(
                    "node{index} exited at start ({status}); log:\n{tail}"
                ));
            }
            if node
                .client
                .call_within("eth_chainId", json!([]), Duration::from_secs(2))
                .await
                .is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let tail = tail(&self.nodes[index].log_text(), 40);
        self.fail(format!(
            "node{index} did not answer within 60 s; log:\n{tail}"
        ));
    }

    /// Starts node `index` and waits for its RPC.
    pub async fn start_and_wait(&mut self, index: usize) {
        self.start(index);
        self.wait_ready(index).await;
    }

    /// Starts every node in `indices`, then waits for each.
    pub async fn start_all(&mut self, indices: &[usize]) {
        for &i in indices {
            self.start(i);
        }
        for &i in indices {
            self.wait_ready(i).await;
        }
    }

    /// kill -9 node `index` and reap it.
    pub fn kill9(&mut self, index: usize) {
        eprintln!("fault: kill -9 node{index}");
        self.nodes[index].kill_now();
        self.proxies.set_pid(index, None);
    }

    /// SIGSTOP node `index`.
    pub fn sigstop(&mut self, index: usize) {
        eprintln!("fault: SIGSTOP node{index}");
        assert!(self.nodes[index].signal("-STOP"), "SIGSTOP node{index}");
        self.nodes[index].stopped = true;
    }

    /// SIGCONT node `index`.
    pub fn sigcont(&mut self, index: usize) {
        eprintln!("fault: SIGCONT node{index}");
        assert!(self.nodes[index].signal("-CONT"), "SIGCONT node{index}");
        self.nodes[index].stopped = false;
    }

    /// SIGTERM node `index` and wait (at most 30 s, then SIGKILL) for it to exit.
    pub async fn terminate(&mut self, index: usize) {
        eprintln!("fault: SIGTERM node{index}");
        let node = &mut self.nodes[index];
        if node.stopped {
            node.signal("-CONT");
        }
        node.signal("-TERM");
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            match node.child.as_mut().map(Child::try_wait) {
                Some(Ok(Some(_))) | None => {
                    node.child = None;
                    self.proxies.set_pid(index, None);
                    return;
                }
                _ => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
        eprintln!("node{index} did not exit within 30 s of SIGTERM; killed");
        node.kill_now();
        self.proxies.set_pid(index, None);
    }

    /// Heads of the nodes in `indices` that answer within 2 s.
    pub async fn heads(&self, indices: &[usize]) -> Vec<(usize, Result<Head, CallError>)> {
        let mut set = tokio::task::JoinSet::new();
        for &i in indices {
            let client = self.nodes[i].client.clone();
            set.spawn(async move { (i, client.head_within(Duration::from_secs(2)).await) });
        }
        let mut heads: Vec<_> = set.join_all().await;
        heads.sort_by_key(|(i, _)| *i);
        heads
    }

    /// The highest head among `indices` that answer.
    pub async fn max_head(&self, indices: &[usize]) -> u64 {
        self.heads(indices)
            .await
            .into_iter()
            .filter_map(|(_, h)| h.ok().map(|h| h.number))
            .max()
            .unwrap_or(0)
    }

    /// The latest block among `indices` (the highest head) and the validator index of its
    /// miner: under load, the current leader.
    pub async fn latest_miner(&self, indices: &[usize]) -> Option<(u64, usize)> {
        let mut best: Option<(u64, usize)> = None;
        for (i, head) in self.heads(indices).await {
            let Ok(head) = head else { continue };
            if best.is_some_and(|(n, _)| n >= head.number) {
                continue;
            }
            let Ok(block) = self.nodes[i]
                .client
                .call_within(
                    "eth_getBlockByNumber",
                    json!([super::client::hex_quantity(head.number), false]),
                    Duration::from_secs(2),
                )
                .await
            else {
                continue;
            };
            let Some(miner) = block["miner"]
                .as_str()
                .and_then(|m| m.parse::<Address>().ok())
            else {
                continue;
            };
            if let Some(v) = self.validator_index(&miner) {
                best = Some((head.number, v));
            }
        }
        best
    }

    /// Waits (at most `within`) until some node of `indices` shows a block above `above`
    /// sealed by a validator other than `not`; returns (number, sealer index).
    pub async fn wait_block_not_by(
        &self,
        indices: &[usize],
        above: u64,
        not: usize,
        within: Duration,
    ) -> (u64, usize) {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Some((number, miner)) = self.latest_miner(indices).await
                && number > above
                && miner != not
            {
                return (number, miner);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.fail(format!(
            "no block above {above} sealed by a validator other than node{not} within {within:?}"
        ))
    }

    /// Waits (at most `within`) until every node of `indices` has a head of at least `height`.
    pub async fn wait_height(&self, indices: &[usize], height: u64, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            let heads = self.heads(indices).await;
            if heads
                .iter()
                .all(|(_, h)| h.as_ref().is_ok_and(|h| h.number >= height))
            {
                return;
            }
            if Instant::now() >= deadline {
                let shown: Vec<String> = heads
                    .iter()
                    .map(|(i, h)| match h {
                        Ok(h) => format!("node{i}: {}", h.number),
                        Err(e) => format!("node{i}: {e}"),
                    })
                    .collect();
                self.fail(format!(
                    "not every node of {indices:?} reached height {height} within {within:?}: {}",
                    shown.join(", ")
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            node.kill_now();
        }
        self.proxies.shutdown();
        if std::env::var_os(super::KEEP_ENV).is_some()
            && !std::thread::panicking()
            && let Some(dir) = self.tempdir.take()
        {
            eprintln!("cluster directory kept: {}", dir.keep().display());
        }
        if std::thread::panicking() {
            eprintln!(
                "\n==== cluster test {} failed with seed {} (replay: {}={}); logs kept in {} ====",
                self.test,
                self.seed,
                super::SEED_ENV,
                self.seed,
                self.dir.display()
            );
            for node in &self.nodes {
                let text = node.log_text();
                let notable: Vec<&str> = text
                    .lines()
                    .filter(|l| {
                        l.contains(" WARN ")
                            || l.contains(" ERROR ")
                            || l.contains("panicked")
                            || l.contains("=== harness")
                    })
                    .filter(|l| !l.contains("A message will be ignored because vote changed"))
                    .collect();
                eprintln!(
                    "---- node{} ({}) {}: last warnings/errors ----\n{}\n---- last lines ----\n{}",
                    node.index,
                    node.address,
                    node.log.display(),
                    notable[notable.len().saturating_sub(15)..].join("\n"),
                    tail(&text, 8)
                );
            }
            if let Some(dir) = self.tempdir.take() {
                let _ = dir.keep();
            }
        }
    }
}

/// Writes a node.toml (the node refuses a key readable by others, not a config).
pub fn write_node_file(path: &Path, file: &NodeFile) {
    let mut out = File::create(path).expect("write node.toml");
    out.write_all(b"# rewritten by the cluster test harness\n")
        .unwrap();
    out.write_all(file.to_toml().expect("node.toml").as_bytes())
        .unwrap();
}

/// `text` without ANSI colour sequences.
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The last `lines` lines of `text`.
pub fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
