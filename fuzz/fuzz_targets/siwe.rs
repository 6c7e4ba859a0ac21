//! libFuzzer entry for the `siwe` target: see `cloister_fuzzing::siwe`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cloister_fuzzing::siwe::run(data));
