//! `.github/ci-guard.yml` validation over arbitrary text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let known = ci_guard::audit::known_names();
        if let Ok(config) = ci_guard::config::Config::parse(text, ".github/ci-guard.yml", &known) {
            // Exercise the compiled policy too: globs and rule switches.
            let _ = config.is_ignored_path(".github/workflows/ci.yml");
            for id in &known.rules {
                let _ = config.rule_enabled(id);
                let _ = config.severity_override(id);
            }
        }
    }
});
