//! Every JSON-RPC method a node serves (`eth_`, `net_`, `web3_`, `txpool_`, dev signing and
//! `personal_`, calls and simulation, filters and subscriptions, `debug_`, `engine_` and
//! `testing_`), called in-process through `RpcModule::raw_json_request` on a dev chain holding
//! one block of sample transactions.
//!
//! Input: one mode byte. Odd: the rest is a raw request text. Even: the rest builds a valid
//! envelope for one registered method with hostile params ([`crate::json_gen`]). Every answer
//! must be a JSON-RPC response; an answer that reports a panicked task is a crash.

use crate::{
    block_import::DevChain,
    json_gen,
    samples::sample_txs,
    setup::{fail, runtime, violated},
};
use arbitrary::Unstructured;
use cloister_chainspec::dev_accounts;
use cloister_primitives::{Encodable2718, Transaction};
use cloister_rpc::{RpcContext, core_module};
use cloister_txpool::{PoolConfig, TxPool};
use jsonrpsee::RpcModule;
use serde_json::{Value, json};
use std::{cell::RefCell, sync::Arc, time::Duration};

/// Calls before the fixture is rebuilt: methods that send transactions or build blocks make the
/// state grow, and a long run must not.
const CALLS_PER_FIXTURE: u32 = 2_000;
/// Gas cap of calls: enough for the sample contract, small enough to keep each input fast.
const GAS_CAP: u64 = 2_000_000;
/// Largest answer kept (jsonrpsee's own bound on one response).
const MAX_RESPONSE: usize = 10 * 1024 * 1024;

struct Fixture {
    module: RpcModule<()>,
    methods: Vec<&'static str>,
    /// Hashes and addresses of the fixture's block and transactions.
    known: Vec<String>,
    calls: u32,
    _chain: Arc<DevChain>,
}

thread_local! {
    static FIXTURE: RefCell<Option<Fixture>> = const { RefCell::new(None) };
}

/// Every registered method name (the smoke test checks each is reached).
pub fn method_names() -> Vec<&'static str> {
    with_fixture(|fixture| fixture.methods.clone())
}

/// Answers one request.
pub fn run(data: &[u8]) {
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    with_fixture(|fixture| {
        fixture.calls += 1;
        let request = if mode % 2 == 1 {
            match std::str::from_utf8(rest) {
                Ok(text) => text.to_owned(),
                Err(_) => return,
            }
        } else {
            match envelope(fixture, rest) {
                Ok(request) => request,
                Err(_) => return,
            }
        };
        call(&fixture.module, &request);
    });
}

fn with_fixture<T>(f: impl FnOnce(&mut Fixture) -> T) -> T {
    FIXTURE.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.as_ref().is_none_or(|f| f.calls >= CALLS_PER_FIXTURE) {
            *slot = None; // drop the old chain first
            *slot = Some(Fixture::new());
        }
        match slot.as_mut() {
            Some(fixture) => f(fixture),
            None => fail("the RPC fixture", "missing"),
        }
    })
}

/// A request for one registered method; the params come from the fuzz bytes.
fn envelope(fixture: &Fixture, data: &[u8]) -> arbitrary::Result<String> {
    let mut u = Unstructured::new(data);
    let method = *u.choose(&fixture.methods)?;
    let params = match u.int_in_range(0..=9)? {
        0 => None,
        1 => Some(json_gen::value(&mut u, &fixture.known, 0)?),
        _ => {
            let count = u.int_in_range(0..=4)?;
            let mut items = Vec::with_capacity(count);
            for _ in 0..count {
                items.push(json_gen::value(&mut u, &fixture.known, 1)?);
            }
            Some(Value::Array(items))
        }
    };
    let id = if u.arbitrary()? {
        json!(u.arbitrary::<u32>()?)
    } else {
        json!(u.arbitrary::<String>()?)
    };
    let mut request = json!({ "jsonrpc": "2.0", "id": id, "method": method });
    if let Some(params) = params {
        request["params"] = params;
    }
    Ok(request.to_string())
}

fn call(module: &RpcModule<()>, request: &str) {
    let answer = runtime().block_on(async {
        let answer = module.raw_json_request(request, 1).await;
        // Let spawned work (EVM calls past their caller's deadline) finish within this input.
        tokio::task::yield_now().await;
        answer
    });
    let Ok((response, _subscription)) = answer else {
        return; // not JSON at all: the server answers a parse error before any method runs
    };
    let response = response.to_string();
    if response.len() > MAX_RESPONSE {
        violated(format!("a {}-byte answer", response.len()));
    }
    if response.contains("panicked") {
        violated(format!("a method panicked: {request} → {response}"));
    }
    match serde_json::from_str::<Value>(&response) {
        Ok(Value::Object(object))
            if object.contains_key("result") || object.contains_key("error") => {}
        _ => violated(format!("not a JSON-RPC response: {response}")),
    }
}

impl Fixture {
    fn new() -> Self {
        let dev = Arc::new(DevChain::new());
        // One block with every sample transaction, so that blocks, receipts, logs, code and
        // storage exist to be asked about.
        let mut source = crate::block_import::VecSource(sample_txs().into());
        let block = dev
            .chain
            .build_block(&mut source, 12, 64)
            .unwrap_or_else(|err| fail("the RPC fixture's block", err));
        let mut known = vec![format!("{:#x}", block.hash), "0x1".to_owned()];
        for tx in &block.transactions {
            known.push(format!("{:#x}", tx.tx_hash()));
            known.push(format!("0x{}", hex::encode(tx.inner().encoded_2718())));
            if let Some(to) = tx.to() {
                known.push(format!("{to:#x}"));
            }
        }
        let committed = dev
            .chain
            .commit_block(block)
            .unwrap_or_else(|err| fail("the RPC fixture's block", err));
        for receipt in &committed.receipts {
            for log in receipt.receipt.logs() {
                known.push(format!("{:#x}", log.address));
            }
        }
        let (module, methods) = build_module(&dev);
        Self {
            module,
            methods,
            known,
            calls: 0,
            _chain: dev,
        }
    }
}

fn build_module(dev: &Arc<DevChain>) -> (RpcModule<()>, Vec<&'static str>) {
    let chain = dev.chain.clone();
    let pool = Arc::new(TxPool::new(PoolConfig {
        chain_id: chain.spec().chain_id(),
        ..PoolConfig::default()
    }));
    let signers = dev_accounts()
        .unwrap_or_else(|err| fail("the dev accounts", err))
        .into_iter()
        .take(2)
        .filter_map(|(_, key)| alloy_signer_local::PrivateKeySigner::from_bytes(&key).ok())
        .collect();
    let mut ctx = RpcContext::new(chain, pool, signers, GAS_CAP);
    ctx.set_evm_limits(Duration::from_secs(2), 1, 4);
    let ctx = Arc::new(ctx);
    let built = (|| -> Result<RpcModule<()>, String> {
        let mut module = core_module(ctx.clone()).map_err(|e| e.to_string())?;
        let text = |e: jsonrpsee::core::RegisterMethodError| e.to_string();
        module
            .merge(cloister_rpc_call::module(ctx.clone()).map_err(text)?)
            .map_err(text)?;
        module
            .merge(cloister_rpc_filter::module(ctx.clone()).map_err(text)?)
            .map_err(text)?;
        module
            .merge(cloister_rpc_debug::module(ctx.clone()).map_err(text)?)
            .map_err(text)?;
        module
            .merge(cloister_rpc_engine::public_module(ctx.clone()).map_err(text)?)
            .map_err(text)?;
        module
            .merge(cloister_rpc_engine::engine_module(ctx.clone()).map_err(text)?)
            .map_err(text)?;
        Ok(module)
    })();
    let module = built.unwrap_or_else(|err| fail("the RPC module", err));
    let mut methods: Vec<&'static str> = module.method_names().collect();
    methods.sort_unstable();
    (module, methods)
}
