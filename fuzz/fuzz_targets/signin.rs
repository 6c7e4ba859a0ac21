//! libFuzzer entry for the `signin` target: see `cloister_fuzzing::signin`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cloister_fuzzing::signin::run(data));
