//! `pnpm-lock.yaml`, lockfile versions 5, 6 and 9, read with the span-exact YAML parser.
//!
//! Packages are the keys of `packages` (`/name/1.0.0` in v5, `/name@1.0.0` in v6,
//! `name@1.0.0` in v9; peer suffixes `(peer@1)` and `_peer@1` dropped). Edges are each
//! package's `dependencies` (in `snapshots` for v9); direct dependencies are the `importers`'
//! (or, for a single project before v9, the top-level) `dependencies`, `devDependencies` and
//! `optionalDependencies`. The scope is the lockfile's `dev:` flag where it records one (v5, v6),
//! else reachability from the importers' dependencies.

use std::collections::{BTreeSet, HashMap};

use super::{
    Cx, Ecosystem, LockfileError, Package, Scope, purl, scopes_by_reachability, sri_hashes,
};
use crate::yaml::{self, Node};

/// `name@version` without the peer suffix, from a `packages`/`snapshots` key.
fn key_id(key: &str, v5: bool) -> Option<(String, String)> {
    let key = key.strip_prefix('/').unwrap_or(key);
    let key = key.split('(').next().unwrap_or(key);
    if v5 {
        let (name, version) = key.rsplit_once('/')?;
        let version = version.split('_').next().unwrap_or(version);
        return Some((name.to_string(), version.to_string()));
    }
    // The `@` after the name: not the first character (a scope's `@`).
    let at = key.char_indices().skip(1).find(|(_, c)| *c == '@')?.0;
    Some((key[..at].to_string(), key[at + 1..].to_string()))
}

/// A dependency's version value (`1.0.0`, `1.0.0(peer@1)`, `1.0.0_peer@1`, `link:../x`, or in
/// v9 an alias `name@1.0.0`) as an id.
fn dep_id(name: &str, version: &str) -> Option<String> {
    if version.starts_with("link:") || version.starts_with("file:") {
        return None;
    }
    let v = version.split('(').next().unwrap_or(version);
    let v = v.split('_').next().unwrap_or(v);
    let v = v.strip_prefix('/').unwrap_or(v);
    // An alias or v5 path (`/other/1.0.0`, `other@1.0.0`).
    if let Some((n, ver)) = key_id(v, false).filter(|(n, _)| !n.is_empty() && v.contains('@')) {
        if n.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            return Some(format!("{name}@{v}"));
        }
        return Some(format!("{n}@{ver}"));
    }
    Some(format!("{name}@{v}"))
}

fn map_entries(node: Option<&Node>) -> &[yaml::Entry] {
    node.and_then(Node::as_map).unwrap_or(&[])
}

/// The version a `dependencies` value names: a scalar (v5) or `{specifier, version}` (v6, v9).
fn dep_version(value: &Node) -> Option<&str> {
    value
        .as_str()
        .or_else(|| value.get("version").and_then(Node::as_str))
}

pub(super) fn read(cx: &Cx) -> Result<Vec<Package>, LockfileError> {
    let doc = yaml::parse(cx.text).map_err(|e| cx.error_pos(e.span.start, e.message))?;
    let root = &doc.root;
    if root.as_map().is_none() {
        if root.is_null() {
            return Ok(Vec::new());
        }
        return Err(cx.error_pos(root.span.start, "expected a mapping"));
    }
    let lock_version = root
        .get("lockfileVersion")
        .and_then(Node::as_scalar)
        .unwrap_or("");
    let v5 = lock_version.starts_with('5') || lock_version.starts_with('4');

    struct Pkg<'a> {
        id: String,
        name: String,
        version: String,
        key: &'a Node,
        value: &'a Node,
    }
    let mut pkgs = Vec::new();
    for e in map_entries(root.get("packages")) {
        let Some(key) = e.key.as_scalar() else {
            continue;
        };
        let Some((name, version)) = key_id(key, v5) else {
            return Err(cx.error_pos(e.key.span.start, format!("cannot read package key `{key}`")));
        };
        pkgs.push(Pkg {
            id: format!("{name}@{version}"),
            name,
            version,
            key: &e.key,
            value: &e.value,
        });
    }
    let mut edges: HashMap<String, Vec<String>> = HashMap::new();
    let edge_source = if root.get("snapshots").is_some() {
        map_entries(root.get("snapshots"))
    } else {
        map_entries(root.get("packages"))
    };
    for e in edge_source {
        let Some(key) = e.key.as_scalar() else {
            continue;
        };
        let Some((name, version)) = key_id(key, v5) else {
            continue;
        };
        let list = edges.entry(format!("{name}@{version}")).or_default();
        for section in ["dependencies", "optionalDependencies"] {
            for d in map_entries(e.value.get(section)) {
                if let (Some(n), Some(v)) = (d.key.as_scalar(), dep_version(&d.value)) {
                    list.extend(dep_id(n, v));
                }
            }
        }
    }
    let mut importers: Vec<&Node> = map_entries(root.get("importers"))
        .iter()
        .map(|e| &e.value)
        .collect();
    if importers.is_empty() {
        importers.push(root);
    }
    let mut prod_roots = Vec::new();
    let mut dev_roots = Vec::new();
    for imp in importers {
        for (section, dev) in [
            ("dependencies", false),
            ("optionalDependencies", false),
            ("devDependencies", true),
        ] {
            for d in map_entries(imp.get(section)) {
                if let (Some(n), Some(v)) = (d.key.as_scalar(), dep_version(&d.value))
                    && let Some(id) = dep_id(n, v)
                {
                    if dev {
                        dev_roots.push(id);
                    } else {
                        prod_roots.push(id);
                    }
                }
            }
        }
    }
    let scopes = scopes_by_reachability(&edges, &prod_roots, &dev_roots);
    let direct: BTreeSet<&String> = prod_roots.iter().chain(&dev_roots).collect();
    let purls: HashMap<&str, String> = pkgs
        .iter()
        .map(|p| {
            (
                p.id.as_str(),
                purl::purl(Ecosystem::Npm, &p.name, Some(&p.version)),
            )
        })
        .collect();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for p in &pkgs {
        if !seen.insert(p.id.clone()) {
            continue;
        }
        let scope = match p.value.get("dev").and_then(Node::as_bool) {
            Some(true) => Scope::Development,
            Some(false) => Scope::Production,
            None => scopes.get(&p.id).copied().unwrap_or(Scope::Unknown),
        };
        let integrity = p
            .value
            .get("resolution")
            .and_then(|r| r.get("integrity"))
            .and_then(Node::as_str);
        let end = p.key.span.end;
        out.push(Package {
            name: p.name.clone(),
            version: Some(p.version.clone()),
            ecosystem: Ecosystem::Npm,
            purl: purls[p.id.as_str()].clone(),
            direct: Some(direct.contains(&p.id)),
            scope,
            hashes: integrity.map(sri_hashes).unwrap_or_default(),
            license: None,
            location: crate::finding::Location::new(
                cx.path,
                crate::finding::Span::new(p.key.span.start, end),
            ),
            dependencies: edges
                .get(&p.id)
                .into_iter()
                .flatten()
                .filter_map(|d| purls.get(d.as_str()).cloned())
                .collect(),
            requirement: None,
        });
    }
    Ok(out)
}
