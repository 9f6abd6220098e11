#![no_main]
//! The go.mod reader on arbitrary text: never panics; every package lies inside the text.

use ci_guard::workspace::{FileKind, Manifest};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ci_guard_fuzz_check(FileKind::Manifest(Manifest::GoMod), data);
});

include!("check.rs");
