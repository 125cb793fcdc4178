#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzzing::tftp_cases::transfer_send(data));
