//! pip `requirements*.txt`: pins (`name==version`), `--hash` options, `-r` includes (read
//! from the including file's folder), environment markers, and the `# via` annotations that
//! pip-compile and `uv pip compile` write (they give direct/transitive and the edges).
//!
//! A line that does not pin one exact version is still a package, with `version: None` and its
//! specifier in `requirement`: an unpinned requirement, reported as such. Editable installs and
//! local paths (`-e .`) are the project itself, not a dependency.

use std::collections::{BTreeMap, HashSet};

use super::{Cx, Ecosystem, LockfileError, Package, Scope, Siblings, pep503, prefixed_hash, purl};
use crate::finding::Pos;

const MAX_INCLUDE_DEPTH: usize = 8;

pub(super) fn read(cx: &Cx) -> Result<Vec<Package>, LockfileError> {
    let mut seen = HashSet::new();
    seen.insert(cx.path.to_string());
    read_file(cx, 0, &mut seen)
}

/// One logical line: continuation lines joined, with the place of its first character.
struct Logical {
    text: String,
    start: Pos,
    /// The `# via` annotation following it (names, or `-r file` entries).
    via: Vec<String>,
}

fn logical_lines(text: &str) -> Vec<Logical> {
    let mut out: Vec<Logical> = Vec::new();
    let mut current: Option<Logical> = None;
    let mut in_via = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        let trimmed = line.trim_start();
        let indent = (line.chars().count() - trimmed.chars().count()) as u32;
        if let Some(cur) = current.as_mut() {
            // Continuation of the previous line.
            let body = trimmed.trim_end();
            let (body, more) = match body.strip_suffix('\\') {
                Some(b) => (b, true),
                None => (body, false),
            };
            cur.text.push(' ');
            cur.text.push_str(body);
            if !more {
                out.extend(current.take());
            }
            continue;
        }
        if let Some(comment) = trimmed.strip_prefix('#') {
            let c = comment.trim();
            if let Some(rest) = c.strip_prefix("via") {
                if rest.is_empty() || rest.starts_with(' ') {
                    in_via = true;
                    if let Some(last) = out.last_mut() {
                        let r = rest.trim();
                        if !r.is_empty() {
                            last.via.push(r.to_string());
                            in_via = false;
                        }
                    }
                    continue;
                }
            }
            if in_via && indent > 0 && !c.is_empty() && comment.starts_with("   ") {
                if let Some(last) = out.last_mut() {
                    last.via.push(c.to_string());
                }
                continue;
            }
            in_via = false;
            continue;
        }
        in_via = false;
        if trimmed.is_empty() {
            continue;
        }
        // A comment after whitespace ends the line (`pkg==1  # note`).
        let content = match trimmed.find(" #").or_else(|| trimmed.find("\t#")) {
            Some(i) => &trimmed[..i],
            None => trimmed,
        };
        let body = content.trim_end();
        let (body, more) = match body.strip_suffix('\\') {
            Some(b) => (b.trim_end(), true),
            None => (body, false),
        };
        let logical = Logical {
            text: body.to_string(),
            start: Pos::new(i as u32 + 1, indent + 1),
            via: Vec::new(),
        };
        if more {
            current = Some(logical);
        } else {
            out.push(logical);
        }
    }
    out.extend(current);
    out
}

fn read_file(
    cx: &Cx,
    depth: usize,
    seen: &mut HashSet<String>,
) -> Result<Vec<Package>, LockfileError> {
    let lines = logical_lines(cx.text);
    let annotated = lines.iter().any(|l| !l.via.is_empty());
    let file_name = cx
        .path
        .rsplit('/')
        .next()
        .unwrap_or(cx.path)
        .to_ascii_lowercase();
    let scope = if ["dev", "test", "lint", "doc", "ci"]
        .iter()
        .any(|w| file_name.contains(w))
    {
        Scope::Development
    } else {
        Scope::Production
    };
    let mut packages = Vec::new();
    // Dependent name → its dependency names, from `# via`.
    let mut reverse: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for l in &lines {
        let text = l.text.trim();
        if let Some(file) = include_target(text) {
            // A refused or unreadable include costs its own packages, not this file's. The
            // message names the include as written and why, never what the target holds.
            if depth >= MAX_INCLUDE_DEPTH {
                cx.problem(cx.error_pos(l.start, "too many nested `-r` includes"));
                continue;
            }
            let dir = cx.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            let inc_path = if dir.is_empty() {
                file.to_string()
            } else {
                format!("{dir}/{file}")
            };
            if !seen.insert(inc_path.clone()) {
                continue;
            }
            let text = match cx.siblings.read(file) {
                Ok(t) => t,
                Err(e) => {
                    cx.problem(
                        cx.error_pos(l.start, format!("included `{}` not read: {e}", shown(file))),
                    );
                    continue;
                }
            };
            let inc_dir = cx
                .siblings
                .dir
                .as_ref()
                .map(|d| d.join(file))
                .and_then(|p| p.parent().map(|p| p.to_path_buf()));
            let sib = Siblings {
                dir: inc_dir,
                root: cx.siblings.root.clone().or_else(|| cx.siblings.dir.clone()),
            };
            let inner = Cx {
                path: &inc_path,
                text: &text,
                lines: super::LineIndex::new(&text),
                siblings: &sib,
                problems: std::cell::RefCell::new(Vec::new()),
            };
            let read = read_file(&inner, depth + 1, seen);
            for p in inner.problems.into_inner() {
                cx.problem(p);
            }
            match read {
                Ok(p) => packages.extend(p),
                Err(e) => cx.problem(e),
            }
            continue;
        }
        if text.starts_with('-') {
            // -c constraints, -e editable, --index-url and other options: no package.
            continue;
        }
        let Some(req) = parse_requirement(text) else {
            cx.problem(cx.error_pos(
                l.start,
                format!("cannot read requirement `{}`", shown(text)),
            ));
            continue;
        };
        let Some(req) = req else { continue };
        for v in &l.via {
            if !v.starts_with("-r ") && !v.starts_with("-c ") {
                reverse
                    .entry(pep503(v))
                    .or_default()
                    .push(pep503(&req.name));
            }
        }
        let direct = if annotated {
            Some(l.via.iter().any(|v| v.starts_with("-r ")) || l.via.is_empty())
        } else {
            Some(true)
        };
        let hashes = req
            .hashes
            .iter()
            .filter_map(|h| prefixed_hash(h, None))
            .collect();
        packages.push(Package {
            purl: purl::purl(Ecosystem::Pypi, &req.name, req.version.as_deref()),
            name: req.name,
            version: req.version,
            ecosystem: Ecosystem::Pypi,
            direct,
            scope,
            hashes,
            license: None,
            location: cx.location_line(l.start),
            dependencies: Vec::new(),
            requirement: req.specifier,
        });
    }
    if !reverse.is_empty() {
        let purls: BTreeMap<String, String> = packages
            .iter()
            .map(|p| (pep503(&p.name), p.purl.clone()))
            .collect();
        for p in &mut packages {
            if let Some(deps) = reverse.get(&pep503(&p.name)) {
                p.dependencies = deps.iter().filter_map(|d| purls.get(d).cloned()).collect();
            }
        }
    }
    Ok(packages)
}

/// Text of the file quoted in a message: one line, at most 200 characters.
fn shown(text: &str) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect();
    if text.chars().count() > 200 {
        format!("{flat}…")
    } else {
        flat
    }
}

fn include_target(text: &str) -> Option<&str> {
    let rest = text
        .strip_prefix("--requirement")
        .or_else(|| text.strip_prefix("-r"))?;
    let rest = rest.trim_start_matches('=').trim();
    (!rest.is_empty()).then_some(rest)
}

struct Requirement {
    name: String,
    /// Set when the specifier pins exactly one version.
    version: Option<String>,
    /// The specifier when it does not pin one version.
    specifier: Option<String>,
    hashes: Vec<String>,
}

/// `name[extras] specifiers ; markers --hash=...`; `Ok(None)` for a URL or path requirement that
/// names no package; `None` when the line is not a requirement.
#[allow(clippy::option_option)]
fn parse_requirement(text: &str) -> Option<Option<Requirement>> {
    let mut hashes = Vec::new();
    let mut words = Vec::new();
    for w in text.split_whitespace() {
        if let Some(h) = w.strip_prefix("--hash=") {
            hashes.push(h.to_string());
        } else if w.starts_with("--") {
            // Per-requirement options such as --config-settings: ignored.
        } else {
            words.push(w);
        }
    }
    let spec = words.join(" ");
    let spec = spec.split(';').next().unwrap_or("").trim();
    let first = spec.split_whitespace().next().unwrap_or("");
    if first.contains("://") {
        // A bare URL: named by its `#egg=NAME` fragment, else unknown.
        let egg = first
            .split_once("#egg=")
            .map(|(_, e)| e.split('&').next().unwrap_or(e))
            .filter(|e| !e.is_empty());
        return Some(egg.map(|name| Requirement {
            name: name.to_string(),
            version: None,
            specifier: Some(format!("@ {first}")),
            hashes,
        }));
    }
    if spec.starts_with('.') || spec.starts_with('/') {
        return Some(None);
    }
    let end = spec
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(spec.len());
    let name = &spec[..end];
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return None;
    }
    let mut rest = spec[end..].trim_start();
    if rest.starts_with('[') {
        let close = rest.find(']')?;
        rest = rest[close + 1..].trim_start();
    }
    if let Some(url) = rest.strip_prefix('@') {
        // `name @ URL`: a direct reference, not a version pin.
        return Some(Some(Requirement {
            name: name.to_string(),
            version: None,
            specifier: Some(format!("@ {}", url.trim())),
            hashes,
        }));
    }
    let specifier = rest
        .trim_start_matches('(')
        .trim_end_matches(')')
        .replace(' ', "");
    if !specifier.is_empty() && !specifier.starts_with(['=', '<', '>', '!', '~']) {
        return None;
    }
    let pinned = specifier
        .strip_prefix("===")
        .or_else(|| specifier.strip_prefix("=="))
        .filter(|v| !v.is_empty() && !v.contains([',', '*', '<', '>', '!', '=', '~']));
    Some(Some(Requirement {
        name: name.to_string(),
        version: pinned.map(str::to_string),
        specifier: if pinned.is_some() {
            None
        } else {
            Some(specifier)
        },
        hashes,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(s: &str) -> Requirement {
        parse_requirement(s)
            .expect("a requirement")
            .expect("names a package")
    }

    #[test]
    fn pins_markers_extras_and_unpinned() {
        let r = req("celery[sqs]==5.6.3");
        assert_eq!(
            (r.name.as_str(), r.version.as_deref()),
            ("celery", Some("5.6.3"))
        );
        let r = req("numpy>=1.24.4,<=2.4.6; python_version < \"3.13\"");
        assert_eq!(r.version, None);
        assert_eq!(r.specifier.as_deref(), Some(">=1.24.4,<=2.4.6"));
        let r = req("async_timeout==4.0.3; python_version <= \"3.10\"");
        assert_eq!(r.version.as_deref(), Some("4.0.3"));
        let r = req("flask");
        assert_eq!((r.version, r.specifier.as_deref()), (None, Some("")));
        let r = req("django==4.2.* ");
        assert_eq!(r.version, None);
        assert!(parse_requirement("= broken").is_none());
    }

    #[test]
    fn continuation_and_via() {
        let t = "a==1 \\\n    --hash=sha256:ab\n    # via b\nb==2\n    # via\n    #   -r requirements.in\n";
        let ls = logical_lines(t);
        assert_eq!(ls.len(), 2);
        assert_eq!(ls[0].via, vec!["b"]);
        assert_eq!(ls[1].via, vec!["-r requirements.in"]);
        assert_eq!(ls[1].start, Pos::new(4, 1));
    }
}
