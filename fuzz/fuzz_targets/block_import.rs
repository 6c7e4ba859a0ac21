//! libFuzzer entry for the `block_import` target: see `cloister_fuzzing::block_import`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cloister_fuzzing::block_import::run(data));
