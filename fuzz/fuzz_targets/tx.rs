//! libFuzzer entry for the `tx` target: see `cloister_fuzzing::tx`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cloister_fuzzing::tx::run(data));
