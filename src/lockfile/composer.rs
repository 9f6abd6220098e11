//! `composer.lock`: `packages` (production) and `packages-dev` (development), with `license`,
//! `dist.shasum` (SHA-1, when not empty) and `require` edges. Direct dependencies come from the
//! `composer.json` beside it.

use std::collections::{BTreeSet, HashMap};

use super::json::{self, Node};
use super::{Cx, Ecosystem, Hash, LockfileError, Package, Scope, purl};

/// Platform requirements (`php`, `ext-json`, `lib-icu`, `composer-plugin-api`) are no packages.
fn is_platform(name: &str) -> bool {
    !name.contains('/')
}

pub(super) fn read(cx: &Cx) -> Result<Vec<Package>, LockfileError> {
    let root = json::parse(cx.text).map_err(|e| cx.json_error(e))?;
    let declared: Option<BTreeSet<String>> =
        cx.siblings.read_optional("composer.json").and_then(|t| {
            let v: serde_json::Value = serde_json::from_str(&t).ok()?;
            Some(
                ["require", "require-dev"]
                    .iter()
                    .filter_map(|k| v.get(*k).and_then(|r| r.as_object()))
                    .flat_map(|o| o.keys().map(|k| k.to_lowercase()))
                    .collect(),
            )
        });
    let mut entries: Vec<(&Node, Scope)> = Vec::new();
    for (section, scope) in [
        ("packages", Scope::Production),
        ("packages-dev", Scope::Development),
    ] {
        let Some(node) = root.get(section) else {
            continue;
        };
        let Some(items) = node.items() else {
            return Err(cx.error_at(node.start, format!("`{section}` is not an array")));
        };
        entries.extend(items.iter().map(|i| (i, scope)));
    }
    let mut purls: HashMap<String, String> = HashMap::new();
    for (n, _) in &entries {
        let Some(name) = n.str_of("name") else {
            return Err(cx.error_at(n.start, "a package without `name`"));
        };
        purls.insert(
            name.to_lowercase(),
            purl::purl(
                Ecosystem::Composer,
                name,
                n.get("version").and_then(Node::as_text),
            ),
        );
    }
    let mut out = Vec::new();
    for (n, scope) in entries {
        let name = n.str_of("name").unwrap_or_default().to_string();
        let license = n.get("license").and_then(|l| match l.items() {
            Some(items) => {
                let ids: Vec<&str> = items.iter().filter_map(Node::as_str).collect();
                match ids.len() {
                    0 => None,
                    1 => Some(ids[0].to_string()),
                    _ => Some(format!("({})", ids.join(" OR "))),
                }
            }
            None => l.as_str().map(str::to_string),
        });
        let hashes = n
            .get("dist")
            .and_then(|d| d.str_of("shasum"))
            .filter(|s| s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(|s| Hash {
                algorithm: "SHA-1".into(),
                value: s.to_ascii_lowercase(),
                file: None,
            })
            .into_iter()
            .collect();
        let dependencies = n
            .get("require")
            .and_then(Node::members)
            .into_iter()
            .flatten()
            .filter(|m| !is_platform(&m.key))
            .filter_map(|m| purls.get(&m.key.to_lowercase()).cloned())
            .collect();
        out.push(Package {
            purl: purls[&name.to_lowercase()].clone(),
            version: n.get("version").and_then(Node::as_text).map(str::to_string),
            direct: declared.as_ref().map(|d| d.contains(&name.to_lowercase())),
            name,
            ecosystem: Ecosystem::Composer,
            scope,
            hashes,
            license,
            location: cx.location(n.start, n.start + 1),
            dependencies,
            requirement: None,
        });
    }
    Ok(out)
}
