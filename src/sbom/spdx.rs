//! SPDX 2.3 JSON.

use std::collections::BTreeMap;
use std::rc::Rc;

use serde_json::{Value, json};

use super::{Component, Document, Inventory, Stamp, content_digest, is_spdx_expression, uuid_of};
use crate::lockfile::Scope;

pub const ROOT_ID: &str = "SPDXRef-Root";

/// A stable SPDX id for a component: its name and version made safe, and a digest of its
/// purl so that ids never collide.
pub fn spdx_id(c: &Component) -> String {
    let base = format!("{}-{}", c.name, c.version.as_deref().unwrap_or(""));
    let safe: String = base
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || ch == '.' || ch == '-' {
                ch
            } else {
                '-'
            }
        })
        .collect();
    let digest = &uuid_of(&[&c.purl])[..8];
    format!("SPDXRef-Package-{safe}-{digest}")
}

fn algorithm(cdx: &str) -> Option<&'static str> {
    Some(match cdx {
        "MD5" => "MD5",
        "SHA-1" => "SHA1",
        "SHA-256" => "SHA256",
        "SHA-384" => "SHA384",
        "SHA-512" => "SHA512",
        _ => return None,
    })
}

/// The SPDX document as one JSON tree.
pub fn render(inv: &Inventory, stamp: &Stamp) -> Value {
    document(inv, stamp).to_value()
}

/// The SPDX document, written one package at a time.
pub fn document<'a>(inv: &'a Inventory, stamp: &Stamp) -> Document<'a> {
    let uuid = uuid_of(&["spdx", &content_digest(inv), &stamp.timestamp]);
    let ids: Rc<BTreeMap<&str, String>> = Rc::new(
        inv.components
            .iter()
            .map(|c| (c.purl.as_str(), spdx_id(c)))
            .collect(),
    );
    let root = json!({
        "SPDXID": ROOT_ID,
        "name": inv.root_name,
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "primaryPackagePurpose": "APPLICATION",
    });
    let describes = json!({
        "spdxElementId": "SPDXRef-DOCUMENT",
        "relationshipType": "DESCRIBES",
        "relatedSpdxElement": ROOT_ID,
    });
    let mut rels: Vec<(String, &str, String)> = Vec::new();
    for c in inv.root_dependencies() {
        let id = ids[c.purl.as_str()].clone();
        if c.scope == Scope::Development {
            rels.push((id, "DEV_DEPENDENCY_OF", ROOT_ID.to_string()));
        } else {
            rels.push((ROOT_ID.to_string(), "DEPENDS_ON", id));
        }
    }
    for c in &inv.components {
        for d in &c.dependencies {
            if let Some(to) = ids.get(d.as_str()) {
                rels.push((ids[c.purl.as_str()].clone(), "DEPENDS_ON", to.clone()));
            }
        }
    }
    rels.sort();
    let rels = Rc::new(rels);
    let head = json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": inv.root_name,
        "documentNamespace": format!("{}/spdx/{}-{uuid}", crate::PROJECT_URL, crate::lockfile::purl::encode(&inv.root_name)),
        "creationInfo": {
            "created": stamp.timestamp,
            "creators": [format!("Tool: ci-guard-{}", crate::VERSION)],
        },
    });
    Document::new(head)
        .array(
            "packages",
            Box::new(move || {
                let ids = ids.clone();
                Box::new(
                    std::iter::once(root.clone()).chain(
                        inv.components
                            .iter()
                            .map(move |c| package(c, &ids[c.purl.as_str()])),
                    ),
                )
            }),
        )
        .array(
            "relationships",
            Box::new(move || {
                let rels = rels.clone();
                Box::new(
                    std::iter::once(describes.clone()).chain((0..rels.len()).map(move |i| {
                        let (a, t, b) = &rels[i];
                        json!({"spdxElementId": a, "relationshipType": t, "relatedSpdxElement": b})
                    })),
                )
            }),
        )
}

fn package(c: &Component, id: &str) -> Value {
    let mut v = json!({
        "SPDXID": id,
        "name": c.name,
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "licenseConcluded": "NOASSERTION",
        "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": "LIBRARY",
        "externalRefs": [{
            "referenceCategory": "PACKAGE-MANAGER",
            "referenceType": "purl",
            "referenceLocator": c.purl,
        }],
    });
    if let Some(version) = &c.version {
        v["versionInfo"] = json!(version);
    }
    v["licenseDeclared"] = json!(match &c.license {
        Some(l) if is_spdx_expression(l) => l.as_str(),
        _ => "NOASSERTION",
    });
    // SPDX checksums are of the one package file; hashes of several named files are left out.
    let checksums: Vec<Value> = c
        .hashes
        .iter()
        .filter(|h| h.file.is_none())
        .filter_map(|h| {
            Some(json!({"algorithm": algorithm(&h.algorithm)?, "checksumValue": h.value}))
        })
        .collect();
    if !checksums.is_empty() {
        v["checksums"] = json!(checksums);
    }
    let found: Vec<String> = c
        .occurrences
        .iter()
        .map(|o| format!("{}:{}", o.path, o.start.line))
        .collect();
    let mut comment = format!("found in {}", found.join(", "));
    if let Some(d) = c.direct {
        comment.push_str(if d { "; direct" } else { "; transitive" });
    }
    match c.scope {
        Scope::Production => comment.push_str("; production"),
        Scope::Development => comment.push_str("; development"),
        Scope::Unknown => {}
    }
    if let Some(r) = &c.requirement {
        comment.push_str(&format!("; unpinned requirement `{r}`"));
    }
    v["comment"] = json!(comment);
    v
}
