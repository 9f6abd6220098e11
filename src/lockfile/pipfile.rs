//! `Pipfile.lock`: `default` (production) and `develop` (development) packages with their
//! `==` pins and hashes. Direct dependencies come from the `Pipfile` beside it.

use std::collections::BTreeSet;

use super::json::{self, Node};
use super::{
    Cx, Ecosystem, LockfileError, PYPI_SIMPLE, Package, Scope, index_file_url, pep503,
    prefixed_hash, purl,
};

pub(super) fn read(cx: &Cx) -> Result<Vec<Package>, LockfileError> {
    let root = json::parse(cx.text).map_err(|e| cx.json_error(e))?;
    let declared: Option<BTreeSet<String>> = cx.siblings.read("Pipfile").and_then(|t| {
        let v: toml::Table = toml::from_str(&t).ok()?;
        Some(
            ["packages", "dev-packages"]
                .iter()
                .filter_map(|k| v.get(*k).and_then(|s| s.as_table()))
                .flat_map(|t| t.keys().map(|k| pep503(k)))
                .collect(),
        )
    });
    // The hashes name no file: each is one of the package's files on the (first) index.
    let index = root
        .get("_meta")
        .and_then(|m| m.get("sources"))
        .and_then(Node::items)
        .and_then(|s| s.first())
        .and_then(|s| s.str_of("url").map(str::to_string))
        .unwrap_or_else(|| PYPI_SIMPLE.to_string());
    let mut out = Vec::new();
    for (section, scope) in [
        ("default", Scope::Production),
        ("develop", Scope::Development),
    ] {
        let Some(node) = root.get(section) else {
            continue;
        };
        let Some(members) = node.members() else {
            return Err(cx.error_at(node.start, format!("`{section}` is not an object")));
        };
        for m in members {
            let version = m.value.str_of("version").map(|v| {
                v.trim_start_matches("===")
                    .trim_start_matches("==")
                    .to_string()
            });
            let hashes = m
                .value
                .get("hashes")
                .and_then(Node::items)
                .into_iter()
                .flatten()
                .filter_map(|h| {
                    let h = h.as_str()?;
                    let file = index_file_url(&index, &m.key, &h.replacen(':', "=", 1));
                    prefixed_hash(h, Some(file))
                })
                .collect();
            out.push(Package {
                purl: purl::purl(Ecosystem::Pypi, &m.key, version.as_deref()),
                name: m.key.clone(),
                requirement: if version.is_none() {
                    m.value.str_of("git").map(|g| format!("@ {g}"))
                } else {
                    None
                },
                version,
                ecosystem: Ecosystem::Pypi,
                direct: declared.as_ref().map(|d| d.contains(&pep503(&m.key))),
                scope,
                hashes,
                license: None,
                location: cx.location(m.key_start, m.key_end),
                dependencies: Vec::new(),
            });
        }
    }
    Ok(out)
}
