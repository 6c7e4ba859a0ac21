//! libFuzzer entry for the `chainspec` target: see `cloister_fuzzing::chainspec`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cloister_fuzzing::chainspec::run(data));
