//! libFuzzer entry for the `rpc` target: see `cloister_fuzzing::rpc`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cloister_fuzzing::rpc::run(data));
