//! `uv.lock`: `[[package]]` entries with `source`, `sdist`/`wheels` hashes, `dependencies`,
//! `dev-dependencies` and `optional-dependencies`. The project's own packages (source
//! `editable`, `virtual` or a local `directory`) are not listed; what they depend on is direct,
//! and their `dev-dependencies` (dependency groups) give the development scope.

use std::collections::HashMap;

use serde::Deserialize;
use toml::Spanned;

use super::{
    Cx, Ecosystem, LockfileError, Package, Scope, cargo::entry_location, pep503, prefixed_hash,
    purl, scopes_by_reachability,
};

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<Spanned<Pkg>>,
}

#[derive(Deserialize)]
struct Pkg {
    name: String,
    version: Option<String>,
    #[serde(default)]
    source: toml::Table,
    #[serde(default)]
    dependencies: Vec<Dep>,
    #[serde(default, rename = "optional-dependencies")]
    optional: HashMap<String, Vec<Dep>>,
    #[serde(default, rename = "dev-dependencies")]
    dev: HashMap<String, Vec<Dep>>,
    sdist: Option<Artifact>,
    #[serde(default)]
    wheels: Vec<Artifact>,
}

#[derive(Deserialize)]
struct Dep {
    name: String,
    version: Option<String>,
}

#[derive(Deserialize)]
struct Artifact {
    url: Option<String>,
    path: Option<String>,
    hash: Option<String>,
}

fn is_local(p: &Pkg) -> bool {
    ["editable", "virtual", "directory"]
        .iter()
        .any(|k| p.source.contains_key(*k))
}

pub(super) fn read(cx: &Cx) -> Result<Vec<Package>, LockfileError> {
    let lock: Lock = toml::from_str(cx.text).map_err(|e| cx.toml_error(&e))?;
    let pkgs: Vec<&Pkg> = lock.package.iter().map(|p| p.get_ref()).collect();
    let id =
        |name: &str, version: Option<&str>| format!("{}@{}", pep503(name), version.unwrap_or(""));
    let mut versions: HashMap<String, Vec<String>> = HashMap::new();
    for p in &pkgs {
        versions
            .entry(pep503(&p.name))
            .or_default()
            .push(p.version.clone().unwrap_or_default());
    }
    // A dependency names a version only when the lockfile holds several of the package.
    let resolve = |d: &Dep| -> Vec<String> {
        match &d.version {
            Some(v) => vec![id(&d.name, Some(v))],
            None => versions
                .get(&pep503(&d.name))
                .map(|vs| vs.iter().map(|v| id(&d.name, Some(v))).collect())
                .unwrap_or_default(),
        }
    };
    let mut edges: HashMap<String, Vec<String>> = HashMap::new();
    let mut prod_roots = Vec::new();
    let mut dev_roots = Vec::new();
    for p in &pkgs {
        let mut deps: Vec<String> = p.dependencies.iter().flat_map(&resolve).collect();
        deps.extend(p.optional.values().flatten().flat_map(&resolve));
        if is_local(p) {
            prod_roots.extend(deps.iter().cloned());
            dev_roots.extend(p.dev.values().flatten().flat_map(&resolve));
        }
        edges.insert(id(&p.name, p.version.as_deref()), deps);
    }
    let scopes = scopes_by_reachability(&edges, &prod_roots, &dev_roots);
    let purl_of = |pid: &str| -> Option<String> {
        let (name, version) = pid.rsplit_once('@')?;
        Some(purl::purl(Ecosystem::Pypi, name, Some(version)))
    };
    let mut out = Vec::new();
    for (spanned, p) in lock.package.iter().zip(&pkgs) {
        if is_local(p) {
            continue;
        }
        let pid = id(&p.name, p.version.as_deref());
        let hashes = p
            .sdist
            .iter()
            .chain(&p.wheels)
            .filter_map(|a| {
                let file = a.url.clone().or_else(|| a.path.clone());
                let file = file.map(|f| f.rsplit('/').next().unwrap_or(&f).to_string());
                prefixed_hash(a.hash.as_deref()?, file)
            })
            .collect();
        let span = spanned.span();
        out.push(Package {
            purl: purl::purl(Ecosystem::Pypi, &p.name, p.version.as_deref()),
            name: p.name.clone(),
            version: p.version.clone(),
            ecosystem: Ecosystem::Pypi,
            direct: Some(prod_roots.contains(&pid) || dev_roots.contains(&pid)),
            scope: scopes.get(&pid).copied().unwrap_or(Scope::Unknown),
            hashes,
            license: None,
            location: entry_location(cx, span.start, span.end),
            dependencies: edges
                .get(&pid)
                .into_iter()
                .flatten()
                .filter_map(|d| purl_of(d))
                .collect(),
            requirement: None,
        });
    }
    Ok(out)
}
