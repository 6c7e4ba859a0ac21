//! Throughput probe, ignored by default and never asserting time:
//! `cargo nextest run -p cloister-txpool --run-ignored only --no-capture bench`
//! (best in release: `--cargo-profile release`).

use super::*;
use std::time::Instant;

fn report(label: &str, count: usize, started: Instant) {
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{label}: {count} txs in {:.1} ms = {:.0} tx/s",
        seconds * 1e3,
        count as f64 / seconds
    );
}

fn run(label: &str, txs: Vec<RecoveredTx>, batch: usize) {
    let (pool, state) = (
        TxPool::new(PoolConfig {
            max_total: 400_000,
            ..config()
        }),
        MemoryState::default(),
    );
    let count = txs.len();
    let batches: Vec<Vec<RecoveredTx>> = txs.chunks(batch).map(<[_]>::to_vec).collect();
    let started = Instant::now();
    for batch in batches {
        let results = pool.add_transactions(batch, &state, &ctx());
        assert!(results.iter().all(Result::is_ok));
    }
    report(
        &format!("{label} add_transactions (batches of {batch})"),
        count,
        started,
    );
    assert_eq!(pool.pending_count(), count);

    let started = Instant::now();
    let yielded = pool.best_transactions(1).count();
    report(&format!("{label} best_transactions"), yielded, started);
    assert_eq!(yielded, count);
}

#[test]
#[ignore = "throughput probe; run explicitly"]
fn bench_many_senders_and_one_long_chain() {
    let senders: Vec<PrivateKeySigner> = (0..5_000).map(|_| PrivateKeySigner::random()).collect();
    let many: Vec<RecoveredTx> = (0..10)
        .flat_map(|nonce| {
            senders
                .iter()
                .enumerate()
                .map(move |(i, key)| eip1559(key, spec(nonce).fees(1_000, (i % 100) as u128 + 1)))
        })
        .collect();
    run("5,000 senders x 10", many, 2_000);

    let key = PrivateKeySigner::random();
    let chain: Vec<RecoveredTx> = (0..4_096).map(|nonce| eip1559(&key, spec(nonce))).collect();
    run("1 sender x 4,096", chain, 512);
}
