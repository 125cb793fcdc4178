#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzzing::tftp_cases::server_request(data));
