// Shared by every target (included, not a target itself).
fn ci_guard_fuzz_check(kind: ci_guard::workspace::FileKind, data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let siblings = ci_guard::lockfile::Siblings::none();
    // Lines as the YAML parser counts them too (a lone `\r` is a line break there).
    let lines = text.replace("\r\n", "\n").replace('\r', "\n").split('\n').count() as u32;
    match ci_guard::lockfile::read_text(kind, "fuzz.lock", &text, &siblings) {
        Ok(packages) => {
            for p in &packages {
                assert!(p.location.start.line >= 1 && p.location.start.line <= lines);
                assert!(p.location.start <= p.location.end);
                assert!(p.purl.starts_with("pkg:"));
            }
            // The writers accept whatever the readers return.
            let inv = ci_guard::sbom::Inventory {
                root_name: "fuzz".into(),
                components: ci_guard::sbom::merge(packages),
                lockfiles: vec!["fuzz.lock".into()],
                errors: Vec::new(),
            };
            let stamp = ci_guard::sbom::Stamp::at(0);
            let _ = ci_guard::sbom::cyclonedx::render(&inv, &stamp);
            let _ = ci_guard::sbom::spdx::render(&inv, &stamp);
        }
        Err(e) => {
            assert!(e.line <= lines + 1, "{e}");
        }
    }
}
