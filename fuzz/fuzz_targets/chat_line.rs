#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzzing::text_cases::chat_line(data));
