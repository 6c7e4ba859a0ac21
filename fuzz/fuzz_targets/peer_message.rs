//! libFuzzer entry for the `peer_message` target: see `cloister_fuzzing::peer_message`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cloister_fuzzing::peer_message::run(data));
