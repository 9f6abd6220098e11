//! `yarn.lock`, classic (v1, its own format) and berry (v2+, YAML), read line by line: both put
//! one entry per top-level key (the descriptors it satisfies, `name@range, name@range2`) with
//! indented fields and a `dependencies` block. Direct dependencies and the scope come from the
//! `package.json` beside it (reachability from its dependencies and devDependencies).

use std::collections::{BTreeSet, HashMap};

use super::{
    Cx, Ecosystem, LockfileError, Package, Scope, purl, scopes_by_reachability, sri_hashes,
};
use crate::finding::Pos;

#[derive(Default)]
struct Entry {
    descriptors: Vec<String>,
    pos: Pos,
    version: Option<String>,
    resolution: Option<String>,
    integrity: Option<String>,
    /// (name, range)
    deps: Vec<(String, String)>,
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
}

/// `key value` (classic) or `key: value` (berry); the key may be quoted.
fn key_value(s: &str) -> (&str, &str) {
    let s = s.trim();
    if let Some(rest) = s.strip_prefix('"')
        && let Some(end) = rest.find('"')
    {
        let key = &rest[..end];
        let value = rest[end + 1..].trim_start_matches(':').trim();
        return (key, unquote(value));
    }
    let split = s.find([' ', ':']).unwrap_or(s.len());
    let key = &s[..split];
    let value = s[split..].trim_start_matches(':').trim();
    (key, unquote(value))
}

/// The package name of a descriptor `name@range` (`@scope/name@range`).
fn descriptor_name(d: &str) -> &str {
    match d.char_indices().skip(1).find(|(_, c)| *c == '@') {
        Some((i, _)) => &d[..i],
        None => d,
    }
}

pub(super) fn read(cx: &Cx) -> Result<Vec<Package>, LockfileError> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut block: Option<String> = None;
    let berry = cx.text.lines().any(|l| l.starts_with("__metadata:"));
    for (i, raw) in cx.text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        let pos = Pos::new(i as u32 + 1, indent as u32 + 1);
        if indent == 0 {
            let Some(key) = trimmed.strip_suffix(':') else {
                return Err(cx.error_pos(pos, "expected an entry `descriptor, ...:`"));
            };
            block = None;
            let descriptors: Vec<String> = key
                .split(", ")
                .map(|d| unquote(d).to_string())
                .filter(|d| !d.is_empty())
                .collect();
            if descriptors.is_empty() {
                return Err(cx.error_pos(pos, "an entry without descriptors"));
            }
            entries.push(Entry {
                descriptors,
                pos,
                ..Default::default()
            });
            continue;
        }
        let Some(entry) = entries.last_mut() else {
            return Err(cx.error_pos(pos, "an indented line outside any entry"));
        };
        if indent == 2 {
            let (key, value) = key_value(trimmed);
            block = None;
            if value.is_empty() && trimmed.ends_with(':') {
                block = Some(key.to_string());
                continue;
            }
            match key {
                "version" => entry.version = Some(value.to_string()),
                "resolution" => entry.resolution = Some(value.to_string()),
                "integrity" => entry.integrity = Some(value.to_string()),
                _ => {}
            }
        } else if indent >= 4 {
            if matches!(
                block.as_deref(),
                Some("dependencies" | "optionalDependencies")
            ) && indent == 4
            {
                let (name, range) = key_value(trimmed);
                entry.deps.push((name.to_string(), range.to_string()));
            }
        } else {
            return Err(cx.error_pos(pos, "unexpected indentation"));
        }
    }
    // Drop berry's metadata and the project's own workspaces.
    let mut workspace_deps: Vec<(String, String)> = Vec::new();
    entries.retain(|e| {
        if e.descriptors.iter().any(|d| d == "__metadata") {
            return false;
        }
        let local = e
            .resolution
            .as_deref()
            .is_some_and(|r| r.contains("@workspace:"));
        if local {
            workspace_deps.extend(e.deps.iter().cloned());
        }
        !local
    });
    let mut index: HashMap<String, usize> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        for d in &e.descriptors {
            index.insert(d.clone(), i);
        }
    }
    let lookup = |name: &str, range: &str| -> Option<usize> {
        index
            .get(&format!("{name}@{range}"))
            .or_else(|| index.get(&format!("{name}@npm:{range}")))
            .copied()
    };
    let name_of = |e: &Entry| descriptor_name(&e.descriptors[0]).to_string();
    let ids: Vec<String> = (0..entries.len()).map(|i| i.to_string()).collect();
    let mut edges: HashMap<String, Vec<String>> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        edges.insert(
            ids[i].clone(),
            e.deps
                .iter()
                .filter_map(|(n, r)| lookup(n, r))
                .map(|j| ids[j].clone())
                .collect(),
        );
    }
    let manifest = cx.siblings.read_optional("package.json").and_then(|t| {
        let v: serde_json::Value = serde_json::from_str(&t).ok()?;
        let ranges = |key: &str| -> Vec<(String, String)> {
            v.get(key)
                .and_then(|d| d.as_object())
                .map(|o| {
                    o.iter()
                        .map(|(k, r)| (k.clone(), r.as_str().unwrap_or("").to_string()))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut prod = ranges("dependencies");
        prod.extend(ranges("optionalDependencies"));
        prod.extend(ranges("peerDependencies"));
        Some((prod, ranges("devDependencies")))
    });
    let to_ids = |deps: &[(String, String)]| -> Vec<String> {
        deps.iter()
            .filter_map(|(n, r)| lookup(n, r))
            .map(|j| ids[j].clone())
            .collect()
    };
    let (prod_roots, dev_roots, known) = match &manifest {
        Some((prod, dev)) => (to_ids(prod), to_ids(dev), true),
        None if berry && !workspace_deps.is_empty() => (to_ids(&workspace_deps), Vec::new(), true),
        None => (Vec::new(), Vec::new(), false),
    };
    let scopes = scopes_by_reachability(&edges, &prod_roots, &dev_roots);
    let direct: BTreeSet<&String> = prod_roots.iter().chain(&dev_roots).collect();
    let version_of = |e: &Entry| -> Option<String> {
        e.version.clone().or_else(|| {
            let r = e.resolution.as_deref()?;
            let name = descriptor_name(r);
            r[name.len()..].strip_prefix("@npm:").map(str::to_string)
        })
    };
    let purls: Vec<String> = entries
        .iter()
        .map(|e| purl::purl(Ecosystem::Npm, &name_of(e), version_of(e).as_deref()))
        .collect();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        // Berry lists a patched package twice (the base and `@patch:`): one component.
        if !seen.insert(purls[i].clone()) {
            continue;
        }
        out.push(Package {
            name: name_of(e),
            version: version_of(e),
            ecosystem: Ecosystem::Npm,
            purl: purls[i].clone(),
            direct: known.then(|| direct.contains(&ids[i])),
            scope: if berry && manifest.is_none() && known {
                // Berry's workspace entry mixes dev and production dependencies.
                Scope::Unknown
            } else {
                scopes.get(&ids[i]).copied().unwrap_or(Scope::Unknown)
            },
            hashes: e.integrity.as_deref().map(sri_hashes).unwrap_or_default(),
            license: None,
            location: cx.location_line(e.pos),
            dependencies: edges[&ids[i]]
                .iter()
                .filter_map(|j| j.parse::<usize>().ok())
                .map(|j| purls[j].clone())
                .collect(),
            requirement: None,
        });
    }
    Ok(out)
}
