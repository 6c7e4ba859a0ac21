//! libFuzzer entry for the `dcap_quote` target: see `cloister_fuzzing::dcap_quote`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cloister_fuzzing::dcap_quote::run(data));
