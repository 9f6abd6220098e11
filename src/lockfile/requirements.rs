//! pip `requirements*.txt`: pins (`name==version`), `--hash` options, `-r` includes (read
//! from the including file's folder), environment markers, and the `# via` annotations that
//! pip-compile and `uv pip compile` write (they give direct/transitive and the edges).
//!
//! A line that does not pin one exact version is still a package, with `version: None` and its
//! specifier in `requirement`: an unpinned requirement, reported as such. Editable installs and
//! local paths (`-e .`) are the project itself, not a dependency.
//!
//! A direct reference (`pkg @ git+https://…@<sha>`, or a bare URL with `#egg=pkg`) gets the
//! purl qualifier cyclonedx-py gives it: `vcs_url` for a version-control URL, `download_url`
//! for a file; one pinned to a full commit SHA is pinned. `--hash` values name no file: each is
//! the digest of one of the package's files on the index (`--index-url`, else PyPI), recorded
//! as that file ([`super::index_file_url`] with the digest as the fragment).

use std::collections::{BTreeMap, HashSet};

use super::{
    Cx, Ecosystem, LockfileError, PYPI_SIMPLE, Package, Scope, Siblings, index_file_url, pep503,
    prefixed_hash, purl,
};
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
    let index = lines
        .iter()
        .find_map(|l| index_url(l.text.trim()))
        .unwrap_or(PYPI_SIMPLE);
    for l in &lines {
        let text = l.text.trim();
        if let Some(file) = include_target(text) {
            if depth >= MAX_INCLUDE_DEPTH {
                return Err(cx.error_pos(l.start, "too many nested `-r` includes"));
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
            let Some(text) = cx.siblings.read(file) else {
                return Err(cx.error_pos(l.start, format!("cannot read included `{file}`")));
            };
            let inc_dir = cx
                .siblings
                .dir
                .as_ref()
                .map(|d| d.join(file))
                .and_then(|p| p.parent().map(|p| p.to_path_buf()));
            let sib = Siblings { dir: inc_dir };
            let inner = Cx {
                path: &inc_path,
                text: &text,
                lines: super::LineIndex::new(&text),
                siblings: &sib,
            };
            packages.extend(read_file(&inner, depth + 1, seen)?);
            continue;
        }
        if text.starts_with('-') {
            // -c constraints, -e editable, --index-url and other options: no package.
            continue;
        }
        let Some(req) = parse_requirement(text) else {
            return Err(cx.error_pos(l.start, format!("cannot read requirement `{text}`")));
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
            .filter_map(|h| {
                let file = index_file_url(index, &req.name, &h.replacen(':', "=", 1));
                prefixed_hash(h, Some(file))
            })
            .collect();
        let qualifier = req.url.as_deref().map(|u| {
            let vcs = ["git+", "hg+", "svn+", "bzr+"]
                .iter()
                .any(|p| u.starts_with(p));
            (if vcs { "vcs_url" } else { "download_url" }, u)
        });
        let requirement = match &req.url {
            Some(u) if pinned_to_commit(u) => None,
            _ => req.specifier,
        };
        packages.push(Package {
            purl: purl::purl_with(
                Ecosystem::Pypi,
                &req.name,
                req.version.as_deref(),
                qualifier.as_slice(),
            ),
            name: req.name,
            version: req.version,
            ecosystem: Ecosystem::Pypi,
            direct,
            scope,
            hashes,
            license: None,
            location: cx.location_line(l.start),
            dependencies: Vec::new(),
            requirement,
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

/// `--index-url URL`, `--index-url=URL` or `-i URL`: the index the file's packages come from.
fn index_url(text: &str) -> Option<&str> {
    let rest = text
        .strip_prefix("--index-url")
        .or_else(|| text.strip_prefix("-i"))?;
    if !(rest.starts_with([' ', '\t', '='])) {
        return None;
    }
    let url = rest.trim_start_matches([' ', '\t', '=']).trim();
    url.contains("://").then_some(url)
}

/// A version-control URL whose revision (after the last `@`, before any `#`) is a full commit
/// SHA: the code it names cannot change.
fn pinned_to_commit(url: &str) -> bool {
    let vcs = ["git+", "hg+"].iter().any(|p| url.starts_with(p));
    let no_fragment = url.split('#').next().unwrap_or(url);
    let path = no_fragment.split_once("://").map_or("", |(_, p)| p);
    let rev = path.rsplit_once('@').map_or("", |(_, r)| r);
    vcs && matches!(rev.len(), 40 | 64) && rev.bytes().all(|b| b.is_ascii_hexdigit())
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
    /// A direct reference's URL (`name @ URL`, or a bare URL with `#egg=`).
    url: Option<String>,
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
            url: Some(first.to_string()),
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
        let url = url.split_whitespace().next().unwrap_or("").to_string();
        return Some(Some(Requirement {
            name: name.to_string(),
            version: None,
            specifier: Some(format!("@ {url}")),
            hashes,
            url: (!url.is_empty()).then_some(url),
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
        url: None,
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
    fn direct_references_and_indexes() {
        let sha = "6f1840a57b6fb1ee40b7e84f2f18ec229de8aa72";
        let r = req(&format!(
            "gds-metrics @ git+https://github.com/alphagov/gds_metrics_python.git@{sha}"
        ));
        assert_eq!(r.version, None);
        let url = r.url.expect("url");
        assert!(pinned_to_commit(&url));
        assert!(!pinned_to_commit(
            "git+https://github.com/celery/kombu.git@main"
        ));
        assert!(!pinned_to_commit(&format!(
            "https://example.com/x.tar.gz@{sha}"
        )));
        assert!(pinned_to_commit(&format!(
            "git+https://github.com/a/b.git@{sha}#egg=b"
        )));
        assert_eq!(
            index_url("--index-url https://pypi.example/simple"),
            Some("https://pypi.example/simple")
        );
        assert_eq!(index_url("-i=https://x/simple/"), Some("https://x/simple/"));
        assert_eq!(index_url("--index-urls x"), None);
        assert_eq!(index_url("-e ."), None);
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
