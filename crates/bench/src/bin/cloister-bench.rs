//! Stand-alone entry point of the bench: `cloister-bench --rpc-url http://127.0.0.1:8545 ...`.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use cloister_bench::{BenchArgs, main_with_args};
use tracing_subscriber::EnvFilter;

#[derive(Debug, Parser)]
#[command(
    name = "cloister-bench",
    version,
    about = "Measure an Ethereum node's committed throughput"
)]
struct Cli {
    #[command(flatten)]
    args: BenchArgs,
}

#[tokio::main]
async fn main() -> ExitCode {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();
    match main_with_args(Cli::parse().args).await {
        Ok(_) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("cloister-bench: {error}");
            ExitCode::FAILURE
        }
    }
}
