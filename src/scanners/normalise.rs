//! After parsing, before the sinks: one call puts every tool's findings in the same frame.
//!
//! ```text
//! let report = normalise(&mut runs, &repo.root, &lockfiles);
//! ```
//!
//! `runs` (a `&mut Vec<ToolRun>` coerces) are the [`ToolRun`]s of one repository (executed, imported or native), `repo_root` its
//! root directory, `lockfiles` its lockfiles as the workspace walk found them (any
//! [`WorkspaceFile`] whose kind `crate::lockfile::is_readable` accepts; others are ignored). It:
//!
//! 1. **Paths** — makes every location repository-relative with `/` separators: absolute paths
//!    under `repo_root`, `file://` URIs, the Docker action's `/github/workspace/` prefix, `./`,
//!    `.`/`..` segments and Windows `\` separators. A path that is not in the repository (a
//!    path inside a container image, an absolute path from another machine, trivy's
//!    `image (alpine 3.10)` target, or a relative path naming no file when `repo_root` exists)
//!    is kept as the tool gave it (separators fixed) and listed in
//!    [`NormaliseReport::outside_root`], so the runner decides whether to keep, anchor or drop
//!    those findings.
//! 2. **Dependency locations** — a finding about a package ([`ScanFinding::package`]) that has
//!    no line (pip-audit, npm audit, cargo-audit, safety and osv-scanner never give one; grype
//!    and trivy on a directory rarely) is placed on the lockfile entry that pins it, read with
//!    `crate::lockfile`: same ecosystem and name (PEP 503 for PyPI), the same version when
//!    both say one (an unpinned requirement line also matches), preferring the lockfile the
//!    tool named. A package finding without a version gets the lockfile's. When nothing
//!    matches, the finding stays on the file the tool named at line 1 (or without a location
//!    when it named none) and is listed in [`NormaliseReport::unplaced`]. Any other location
//!    still at line 0 (a whole-file check) becomes line 1, column 1: after `normalise` every
//!    location is 1-based.
//! 3. **Duplicates across tools** — the same vulnerability reported by two tools (an advisory
//!    id or alias in common, the same package name and version, and the same file when both
//!    name one) becomes one finding, kept in the run that comes first in tool-name order, with
//!    the other tool in `also_reported_by`; the ids, fixed versions and the rating are combined
//!    (a CVSS-backed severity wins over a tool's default; otherwise the more severe). Rules
//!    left without findings by the merge are dropped from the run they belonged to.
//! 4. **Order** — runs sorted by tool name; findings by path, position, rule and message
//!    (findings without a location last); `also_reported_by` sorted.
//! 5. **Fingerprints** — every finding's [`ScanFinding::fingerprint`], from the offending text
//!    read under `repo_root` ([`crate::scanners::fingerprint`]).
//!
//! It never fails: an unreadable lockfile is listed in
//! [`NormaliseReport::unreadable_lockfiles`] and its packages are simply not found.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use crate::finding::{Location, Pos};
use crate::lockfile::{self, pep503};
use crate::scanners::model::{PackageRef, ScanFinding, ToolRun};
use crate::workspace::WorkspaceFile;

/// What normalisation could not settle, for the runner to decide on. Every list is sorted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NormaliseReport {
    /// `(tool, path)` of locations outside the repository, deduplicated.
    pub outside_root: Vec<(String, String)>,
    /// `(tool, "name version")` of dependency findings no lockfile entry matched.
    pub unplaced: Vec<(String, String)>,
    /// How many findings were merged into another tool's finding.
    pub merged: usize,
    /// Lockfiles that could not be read, with the reason.
    pub unreadable_lockfiles: Vec<String>,
}

/// See the module comment.
pub fn normalise(
    runs: &mut [ToolRun],
    repo_root: &Path,
    lockfiles: &[WorkspaceFile],
) -> NormaliseReport {
    let mut report = NormaliseReport::default();
    runs.sort_by(|a, b| a.tool.cmp(&b.tool));
    let root = root_string(repo_root);
    let root_exists = repo_root.is_dir();
    let mut outside = BTreeSet::new();
    for run in runs.iter_mut() {
        for f in &mut run.findings {
            if let Some(loc) = &mut f.location {
                let (path, inside) = relativise(&loc.path, &root);
                let inside =
                    inside && (!root_exists || path.is_empty() || repo_root.join(&path).exists());
                if !inside {
                    outside.insert((run.tool.clone(), path.clone()));
                }
                loc.path = path;
            }
        }
    }
    report.outside_root = outside.into_iter().collect();

    let index = LockIndex::build(lockfiles, &mut report.unreadable_lockfiles);
    let mut unplaced = BTreeSet::new();
    for run in runs.iter_mut() {
        for f in &mut run.findings {
            let needs_line = f.location.as_ref().is_none_or(|l| l.start.line == 0);
            if needs_line && let Some(pkg) = &mut f.package {
                let named = f.location.as_ref().map(|l| l.path.as_str());
                if let Some(entry) = index.find(pkg, named) {
                    if pkg.version.is_none() {
                        pkg.version = entry.version.clone();
                    }
                    f.location = Some(entry.location.clone());
                } else {
                    let what = match &pkg.version {
                        Some(v) => format!("{} {v}", pkg.name),
                        None => pkg.name.clone(),
                    };
                    unplaced.insert((run.tool.clone(), what));
                }
            }
            if let Some(loc) = &mut f.location
                && loc.start.line == 0
            {
                loc.start = Pos::new(1, 1);
                loc.end = Pos::new(1, 1);
            }
        }
    }
    report.unplaced = unplaced.into_iter().collect();

    report.merged = merge(runs);

    for run in runs.iter_mut() {
        for f in &mut run.findings {
            f.also_reported_by.sort();
            f.also_reported_by.dedup();
        }
        run.findings.sort_by(|a, b| order_key(a).cmp(&order_key(b)));
        run.rules.sort_by(|a, b| a.id.cmp(&b.id));
    }
    super::fingerprint::assign(runs, repo_root);
    report
}

type OrderKey<'a> = (
    bool,
    Option<&'a Location>,
    &'a str,
    &'a str,
    Option<(&'a str, Option<&'a str>)>,
);

fn order_key(f: &ScanFinding) -> OrderKey<'_> {
    (
        f.location.is_none(),
        f.location.as_ref(),
        f.rule_id.as_str(),
        f.message.as_str(),
        f.package
            .as_ref()
            .map(|p| (p.name.as_str(), p.version.as_deref())),
    )
}

/// The root as a `/`-separated string without a trailing `/`.
fn root_string(root: &Path) -> String {
    let s = root.to_string_lossy().replace('\\', "/");
    let s = s.trim_end_matches('/');
    s.strip_prefix("./").unwrap_or(s).to_string()
}

/// The repository-relative form of `path` and whether it is inside the root (as far as the text
/// tells; `normalise` also checks the file exists when the root does).
pub fn relativise(path: &str, root: &str) -> (String, bool) {
    let mut p = path.trim().replace('\\', "/");
    if let Some(rest) = p.strip_prefix("file://") {
        // file:///abs/path, or file://host/abs/path (a host of localhost or empty in practice).
        p = match rest.find('/') {
            Some(0) => rest.to_string(),
            Some(i) => rest[i..].to_string(),
            None => rest.to_string(),
        };
        // file:///C:/x is the Windows path C:/x.
        if p.len() > 3 && p.as_bytes()[2] == b':' && p.starts_with('/') {
            p.remove(0);
        }
    }
    let absolute = p.starts_with('/') || (p.len() > 2 && p.as_bytes()[1] == b':');
    if absolute {
        let under = |prefix: &str| -> Option<String> {
            if prefix.is_empty() {
                return None;
            }
            let rest = p.strip_prefix(prefix)?;
            (rest.is_empty() || rest.starts_with('/'))
                .then(|| rest.trim_start_matches('/').to_string())
        };
        let rel = under(root).or_else(|| {
            // A Windows root and path may differ in the drive letter's case.
            if root.len() > 1 && root.as_bytes()[1] == b':' {
                // `get`, not slicing: the root's length may fall inside a character of `p`.
                let head = p.get(..root.len())?;
                let rest = p.get(root.len()..)?;
                (head.eq_ignore_ascii_case(root) && (rest.is_empty() || rest.starts_with('/')))
                    .then(|| rest.trim_start_matches('/').to_string())
            } else {
                None
            }
        });
        // The Docker action's workspace: paths written by a tool inside that container.
        let rel = rel.or_else(|| under("/github/workspace"));
        return match rel {
            Some(r) => clean(&r),
            None => (p, false),
        };
    }
    clean(&p)
}

/// `./a/../b` -> `b`; a path climbing out of the root is outside.
fn clean(rel: &str) -> (String, bool) {
    let mut parts: Vec<&str> = Vec::new();
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return (rel.to_string(), false);
                }
            }
            s => parts.push(s),
        }
    }
    (parts.join("/"), true)
}

/// A package name as compared within its ecosystem.
fn name_key(ecosystem: Option<&str>, name: &str) -> String {
    match ecosystem {
        Some("PyPI") => pep503(name),
        Some("npm") | Some("crates.io") => name.to_string(),
        _ => name.to_ascii_lowercase(),
    }
}

struct Entry {
    file: String,
    version: Option<String>,
    location: Location,
}

/// Lockfile entries by (ecosystem, name key).
struct LockIndex {
    by_name: HashMap<(String, String), Vec<Entry>>,
}

impl LockIndex {
    fn build(lockfiles: &[WorkspaceFile], errors: &mut Vec<String>) -> Self {
        let mut by_name: HashMap<(String, String), Vec<Entry>> = HashMap::new();
        let mut files: Vec<&WorkspaceFile> = lockfiles
            .iter()
            .filter(|f| lockfile::is_readable(f.kind))
            .collect();
        files.sort_by(|a, b| a.rel.cmp(&b.rel));
        for file in files {
            let packages = match lockfile::read(file) {
                Ok(p) => p,
                Err(e) => {
                    errors.push(e.to_string());
                    continue;
                }
            };
            for p in packages {
                let eco = p.ecosystem.osv_name();
                let mut location = p.location;
                // Lockfile readers name the report-relative path; findings are repo-relative.
                location.path = file.rel.clone();
                by_name
                    .entry((eco.to_string(), name_key(Some(eco), &p.name)))
                    .or_default()
                    .push(Entry {
                        file: file.rel.clone(),
                        version: p.version,
                        location,
                    });
            }
        }
        errors.sort();
        Self { by_name }
    }

    /// The best entry for `pkg`: in the file the tool named first, then an exact version, then
    /// an unpinned entry, then (when the tool gave no version) any.
    fn find(&self, pkg: &PackageRef, named_file: Option<&str>) -> Option<&Entry> {
        let candidates: Vec<&Entry> = match pkg.ecosystem.as_deref() {
            Some(eco) => self
                .by_name
                .get(&(eco.to_string(), name_key(Some(eco), &pkg.name)))
                .map(|v| v.iter().collect())
                .unwrap_or_default(),
            // No ecosystem (an OS package, a CycloneDX component): only in the file the tool
            // named, whatever its ecosystem.
            None => {
                let file = named_file?;
                let mut all: Vec<&Entry> = self
                    .by_name
                    .iter()
                    .filter(|((eco, key), _)| *key == name_key(Some(eco), &pkg.name))
                    .flat_map(|(_, v)| v.iter())
                    .filter(|e| e.file == file)
                    .collect();
                all.sort_by(|a, b| a.location.cmp(&b.location));
                all
            }
        };
        let rank = |e: &Entry| -> Option<u8> {
            let version = match (&pkg.version, &e.version) {
                (Some(want), Some(have)) if want == have => 0,
                (Some(_), None) => 1,
                (None, _) => 2,
                (Some(_), Some(_)) => return None,
            };
            let file = u8::from(named_file.is_some_and(|f| f != e.file));
            Some(file * 3 + version)
        };
        candidates
            .into_iter()
            .filter_map(|e| rank(e).map(|r| (r, e)))
            .min_by(|(ra, a), (rb, b)| {
                ra.cmp(rb)
                    .then_with(|| a.file.cmp(&b.file))
                    .then_with(|| a.location.cmp(&b.location))
            })
            .map(|(_, e)| e)
    }
}

/// Every id a package finding is known by.
fn ids(p: &PackageRef) -> BTreeSet<&str> {
    std::iter::once(p.advisory.as_str())
        .chain(p.aliases.iter().map(String::as_str))
        .collect()
}

/// Two package findings of different tools are the same vulnerability.
fn same_vulnerability(a: &ScanFinding, b: &ScanFinding) -> bool {
    let (Some(pa), Some(pb)) = (&a.package, &b.package) else {
        return false;
    };
    if let (Some(ea), Some(eb)) = (&pa.ecosystem, &pb.ecosystem)
        && ea != eb
    {
        return false;
    }
    let eco = pa.ecosystem.as_deref().or(pb.ecosystem.as_deref());
    if name_key(eco, &pa.name) != name_key(eco, &pb.name) {
        return false;
    }
    if pa.version.is_none() || pa.version != pb.version {
        return false;
    }
    if let (Some(la), Some(lb)) = (&a.location, &b.location)
        && la.path != lb.path
    {
        return false;
    }
    !ids(pa).is_disjoint(&ids(pb))
}

/// Folds `other` (from `tool`) into `keep`.
fn absorb(keep: &mut ScanFinding, other: &ScanFinding, tool: &str) {
    keep.also_reported_by.push(tool.to_string());
    keep.also_reported_by
        .extend(other.also_reported_by.iter().cloned());
    match (keep.cvss, other.cvss) {
        (None, Some(_)) => {
            keep.severity = other.severity;
            keep.cvss = other.cvss;
        }
        (Some(a), Some(b)) => {
            keep.severity = keep.severity.min(other.severity);
            keep.cvss = Some(a.max(b));
        }
        (Some(_), None) => {}
        (None, None) => keep.severity = keep.severity.min(other.severity),
    }
    if keep.location.is_none() {
        keep.location = other.location.clone();
    }
    if let (Some(k), Some(o)) = (&mut keep.package, &other.package) {
        let mut aliases: BTreeSet<String> = k.aliases.drain(..).collect();
        aliases.insert(o.advisory.clone());
        aliases.extend(o.aliases.iter().cloned());
        aliases.remove(&k.advisory);
        k.aliases = aliases.into_iter().collect();
        for v in &o.fixed_versions {
            if !k.fixed_versions.contains(v) {
                k.fixed_versions.push(v.clone());
            }
        }
        if k.ecosystem.is_none() {
            k.ecosystem = o.ecosystem.clone();
        }
    }
}

/// Merges duplicates across runs (sorted by tool); returns how many findings were folded.
fn merge(runs: &mut [ToolRun]) -> usize {
    let mut merged = 0;
    for later in 1..runs.len() {
        let (before, rest) = runs.split_at_mut(later);
        let run = &mut rest[0];
        let referenced_before: BTreeSet<String> =
            run.findings.iter().map(|f| f.rule_id.clone()).collect();
        let tool = run.tool.clone();
        let mut kept = Vec::with_capacity(run.findings.len());
        for f in run.findings.drain(..) {
            let target = before
                .iter_mut()
                .filter(|r| r.tool != tool)
                .flat_map(|r| r.findings.iter_mut())
                .find(|k| same_vulnerability(k, &f));
            match target {
                Some(k) => {
                    absorb(k, &f, &tool);
                    merged += 1;
                }
                None => kept.push(f),
            }
        }
        run.findings = kept;
        let referenced_after: BTreeSet<&str> =
            run.findings.iter().map(|f| f.rule_id.as_str()).collect();
        run.rules.retain(|r| {
            !referenced_before.contains(&r.id) || referenced_after.contains(r.id.as_str())
        });
    }
    merged
}

#[cfg(test)]
mod tests;
