#![no_main]
//! Scanner output parsers on arbitrary bytes: the first byte picks the tool (an index into
//! `scanners::parse::TOOLS`), the rest is its output. Never panics; whatever parses keeps the
//! parsers' promises, and normalisation of it leaves every location 1-based.

use std::path::Path;

use ci_guard::scanners::model::Origin;
use ci_guard::scanners::normalise::normalise;
use ci_guard::scanners::parse::{TOOLS, parse, parse_sarif_runs};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, output)) = data.split_first() else {
        return;
    };
    let tool = TOOLS[usize::from(pick) % TOOLS.len()];
    if let Ok(parsed) = parse(tool, output) {
        for f in &parsed.findings {
            assert!(f.rule_id.contains('/'), "{} not namespaced", f.rule_id);
            assert!(parsed.rules.iter().any(|r| r.id == f.rule_id));
            if let Some(c) = f.cvss {
                assert!((0.0..=10.0).contains(&c));
            }
            if let Some(l) = &f.location {
                assert!(l.start <= l.end || l.start.line == 0, "{l:?}");
            }
        }
        let mut runs = vec![parsed.into_run(tool, Origin::Native)];
        let _ = normalise(&mut runs, Path::new("/nonexistent-fuzz-root"), &[]);
        for f in &runs[0].findings {
            if let Some(l) = &f.location {
                assert!(l.start.line >= 1 && l.start.column >= 1, "{l:?}");
            }
        }
    }
    let _ = parse_sarif_runs(output);
});
