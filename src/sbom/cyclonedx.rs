//! CycloneDX 1.6 JSON.

use serde_json::{Value, json};

use super::{Component, Inventory, Stamp, content_digest, is_spdx_expression, uuid_of};
use crate::lockfile::Scope;

/// The `bom-ref` of the root component (the repository).
pub const ROOT_REF: &str = "root-component";

const ALGORITHMS: [&str; 5] = ["MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512"];

pub fn render(inv: &Inventory, stamp: &Stamp) -> Value {
    let serial = uuid_of(&["cyclonedx", &content_digest(inv), &stamp.timestamp]);
    let mut root_deps: Vec<&str> = inv
        .root_dependencies()
        .iter()
        .map(|c| c.purl.as_str())
        .collect();
    root_deps.sort();
    let mut dependencies = vec![json!({"ref": ROOT_REF, "dependsOn": root_deps})];
    dependencies.extend(
        inv.components
            .iter()
            .map(|c| json!({"ref": c.purl, "dependsOn": c.dependencies})),
    );
    json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": format!("urn:uuid:{serial}"),
        "version": 1,
        "metadata": {
            "timestamp": stamp.timestamp,
            "tools": {
                "components": [{
                    "type": "application",
                    "name": "ci-guard",
                    "version": crate::VERSION,
                    "externalReferences": [{"type": "website", "url": crate::PROJECT_URL}],
                }]
            },
            "component": {
                "type": "application",
                "bom-ref": ROOT_REF,
                "name": inv.root_name,
            },
            "properties": inv.lockfiles.iter().map(|l| json!({"name": "ci-guard:lockfile", "value": l})).collect::<Vec<_>>(),
        },
        "components": inv.components.iter().map(component).collect::<Vec<_>>(),
        "dependencies": dependencies,
    })
}

fn component(c: &Component) -> Value {
    let mut v = json!({
        "type": "library",
        "bom-ref": c.purl,
        "name": c.name,
        "purl": c.purl,
    });
    if let Some(version) = &c.version {
        v["version"] = json!(version);
    }
    match c.scope {
        Scope::Production => v["scope"] = json!("required"),
        Scope::Development => v["scope"] = json!("optional"),
        Scope::Unknown => {}
    }
    // Hashes of the one artifact; hashes of one of several files (Python wheels and sdists) go
    // to distribution references, one per file.
    let plain: Vec<Value> = c
        .hashes
        .iter()
        .filter(|h| h.file.is_none() && ALGORITHMS.contains(&h.algorithm.as_str()))
        .map(|h| json!({"alg": h.algorithm, "content": h.value}))
        .collect();
    if !plain.is_empty() {
        v["hashes"] = json!(plain);
    }
    let mut files: std::collections::BTreeMap<&str, Vec<Value>> = Default::default();
    for h in c
        .hashes
        .iter()
        .filter(|h| ALGORITHMS.contains(&h.algorithm.as_str()))
    {
        if let Some(f) = &h.file {
            files
                .entry(f.as_str())
                .or_default()
                .push(json!({"alg": h.algorithm, "content": h.value}));
        }
    }
    // One reference per file, with that file's digests: a consumer holding one artifact finds
    // the reference its digest matches. Then where the purl says the code comes from (a direct
    // reference: `vcs_url`, `download_url`), as cyclonedx-py writes it.
    let mut refs: Vec<Value> = files
        .into_iter()
        .map(|(f, hashes)| {
            json!({"type": "distribution", "url": crate::lockfile::purl::encode_iri(f), "hashes": hashes})
        })
        .collect();
    for (key, kind) in [("vcs_url", "vcs"), ("download_url", "distribution")] {
        if let Some(url) = crate::lockfile::purl::qualifier(&c.purl, key) {
            refs.push(json!({
                "type": kind,
                "url": crate::lockfile::purl::encode_iri(&url),
                "comment": "explicit dist url",
            }));
        }
    }
    if !refs.is_empty() {
        v["externalReferences"] = json!(refs);
    }
    if let Some(l) = &c.license {
        v["licenses"] = if is_spdx_expression(l) {
            json!([{"expression": l}])
        } else {
            json!([{"license": {"name": l}}])
        };
    }
    let mut props = Vec::new();
    if let Some(d) = c.direct {
        props.push(json!({"name": "ci-guard:direct", "value": d.to_string()}));
    }
    if let Some(r) = &c.requirement {
        props.push(json!({"name": "ci-guard:unpinned-requirement", "value": r}));
    }
    if !props.is_empty() {
        v["properties"] = json!(props);
    }
    v["evidence"] = json!({
        "occurrences": c.occurrences.iter().map(|o| json!({
            "location": o.path,
            "line": o.start.line,
        })).collect::<Vec<_>>()
    });
    v
}
