//! libFuzzer entry for the `ra_tls` target: see `cloister_fuzzing::ra_tls`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cloister_fuzzing::ra_tls::run(data));
