//! Every lockfile of the real corpus (`CI_GUARD_CORPUS`): each reader runs without error, finds
//! packages, and each package's location is the line of its entry; and one lockfile in detail
//! (a copy in `tests/data/corpus`).

mod support;

use std::path::Path;

use ci_guard::lockfile::{self, Ecosystem, Package, Scope};
use ci_guard::workspace::{FileKind, Lockfile, Manifest, Workspace};

/// The entry's own text: the line it starts on (and, for TOML `[[package]]` headers, the next).
fn entry_text(lines: &[&str], p: &Package) -> String {
    let i = p.location.start.line as usize - 1;
    let mut t = lines[i].to_string();
    if t.trim() == "[[package]]" {
        t.push_str(lines[i + 1]);
    }
    t
}

#[test]
#[ignore = "full-corpus sweep: CI_GUARD_CORPUS=<corpus folder> cargo test -- --ignored"]
fn corpus_lockfiles_read_with_exact_entry_lines() {
    let corpus = support::full_corpus();
    let ws = Workspace::discover(std::slice::from_ref(&corpus)).expect("discover");
    let mut by_kind: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    let mut errors = Vec::new();
    for repo in &ws.repositories {
        for f in &repo.files {
            if !lockfile::is_readable(f.kind) {
                continue;
            }
            let packages = match lockfile::read(f) {
                Ok(p) => p,
                Err(e) => {
                    errors.push(e.to_string());
                    continue;
                }
            };
            let text = std::fs::read_to_string(&f.abs).expect("text");
            let lines: Vec<&str> = text.lines().collect();
            let entry = by_kind.entry(format!("{:?}", f.kind)).or_default();
            entry.0 += 1;
            entry.1 += packages.len();
            for p in &packages {
                assert_eq!(p.location.path, f.display);
                let t = entry_text(&lines, p).to_lowercase();
                let name = p.name.to_lowercase();
                // npm keys are install paths; Python names may differ in `-`/`_`/`.`.
                let found = t.contains(&name)
                    || t.contains(&name.replace('-', "_"))
                    || t.contains(&name.replace('_', "-"))
                    || t.contains(&name.replace('-', "."))
                    || (p.ecosystem == Ecosystem::Golang)
                    // An npm alias (`node_modules/a` installing package `b`).
                    || (p.ecosystem == Ecosystem::Npm && t.trim_start().starts_with("\"node_modules/"));
                assert!(
                    found,
                    "{}: `{}` not on its line {:?}",
                    p.location, p.name, t
                );
                assert!(
                    p.purl
                        .starts_with(&format!("pkg:{}/", p.ecosystem.as_str()))
                );
            }
        }
    }
    eprintln!("{by_kind:#?}");
    // The corpus holds one truncated lockfile: its diagnostic names the line where it ends.
    assert_eq!(
        errors,
        vec![
            "github__safe-settings/package-lock.json:19592:1: invalid JSON: EOF while parsing an object"
                .to_string()
        ]
    );
    for kind in [
        FileKind::Lockfile(Lockfile::CargoLock),
        FileKind::Lockfile(Lockfile::PackageLock),
        FileKind::Lockfile(Lockfile::PoetryLock),
        FileKind::Lockfile(Lockfile::Requirements),
        FileKind::Manifest(Manifest::GoMod),
    ] {
        let (files, packages) = by_kind[&format!("{kind:?}")];
        assert!(
            files > 0 && packages > files,
            "{kind:?}: {files} files, {packages} packages"
        );
    }
}

fn read_one(rel: &str) -> Vec<Package> {
    let path = Path::new(support::DATA).join("corpus").join(rel);
    let ws = Workspace::discover(std::slice::from_ref(&path)).expect("discover");
    let f = ws.repositories[0]
        .files
        .iter()
        .find(|f| lockfile::is_readable(f.kind))
        .expect("a lockfile");
    lockfile::read(f).expect("reads")
}

fn find<'p>(ps: &'p [Package], purl: &str) -> &'p Package {
    ps.iter()
        .find(|p| p.purl == purl)
        .unwrap_or_else(|| panic!("{purl} missing"))
}

#[test]
fn ripgrep_cargo_lock() {
    let ps = read_one("BurntSushi__ripgrep/Cargo.lock");
    let aho = find(&ps, "pkg:cargo/aho-corasick@1.1.5");
    assert_eq!(aho.location.start.line, 5, "the [[package]] header");
    assert_eq!(aho.hashes[0].algorithm, "SHA-256");
    assert_eq!(
        aho.hashes[0].value,
        "c982642fa9e8606056828ee9a8505737230110bb1099153c79efe865c59d12ba"
    );
    assert_eq!(aho.dependencies, vec!["pkg:cargo/memchr@2.8.3".to_string()]);
    assert_eq!(aho.scope, Scope::Unknown);
    // ripgrep's own crates (no source) are not listed.
    assert!(ps.iter().all(|p| p.name != "ripgrep"));
}
