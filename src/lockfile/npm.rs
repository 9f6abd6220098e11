//! `package-lock.json` and `npm-shrinkwrap.json`, lockfileVersion 1, 2 and 3.
//!
//! Versions 2 and 3 list every installed package under `packages`, keyed by its install path
//! (`node_modules/a/node_modules/b`); version 1 nests `dependencies` objects. Both are turned
//! into install paths, and edges are resolved the way Node resolves `require`: the nearest
//! `node_modules/<name>` going up from the dependent's path.

use std::collections::{BTreeSet, HashMap};

use super::json::{self, Node};
use super::{Cx, Ecosystem, LockfileError, Package, Scope, purl, sri_hashes};

struct Entry<'a> {
    path: String,
    name: String,
    node: &'a Node,
    key_start: usize,
    key_end: usize,
    /// Names this entry depends on.
    deps: Vec<String>,
}

pub(super) fn read(cx: &Cx) -> Result<Vec<Package>, LockfileError> {
    let root = json::parse(cx.text).map_err(|e| cx.json_error(e))?;
    if root.members().is_none() {
        return Err(cx.error_at(root.start, "expected a JSON object"));
    }
    let version = root
        .get("lockfileVersion")
        .and_then(|v| v.as_text())
        .and_then(|v| v.parse::<u32>().ok());
    match (root.get("packages"), root.get("dependencies")) {
        (Some(packages), _) if version.unwrap_or(2) >= 2 => v2(cx, packages),
        (_, Some(deps)) => v1(cx, deps),
        (Some(packages), None) => v2(cx, packages),
        (None, None) => Ok(Vec::new()),
    }
}

fn dep_names(node: &Node, keys: &[&str]) -> Vec<String> {
    keys.iter()
        .filter_map(|k| node.get(k).and_then(Node::members))
        .flatten()
        .map(|m| m.key.clone())
        .collect()
}

/// Node's lookup: `<from>/node_modules/<name>`, then the same from each enclosing install path.
fn resolve<'e>(
    from: &str,
    name: &str,
    index: &HashMap<&str, &'e Entry<'e>>,
) -> Option<&'e Entry<'e>> {
    let mut base = from.to_string();
    loop {
        let candidate = if base.is_empty() {
            format!("node_modules/{name}")
        } else {
            format!("{base}/node_modules/{name}")
        };
        if let Some(e) = index.get(candidate.as_str()) {
            return Some(e);
        }
        if base.is_empty() {
            return None;
        }
        base = match base.rfind("/node_modules/") {
            Some(i) => base[..i].to_string(),
            None if base.starts_with("node_modules/") => String::new(),
            // A workspace member (`packages/a`): next is the root.
            None => String::new(),
        };
    }
}

fn name_from_path(path: &str) -> &str {
    path.rfind("node_modules/")
        .map(|i| &path[i + "node_modules/".len()..])
        .unwrap_or(path)
}

fn v2(cx: &Cx, packages: &Node) -> Result<Vec<Package>, LockfileError> {
    let Some(members) = packages.members() else {
        return Err(cx.error_at(packages.start, "`packages` is not an object"));
    };
    const DEP_KEYS: [&str; 3] = ["dependencies", "optionalDependencies", "peerDependencies"];
    let mut entries = Vec::new();
    // Paths whose dependencies the project itself declares: the root and workspace members.
    let mut declaring: Vec<(String, Vec<String>)> = Vec::new();
    let mut links: HashMap<String, String> = HashMap::new();
    for m in members {
        let node = &m.value;
        let path = m.key.as_str();
        if node.bool_of("link") {
            if let Some(target) = node.str_of("resolved") {
                links.insert(path.to_string(), target.to_string());
            }
            continue;
        }
        if path.is_empty() || !path.contains("node_modules/") {
            let mut deps = dep_names(node, &DEP_KEYS);
            deps.extend(dep_names(node, &["devDependencies"]));
            declaring.push((path.to_string(), deps));
            continue;
        }
        let name = node
            .str_of("name")
            .unwrap_or_else(|| name_from_path(path))
            .to_string();
        entries.push(Entry {
            path: path.to_string(),
            name,
            node,
            key_start: m.key_start,
            key_end: m.key_end,
            deps: dep_names(node, &DEP_KEYS),
        });
    }
    let index: HashMap<&str, &Entry> = entries.iter().map(|e| (e.path.as_str(), e)).collect();
    let mut direct: BTreeSet<&str> = BTreeSet::new();
    for (path, deps) in &declaring {
        for d in deps {
            if let Some(e) = resolve(path, d, &index) {
                direct.insert(e.path.as_str());
            }
        }
    }
    let purls: HashMap<&str, String> = entries
        .iter()
        .map(|e| (e.path.as_str(), entry_purl(e)))
        .collect();
    let mut out = Vec::with_capacity(entries.len());
    for e in &entries {
        let dependencies = e
            .deps
            .iter()
            .filter_map(|d| resolve(&e.path, d, &index))
            .filter_map(|t| purls.get(t.path.as_str()).cloned())
            .collect();
        let scope = if e.node.bool_of("dev") {
            Scope::Development
        } else {
            Scope::Production
        };
        out.push(package(
            cx,
            e,
            purls[e.path.as_str()].clone(),
            Some(direct.contains(e.path.as_str())),
            scope,
            dependencies,
        ));
    }
    Ok(out)
}

fn entry_purl(e: &Entry) -> String {
    purl::purl(Ecosystem::Npm, &e.name, e.node.str_of("version"))
}

fn package(
    cx: &Cx,
    e: &Entry,
    purl: String,
    direct: Option<bool>,
    scope: Scope,
    dependencies: Vec<String>,
) -> Package {
    let license = match e.node.get("license") {
        Some(l) => l
            .as_str()
            .map(str::to_string)
            .or_else(|| l.str_of("type").map(str::to_string)),
        None => None,
    };
    Package {
        name: e.name.clone(),
        version: e.node.str_of("version").map(str::to_string),
        ecosystem: Ecosystem::Npm,
        purl,
        direct,
        scope,
        hashes: e
            .node
            .str_of("integrity")
            .map(sri_hashes)
            .unwrap_or_default(),
        license,
        location: cx.location(e.key_start, e.key_end),
        dependencies,
        requirement: None,
    }
}

fn v1(cx: &Cx, deps: &Node) -> Result<Vec<Package>, LockfileError> {
    let mut entries = Vec::new();
    let mut stack = vec![(String::new(), deps)];
    while let Some((base, deps)) = stack.pop() {
        let Some(members) = deps.members() else {
            return Err(cx.error_at(deps.start, "`dependencies` is not an object"));
        };
        for m in members {
            let path = if base.is_empty() {
                format!("node_modules/{}", m.key)
            } else {
                format!("{base}/node_modules/{}", m.key)
            };
            if let Some(nested) = m.value.get("dependencies") {
                stack.push((path.clone(), nested));
            }
            entries.push(Entry {
                path,
                name: m.key.clone(),
                node: &m.value,
                key_start: m.key_start,
                key_end: m.key_end,
                deps: m
                    .value
                    .get("requires")
                    .and_then(Node::members)
                    .map(|r| r.iter().map(|r| r.key.clone()).collect())
                    .unwrap_or_default(),
            });
        }
    }
    let index: HashMap<&str, &Entry> = entries.iter().map(|e| (e.path.as_str(), e)).collect();
    let declared = cx
        .siblings
        .read_optional("package.json")
        .and_then(|t| super::package_json_deps(&t));
    let direct: Option<BTreeSet<&str>> = declared.as_ref().map(|(prod, dev)| {
        prod.iter()
            .chain(dev.iter())
            .filter_map(|d| resolve("", d, &index))
            .map(|e| e.path.as_str())
            .collect()
    });
    let purls: HashMap<&str, String> = entries
        .iter()
        .map(|e| (e.path.as_str(), entry_purl(e)))
        .collect();
    let mut out = Vec::with_capacity(entries.len());
    for e in &entries {
        let dependencies = e
            .deps
            .iter()
            .filter_map(|d| resolve(&e.path, d, &index))
            .filter_map(|t| purls.get(t.path.as_str()).cloned())
            .collect();
        let scope = if e.node.bool_of("dev") {
            Scope::Development
        } else {
            Scope::Production
        };
        let d = direct.as_ref().map(|d| d.contains(e.path.as_str()));
        out.push(package(
            cx,
            e,
            purls[e.path.as_str()].clone(),
            d,
            scope,
            dependencies,
        ));
    }
    Ok(out)
}
