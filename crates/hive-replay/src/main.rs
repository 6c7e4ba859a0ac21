//! `cloister-hive-replay`: replays the execution-apis fixtures as hive's rpc-compat simulator
//! does, prints a per-method table and `N passed, M failed`, and exits non-zero when a test
//! that is not in the expected-failures list fails.

use clap::Parser;
use cloister_hive_replay::{ReplayOptions, ReplayPaths, run};
use std::{path::PathBuf, process::ExitCode};

#[derive(Debug, Parser)]
#[command(about = "Replay hive's rpc-compat fixtures against Cloister")]
struct Args {
    /// Only tests whose path starts with this (e.g. `eth_getBlockByNumber`).
    #[arg(long)]
    filter: Option<String>,
    /// Replay against an already running node instead of starting one.
    #[arg(long)]
    url: Option<String>,
    /// With --url: send headfcu.json to this engine URL first (hive's JWT secret).
    #[arg(long)]
    engine_url: Option<String>,
    /// The execution-apis fixture folder.
    #[arg(long)]
    fixtures: Option<PathBuf>,
    /// The assembled openrpc.json.
    #[arg(long)]
    openrpc: Option<PathBuf>,
    /// The expected-failures list.
    #[arg(long)]
    expected_failures: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let defaults = ReplayPaths::default();
    let options = ReplayOptions {
        paths: ReplayPaths {
            fixtures: args.fixtures.unwrap_or(defaults.fixtures),
            openrpc: args.openrpc.unwrap_or(defaults.openrpc),
            expected_failures: args.expected_failures.unwrap_or(defaults.expected_failures),
        },
        filter: args.filter,
        url: args.url,
        engine_url: args.engine_url,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(options)) {
        Ok(report) => {
            print!("{}", report.render());
            if report.is_success() {
                ExitCode::SUCCESS
            } else {
                eprintln!(
                    "{} unexpected failure(s)",
                    report.unexpected_failures().len()
                );
                ExitCode::FAILURE
            }
        }
        Err(err) => {
            eprintln!("replay could not run: {err}");
            ExitCode::FAILURE
        }
    }
}
