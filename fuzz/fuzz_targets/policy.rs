//! libFuzzer entry for the `policy` target: see `cloister_fuzzing::policy`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cloister_fuzzing::policy::run(data));
