//! Fuzz targets for every decoder of outside input. Each module drives one real entry point
//! with `run(data)` and checks what must hold for any input: no panic, typed errors, and
//! decode → encode → decode round trips where the format has one canonical encoding.
//!
//! The same `run` functions serve the libFuzzer targets in `fuzz/` (nightly, by hand) and the
//! stable smoke test in `tests/it` (every committed corpus file plus seeded mutations).

pub mod block_import;
pub mod chainspec;
pub mod dcap_quote;
pub mod json_gen;
pub mod peer_message;
pub mod policy;
pub mod ra_tls;
pub mod rpc;
pub mod samples;
pub mod setup;
pub mod signin;
pub mod siwe;
pub mod storage;
pub mod tx;

/// One fuzz target: its name (the corpus directory and the cargo-fuzz target) and entry point.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// Name of the target, `fuzz/corpus/<name>/`.
    pub name: &'static str,
    /// Runs one input.
    pub run: fn(&[u8]),
}

/// Every target.
pub const TARGETS: &[Target] = &[
    Target {
        name: "tx",
        run: tx::run,
    },
    Target {
        name: "block_import",
        run: block_import::run,
    },
    Target {
        name: "rpc",
        run: rpc::run,
    },
    Target {
        name: "chainspec",
        run: chainspec::run,
    },
    Target {
        name: "policy",
        run: policy::run,
    },
    Target {
        name: "siwe",
        run: siwe::run,
    },
    Target {
        name: "signin",
        run: signin::run,
    },
    Target {
        name: "ra_tls",
        run: ra_tls::run,
    },
    Target {
        name: "dcap_quote",
        run: dcap_quote::run,
    },
    Target {
        name: "storage",
        run: storage::run,
    },
    Target {
        name: "peer_message",
        run: peer_message::run,
    },
];
