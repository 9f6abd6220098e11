//! `Gemfile.lock`: the `specs:` of its `GEM` and `GIT` sections (a `PATH` section is the project's
//! own gems), `DEPENDENCIES` for the direct ones, `CHECKSUMS` (Bundler 2.5+) for SHA-256 hashes.
//! Bundler does not record groups in the lockfile, so the scope is unknown.

use std::collections::{BTreeSet, HashMap};

use super::{Cx, Ecosystem, Hash, LockfileError, Package, Scope, purl};
use crate::finding::Pos;

struct Spec {
    name: String,
    version: String,
    platform: Option<String>,
    pos: Pos,
    deps: Vec<String>,
}

/// `name (version[-platform])`.
fn name_version(s: &str) -> Option<(String, String, Option<String>)> {
    let (name, rest) = s.split_once(" (")?;
    let v = rest.strip_suffix(')')?;
    let (version, platform) = match v.split_once('-') {
        Some((v, p)) => (v, Some(p.to_string())),
        None => (v, None),
    };
    Some((name.to_string(), version.to_string(), platform))
}

pub(super) fn read(cx: &Cx) -> Result<Vec<Package>, LockfileError> {
    let mut specs: Vec<Spec> = Vec::new();
    let mut direct = BTreeSet::new();
    let mut checksums: HashMap<String, String> = HashMap::new();
    let mut section = String::new();
    let mut in_specs = false;
    let mut bad_spec = false;
    for (i, raw) in cx.text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let indent = line.len() - line.trim_start_matches(' ').len();
        let pos = Pos::new(i as u32 + 1, indent as u32 + 1);
        let body = line.trim();
        if indent == 0 {
            section = body.to_string();
            in_specs = false;
            continue;
        }
        match section.as_str() {
            "GEM" | "GIT" | "PATH" | "PLUGIN SOURCE" => {
                if indent == 2 {
                    in_specs = body == "specs:";
                } else if in_specs && indent == 4 {
                    let Some((name, version, platform)) = name_version(body) else {
                        cx.problem(cx.error_pos(pos, format!("cannot read spec `{body}`")));
                        // Its dependency lines must not go to the spec before it.
                        bad_spec = true;
                        continue;
                    };
                    bad_spec = false;
                    if section == "PATH" {
                        continue;
                    }
                    specs.push(Spec {
                        name,
                        version,
                        platform,
                        pos,
                        deps: Vec::new(),
                    });
                } else if in_specs && indent == 6 && section != "PATH" && !bad_spec {
                    let name = body.split(" (").next().unwrap_or(body).to_string();
                    if let Some(s) = specs.last_mut() {
                        s.deps.push(name);
                    }
                }
            }
            "DEPENDENCIES" if indent == 2 => {
                let name = body
                    .split(" (")
                    .next()
                    .unwrap_or(body)
                    .trim_end_matches('!');
                direct.insert(name.to_string());
            }
            "CHECKSUMS" if indent == 2 => {
                if let Some((spec, sum)) = body.rsplit_once(' ')
                    && let Some(hex) = sum.strip_prefix("sha256=")
                {
                    checksums.insert(spec.to_string(), hex.to_ascii_lowercase());
                }
            }
            _ => {}
        }
    }
    let purl_of = |s: &Spec| {
        let platform = s.platform.as_deref().unwrap_or("");
        purl::purl_with(
            Ecosystem::Gem,
            &s.name,
            Some(&s.version),
            &[("platform", platform)],
        )
    };
    let mut by_name: HashMap<&str, Vec<String>> = HashMap::new();
    for s in &specs {
        by_name.entry(s.name.as_str()).or_default().push(purl_of(s));
    }
    let have_direct = !direct.is_empty();
    let mut out = Vec::new();
    for s in &specs {
        let full = match &s.platform {
            Some(p) => format!("{} ({}-{})", s.name, s.version, p),
            None => format!("{} ({})", s.name, s.version),
        };
        out.push(Package {
            purl: purl_of(s),
            name: s.name.clone(),
            version: Some(s.version.clone()),
            ecosystem: Ecosystem::Gem,
            direct: have_direct.then(|| direct.contains(&s.name)),
            scope: Scope::Unknown,
            hashes: checksums
                .get(&full)
                .map(|h| Hash {
                    algorithm: "SHA-256".into(),
                    value: h.clone(),
                    file: None,
                })
                .into_iter()
                .collect(),
            license: None,
            location: cx.location_line(s.pos),
            dependencies: s
                .deps
                .iter()
                .filter_map(|d| by_name.get(d.as_str()))
                .flatten()
                .cloned()
                .collect(),
            requirement: None,
        });
    }
    Ok(out)
}
