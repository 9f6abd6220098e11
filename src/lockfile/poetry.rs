//! `poetry.lock`: packages with their files' hashes, `groups` (lock 2.1) or `category`
//! (before 2.0) for the scope, and `[package.dependencies]` for the edges. Direct dependencies
//! come from the `pyproject.toml` beside it; when the lockfile records no group, the scope is
//! derived from that file too (reachable from a main dependency: production).

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use toml::Spanned;

use super::{
    Cx, Ecosystem, LockfileError, Package, Scope, cargo::entry_location, pep503, prefixed_hash,
    purl, pyproject_deps, scopes_by_reachability,
};

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<Spanned<Pkg>>,
}

#[derive(Deserialize)]
struct Pkg {
    name: String,
    version: String,
    category: Option<String>,
    groups: Option<Vec<String>>,
    #[serde(default)]
    files: Vec<File>,
    #[serde(default)]
    dependencies: BTreeMap<String, toml::Value>,
    source: Option<Source>,
}

#[derive(Deserialize)]
struct File {
    file: Option<String>,
    hash: Option<String>,
}

#[derive(Deserialize)]
struct Source {
    #[serde(rename = "type")]
    kind: Option<String>,
    url: Option<String>,
}

/// Where `p`'s file `file` is found: on the package's own index (`[package.source]` of type
/// `legacy`), else on PyPI; a file from a `url` source is that URL. The form cyclonedx-py
/// writes: the project's index page with the file name as the fragment.
fn file_url(p: &Pkg, file: &str) -> String {
    let source = p.source.as_ref();
    match (
        source.and_then(|s| s.kind.as_deref()),
        source.and_then(|s| s.url.as_deref()),
    ) {
        (Some("url"), Some(url)) => url.to_string(),
        (Some("legacy"), Some(index)) => super::index_file_url(index, &p.name, file),
        _ => super::index_file_url(super::PYPI_SIMPLE, &p.name, file),
    }
}

pub(super) fn read(cx: &Cx) -> Result<Vec<Package>, LockfileError> {
    let lock: Lock = toml::from_str(cx.text).map_err(|e| cx.toml_error(&e))?;
    let pkgs: Vec<(&Spanned<Pkg>, &Pkg)> = lock
        .package
        .iter()
        .map(|s| (s, s.get_ref()))
        .filter(|(_, p)| p.source.as_ref().and_then(|s| s.kind.as_deref()) != Some("directory"))
        .collect();
    let mut purls_by_name: HashMap<String, Vec<String>> = HashMap::new();
    for (_, p) in &pkgs {
        purls_by_name
            .entry(pep503(&p.name))
            .or_default()
            .push(purl::purl(Ecosystem::Pypi, &p.name, Some(&p.version)));
    }
    let declared = cx
        .siblings
        .read("pyproject.toml")
        .and_then(|t| pyproject_deps(&t));
    let edges: HashMap<String, Vec<String>> = pkgs
        .iter()
        .map(|(_, p)| {
            (
                pep503(&p.name),
                p.dependencies.keys().map(|d| pep503(d)).collect(),
            )
        })
        .collect();
    let derived = declared.as_ref().map(|(prod, dev)| {
        let prod: Vec<String> = prod.iter().cloned().collect();
        let dev: Vec<String> = dev.iter().cloned().collect();
        scopes_by_reachability(&edges, &prod, &dev)
    });
    let mut out = Vec::new();
    for (spanned, p) in pkgs {
        let key = pep503(&p.name);
        let scope = match (&p.groups, &p.category) {
            (Some(g), _) if g.iter().any(|g| g == "main") => Scope::Production,
            (Some(g), _) if !g.is_empty() => Scope::Development,
            (_, Some(c)) if c == "main" => Scope::Production,
            (_, Some(c)) if c == "dev" => Scope::Development,
            _ => derived
                .as_ref()
                .and_then(|d| d.get(&key).copied())
                .unwrap_or(Scope::Unknown),
        };
        let direct = declared
            .as_ref()
            .map(|(prod, dev)| prod.contains(&key) || dev.contains(&key));
        let span = spanned.span();
        out.push(Package {
            purl: purl::purl(Ecosystem::Pypi, &p.name, Some(&p.version)),
            name: p.name.clone(),
            version: Some(p.version.clone()),
            ecosystem: Ecosystem::Pypi,
            direct,
            scope,
            hashes: p
                .files
                .iter()
                .filter_map(|f| {
                    let file = f.file.as_deref().map(|name| file_url(p, name));
                    prefixed_hash(f.hash.as_deref()?, file)
                })
                .collect(),
            license: None,
            location: entry_location(cx, span.start, span.end),
            dependencies: p
                .dependencies
                .keys()
                .filter_map(|d| purls_by_name.get(&pep503(d)))
                .flatten()
                .cloned()
                .collect(),
            requirement: None,
        });
    }
    Ok(out)
}
