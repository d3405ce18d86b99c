#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| crosscart_fuzz::gazetteer(data));
