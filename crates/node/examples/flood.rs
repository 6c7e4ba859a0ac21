//! Does a flood of expensive calls stop the chain? A `--dev` node in-process (its own runtime
//! with the binary's fixed pools: 2 workers, 8 blocking threads), K clients sending
//! `eth_sendTransaction` transfers for T seconds unloaded, then again while M more clients each
//! loop one call of an infinite loop at the gas cap (`0x5b600056` as creation code: `JUMPDEST
//! PUSH1 0 JUMP`). Prints mined transfers/s both ways, their ratio, and what the flood calls got.
//!
//! `cargo run -p cloister-node --example flood -- [--senders K] [--flooders M] [--seconds T]
//! [--method call|estimate|trace|mixed] [--evm-timeout 5s] [--evm-concurrency N]
//! [--evm-queue N]`
//!
//! Transfers are counted from the chain (transactions in the blocks committed during a phase),
//! not from answers.

use cloister_node::{NodeConfig, NodeHandle, launch};
use serde_json::{Value, json};
use std::{
    collections::BTreeMap,
    error::Error,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

type AnyResult<T> = Result<T, Box<dyn Error + Send + Sync>>;

/// `JUMPDEST PUSH1 0 JUMP`: loops until the gas runs out (12 gas a turn).
const LOOP_CODE: &str = "0x5b600056";
/// Where the transfers go.
const SINK: &str = "0x000000000000000000000000000000000000dEaD";

/// Command-line knobs.
#[derive(Debug, Clone)]
struct Options {
    senders: usize,
    flooders: usize,
    seconds: u64,
    method: String,
    evm_timeout: Option<Duration>,
    evm_concurrency: Option<usize>,
    evm_queue: Option<usize>,
}

fn options() -> AnyResult<Options> {
    let mut parsed = Options {
        senders: 6,
        flooders: 8,
        seconds: 10,
        method: "call".into(),
        evm_timeout: None,
        evm_concurrency: None,
        evm_queue: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or("flag without a value")?;
        match flag.as_str() {
            "--senders" => parsed.senders = value.parse::<usize>()?.clamp(1, 9),
            "--flooders" => parsed.flooders = value.parse()?,
            "--seconds" => parsed.seconds = value.parse::<u64>()?.max(1),
            "--method" => parsed.method = value,
            "--evm-timeout" => parsed.evm_timeout = Some(humantime::parse_duration(&value)?),
            "--evm-concurrency" => parsed.evm_concurrency = Some(value.parse()?),
            "--evm-queue" => parsed.evm_queue = Some(value.parse()?),
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    Ok(parsed)
}

fn main() -> AnyResult<()> {
    let opts = options()?;
    let dir = tempfile::tempdir()?;
    let mut config = NodeConfig::dev(dir.path().to_path_buf(), 0);
    configure(&mut config, &opts);
    // The node runs as the binary runs it; the clients get a runtime of their own.
    let node_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(8)
        .thread_name("node")
        .enable_all()
        .build()?;
    let node = node_runtime.block_on(launch(config))?;
    let client_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("client")
        .enable_all()
        .build()?;
    let outcome = client_runtime.block_on(run(&node, &opts));
    node_runtime.block_on(node.stop());
    outcome
}

/// The node's EVM limits from the command line (the node's defaults otherwise).
fn configure(config: &mut NodeConfig, opts: &Options) {
    if let Some(timeout) = opts.evm_timeout {
        config.rpc_evm_timeout = timeout;
    }
    if let Some(concurrency) = opts.evm_concurrency {
        config.rpc_evm_concurrency = concurrency;
    }
    if let Some(queue) = opts.evm_queue {
        config.rpc_evm_queue = queue;
    }
}

async fn run(node: &NodeHandle, opts: &Options) -> AnyResult<()> {
    let url = node.http_url();
    let senders: Vec<String> = node
        .dev_accounts
        .iter()
        .skip(1)
        .take(opts.senders)
        .map(|key| format!("{:#x}", key.address()))
        .collect();
    println!(
        "dev node at {url}; {} senders, {} flooders ({}), {} s a phase; EVM limits: {}",
        senders.len(),
        opts.flooders,
        opts.method,
        opts.seconds,
        limits_text(opts),
    );
    let phase = Duration::from_secs(opts.seconds);

    let sending = Arc::new(AtomicBool::new(true));
    let send_errors = Arc::new(SendErrors::default());
    let mut tasks = Vec::new();
    for from in senders {
        tasks.push(tokio::spawn(send_loop(
            url.clone(),
            from,
            sending.clone(),
            send_errors.clone(),
        )));
    }
    tokio::time::sleep(Duration::from_secs(2)).await; // warm-up
    let unloaded = mined_per_second(node, phase).await?;
    println!("unloaded: {unloaded:8.1} mined transfers/s");

    let flooding = Arc::new(AtomicBool::new(true));
    let stats = Arc::new(FloodStats::default());
    let mut flood = Vec::new();
    for index in 0..opts.flooders {
        flood.push(tokio::spawn(flood_loop(
            url.clone(),
            flood_body(&opts.method, index),
            flooding.clone(),
            stats.clone(),
        )));
    }
    tokio::time::sleep(Duration::from_secs(1)).await; // let the flood fill the queue
    let loaded = mined_per_second(node, phase).await?;
    flooding.store(false, Ordering::Relaxed);
    println!("flooded:  {loaded:8.1} mined transfers/s");
    println!(
        "ratio:    {:8.2} (flooded / unloaded)",
        if unloaded > 0.0 {
            loaded / unloaded
        } else {
            0.0
        }
    );
    for task in flood {
        task.await?;
    }
    stats.print();
    sending.store(false, Ordering::Relaxed);
    for task in tasks {
        task.await??;
    }
    send_errors.print();
    Ok(())
}

/// Refused transfers by message (numbers left out).
#[derive(Debug, Default)]
struct SendErrors(Mutex<BTreeMap<String, u64>>);

impl SendErrors {
    fn record(&self, answer: &AnyResult<Value>) {
        let text = match answer {
            Ok(value) => value["error"]["message"].as_str().unwrap_or("?").to_owned(),
            Err(err) => err.to_string(),
        };
        let kind: String = text.split(':').next().unwrap_or_default().into();
        if let Ok(mut counts) = self.0.lock() {
            *counts.entry(kind).or_default() += 1;
        }
    }

    fn print(&self) {
        let Ok(counts) = self.0.lock() else { return };
        let total: u64 = counts.values().sum();
        println!("transfer requests refused: {total} {counts:?}");
    }
}

fn limits_text(opts: &Options) -> String {
    let or_default = |value: Option<String>| value.unwrap_or_else(|| "default".into());
    format!(
        "timeout {}, concurrency {}, queue {}",
        or_default(
            opts.evm_timeout
                .map(|t| humantime::format_duration(t).to_string())
        ),
        or_default(opts.evm_concurrency.map(|c| c.to_string())),
        or_default(opts.evm_queue.map(|q| q.to_string())),
    )
}

/// Transactions in the blocks committed during `phase`, per second.
async fn mined_per_second(node: &NodeHandle, phase: Duration) -> AnyResult<f64> {
    let first = node.chain.head().header.number;
    let started = Instant::now();
    tokio::time::sleep(phase).await;
    let head = node.chain.head();
    let elapsed = started.elapsed().as_secs_f64();
    let mut mined = 0usize;
    for number in first + 1..=head.header.number {
        mined += head.reader.transactions(number)?.len();
    }
    Ok(mined as f64 / elapsed)
}

/// One client sending transfers from `from`, one at a time, until told to stop.
async fn send_loop(
    url: String,
    from: String,
    running: Arc<AtomicBool>,
    errors: Arc<SendErrors>,
) -> AnyResult<()> {
    let http = reqwest::Client::new();
    let body = json!({
        "jsonrpc": "2.0", "id": 1, "method": "eth_sendTransaction",
        "params": [{"from": from, "to": SINK, "value": "0x1"}],
    });
    while running.load(Ordering::Relaxed) {
        let answer = post(&http, &url, &body).await;
        if !matches!(&answer, Ok(v) if v.get("result").is_some()) {
            errors.record(&answer);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    Ok(())
}

/// The request a flooder repeats.
fn flood_body(method: &str, index: usize) -> Value {
    let call = json!({"data": LOOP_CODE});
    let pick = match method {
        "mixed" => ["call", "estimate", "trace"][index % 3],
        other => other,
    };
    let (name, params) = match pick {
        "estimate" => ("eth_estimateGas", json!([call])),
        // callTracer: the default struct logger would hold every step of the loop.
        "trace" => (
            "debug_traceCall",
            json!([call, "latest", {"tracer": "callTracer"}]),
        ),
        _ => ("eth_call", json!([call, "latest"])),
    };
    json!({"jsonrpc": "2.0", "id": 1, "method": name, "params": params})
}

/// What the flood calls got back.
#[derive(Debug, Default)]
struct FloodStats {
    calls: AtomicU64,
    timeouts: AtomicU64,
    busy: AtomicU64,
    other: AtomicU64,
    transport: AtomicU64,
    slowest_ms: AtomicU64,
    total_ms: AtomicU64,
}

impl FloodStats {
    fn record(&self, answer: &AnyResult<Value>, took: Duration) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let ms = u64::try_from(took.as_millis()).unwrap_or(u64::MAX);
        self.total_ms.fetch_add(ms, Ordering::Relaxed);
        self.slowest_ms.fetch_max(ms, Ordering::Relaxed);
        let message = match answer {
            Err(_) => {
                self.transport.fetch_add(1, Ordering::Relaxed);
                return;
            }
            Ok(value) => value["error"]["message"].as_str().unwrap_or_default(),
        };
        let counter = if message.starts_with("execution aborted (timeout") {
            &self.timeouts
        } else if message.contains("busy") {
            &self.busy
        } else {
            &self.other
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn print(&self) {
        let calls = self.calls.load(Ordering::Relaxed);
        println!(
            "flood calls: {calls} answered ({} timed out, {} refused as busy, {} other answers, \
             {} transport errors); mean {} ms, slowest {} ms",
            self.timeouts.load(Ordering::Relaxed),
            self.busy.load(Ordering::Relaxed),
            self.other.load(Ordering::Relaxed),
            self.transport.load(Ordering::Relaxed),
            self.total_ms.load(Ordering::Relaxed) / calls.max(1),
            self.slowest_ms.load(Ordering::Relaxed),
        );
    }
}

/// One client repeating `body` until told to stop.
async fn flood_loop(url: String, body: Value, running: Arc<AtomicBool>, stats: Arc<FloodStats>) {
    let http = reqwest::Client::new();
    while running.load(Ordering::Relaxed) {
        let started = Instant::now();
        let answer = post(&http, &url, &body).await;
        stats.record(&answer, started.elapsed());
    }
}

async fn post(http: &reqwest::Client, url: &str, body: &Value) -> AnyResult<Value> {
    Ok(http.post(url).json(body).send().await?.json().await?)
}
