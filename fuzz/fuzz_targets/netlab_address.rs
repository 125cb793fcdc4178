#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzzing::text_cases::netlab_address(data));
