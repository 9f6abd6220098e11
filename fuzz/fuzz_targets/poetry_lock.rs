#![no_main]
//! The poetry_lock reader on arbitrary text: never panics; every package lies inside the text.

use ci_guard::workspace::{FileKind, Lockfile};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ci_guard_fuzz_check(FileKind::Lockfile(Lockfile::PoetryLock), data);
});

include!("check.rs");
