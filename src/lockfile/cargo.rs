//! `Cargo.lock`, versions 1 to 4.
//!
//! Packages without `source` are the workspace's own crates (members and path dependencies):
//! they are not listed, and what they depend on is direct. Cargo.lock does not tell dev from
//! normal dependencies, so the scope is unknown.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use toml::Spanned;

use super::{Cx, Ecosystem, Hash, LockfileError, Package, Scope, purl};

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<Spanned<Pkg>>,
    /// Version 1 kept checksums here: `"checksum NAME VERSION (SOURCE)" = "HEX"`.
    #[serde(default)]
    metadata: BTreeMap<String, toml::Value>,
}

#[derive(Deserialize)]
struct Pkg {
    name: String,
    version: String,
    source: Option<String>,
    checksum: Option<String>,
    #[serde(default)]
    dependencies: Vec<String>,
}

pub(super) fn read(cx: &Cx) -> Result<Vec<Package>, LockfileError> {
    let lock: Lock = toml::from_str(cx.text).map_err(|e| cx.toml_error(&e))?;
    let pkgs: Vec<&Pkg> = lock.package.iter().map(|p| p.get_ref()).collect();
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, p) in pkgs.iter().enumerate() {
        by_name.entry(p.name.as_str()).or_default().push(i);
    }
    // `name`, `name version` or `name version (source)`.
    let resolve = |dep: &str| -> Option<usize> {
        let mut parts = dep.splitn(3, ' ');
        let name = parts.next()?;
        let version = parts.next();
        let source = parts
            .next()
            .map(|s| s.trim_start_matches('(').trim_end_matches(')'));
        let candidates = by_name.get(name)?;
        candidates.iter().copied().find(|&i| {
            version.is_none_or(|v| pkgs[i].version == v)
                && source.is_none_or(|s| pkgs[i].source.as_deref() == Some(s))
        })
    };
    let purls: Vec<String> = pkgs.iter().map(|p| cargo_purl(p)).collect();
    let mut direct = vec![false; pkgs.len()];
    for p in pkgs.iter().filter(|p| p.source.is_none()) {
        for d in &p.dependencies {
            if let Some(i) = resolve(d) {
                direct[i] = pkgs[i].source.is_some();
            }
        }
    }
    let mut out = Vec::new();
    for (i, (spanned, p)) in lock.package.iter().zip(&pkgs).enumerate() {
        if p.source.is_none() {
            continue;
        }
        let checksum = p.checksum.clone().or_else(|| {
            let key = format!(
                "checksum {} {} ({})",
                p.name,
                p.version,
                p.source.as_deref().unwrap_or("")
            );
            lock.metadata
                .get(&key)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        });
        let hashes = checksum
            .filter(|c| c.len() == 64 && c.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(|c| Hash {
                algorithm: "SHA-256".into(),
                value: c.to_ascii_lowercase(),
                file: None,
            })
            .into_iter()
            .collect();
        let span = spanned.span();
        out.push(Package {
            name: p.name.clone(),
            version: Some(p.version.clone()),
            ecosystem: Ecosystem::Cargo,
            purl: purls[i].clone(),
            direct: Some(direct[i]),
            scope: Scope::Unknown,
            hashes,
            license: None,
            location: entry_location(cx, span.start, span.end),
            dependencies: p
                .dependencies
                .iter()
                .filter_map(|d| resolve(d))
                .filter(|&j| pkgs[j].source.is_some())
                .map(|j| purls[j].clone())
                .collect(),
            requirement: None,
        });
    }
    Ok(out)
}

/// The entry starts at its `[[package]]` header: the span toml gives starts at the first key,
/// so step back over blank lines to the header when it is right above.
pub(super) fn entry_location(cx: &Cx, start: usize, end: usize) -> crate::finding::Location {
    let before = &cx.text[..start.min(cx.text.len())];
    let trimmed = before.trim_end();
    let line_start = trimmed.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let header = &trimmed[line_start..];
    if header.starts_with("[[") && header.ends_with("]]") {
        cx.location(line_start, end)
    } else {
        cx.location(start, end)
    }
}

fn cargo_purl(p: &Pkg) -> String {
    let mut qualifiers = Vec::new();
    let vcs;
    let repo;
    match p.source.as_deref() {
        Some(s) if s.starts_with("git+") => {
            // `git+URL?rev#COMMIT`: the purl's vcs_url is `git+URL@COMMIT`.
            let (url, commit) = s.split_once('#').unwrap_or((s, ""));
            let url = url.split('?').next().unwrap_or(url);
            vcs = if commit.is_empty() {
                url.to_string()
            } else {
                format!("{url}@{commit}")
            };
            qualifiers.push(("vcs_url", vcs.as_str()));
        }
        Some(s)
            if s != "registry+https://github.com/rust-lang/crates.io-index"
                && s != "sparse+https://index.crates.io/" =>
        {
            repo = s
                .trim_start_matches("registry+")
                .trim_start_matches("sparse+")
                .to_string();
            qualifiers.push(("repository_url", repo.as_str()));
        }
        _ => {}
    }
    purl::purl_with(Ecosystem::Cargo, &p.name, Some(&p.version), &qualifiers)
}
