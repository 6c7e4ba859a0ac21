//! libFuzzer entry for the `storage` target: see `cloister_fuzzing::storage`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cloister_fuzzing::storage::run(data));
