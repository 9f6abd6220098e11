//! Software Bills of Materials from the repository's lockfiles: CycloneDX 1.6 JSON and
//! SPDX 2.3 JSON.
//!
//! [`collect`] reads every lockfile of a [`Workspace`] with `crate::lockfile` and merges the
//! packages by purl; the writers turn the result into a document. Output is deterministic:
//! components, dependencies and relationships are sorted, and the timestamp comes from
//! `SOURCE_DATE_EPOCH` when it is set; the serial number is derived from the content and the
//! timestamp, so two builds of the same commit give identical files.

pub mod cyclonedx;
pub mod spdx;

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use crate::finding::Location;
use crate::lockfile::{self, Ecosystem, Hash, LockfileError, Package, Scope};
use crate::workspace::{FileKind, Lockfile, Manifest, Workspace};

/// One component of the SBOM: every package with the same purl, merged.
#[derive(Clone, Debug)]
pub struct Component {
    pub purl: String,
    pub name: String,
    pub version: Option<String>,
    pub ecosystem: Ecosystem,
    /// Direct in at least one lockfile.
    pub direct: Option<bool>,
    /// Production if any lockfile says so, else development if any does, else unknown.
    pub scope: Scope,
    pub hashes: BTreeSet<Hash>,
    pub license: Option<String>,
    pub occurrences: BTreeSet<Location>,
    pub dependencies: BTreeSet<String>,
    /// The specifier of an unpinned requirement.
    pub requirement: Option<String>,
}

/// What the writers need: the root, the components sorted by purl, and what could not be read.
#[derive(Clone, Debug)]
pub struct Inventory {
    /// The repository (or the folder of repositories) the SBOM describes.
    pub root_name: String,
    pub components: Vec<Component>,
    /// Lockfiles read, relative to the report root, sorted.
    pub lockfiles: Vec<String>,
    /// Lockfiles that could not be read: their packages are missing from the SBOM.
    pub errors: Vec<LockfileError>,
}

/// Read every lockfile of `ws`. A `go.sum` beside a `go.mod` is not read: the `go.mod` lists
/// the build's modules, `go.sum` also older versions no longer built.
pub fn collect(ws: &Workspace) -> Inventory {
    let mut files = Vec::new();
    for repo in &ws.repositories {
        let mod_dirs: BTreeSet<&str> = repo
            .files
            .iter()
            .filter(|f| f.kind == FileKind::Manifest(Manifest::GoMod))
            .map(|f| f.rel.rsplit_once('/').map(|(d, _)| d).unwrap_or(""))
            .collect();
        for f in &repo.files {
            if !lockfile::is_readable(f.kind) {
                continue;
            }
            let dir = f.rel.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            if f.kind == FileKind::Lockfile(Lockfile::GoSum) && mod_dirs.contains(dir) {
                continue;
            }
            files.push(f);
        }
    }
    files.sort_by(|a, b| a.display.cmp(&b.display));
    let results: Vec<_> = {
        use rayon::prelude::*;
        files.par_iter().map(|f| lockfile::read(f)).collect()
    };
    let mut packages = Vec::new();
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(p) => packages.extend(p),
            Err(e) => errors.push(e),
        }
    }
    let root_name = match ws.repositories.as_slice() {
        [one] => one.name().to_string(),
        _ => ws
            .report_root
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(".")
            .to_string(),
    };
    Inventory {
        root_name,
        components: merge(packages),
        lockfiles: files.iter().map(|f| f.display.clone()).collect(),
        errors,
    }
}

/// Merge packages by purl, sorted by purl.
pub fn merge(packages: Vec<Package>) -> Vec<Component> {
    let mut by_purl: BTreeMap<String, Component> = BTreeMap::new();
    for p in packages {
        let c = by_purl.entry(p.purl.clone()).or_insert_with(|| Component {
            purl: p.purl.clone(),
            name: p.name.clone(),
            version: p.version.clone(),
            ecosystem: p.ecosystem,
            direct: None,
            scope: Scope::Unknown,
            hashes: BTreeSet::new(),
            license: None,
            occurrences: BTreeSet::new(),
            dependencies: BTreeSet::new(),
            requirement: None,
        });
        c.direct = match (c.direct, p.direct) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), _) | (_, Some(false)) => Some(false),
            _ => None,
        };
        c.scope = match (c.scope, p.scope) {
            (Scope::Production, _) | (_, Scope::Production) => Scope::Production,
            (Scope::Development, _) | (_, Scope::Development) => Scope::Development,
            _ => Scope::Unknown,
        };
        c.hashes.extend(p.hashes);
        if c.license.is_none() {
            c.license = p.license;
        }
        if c.requirement.is_none() {
            c.requirement = p.requirement;
        }
        c.occurrences.insert(p.location);
        c.dependencies.extend(p.dependencies);
    }
    let known: BTreeSet<String> = by_purl.keys().cloned().collect();
    for c in by_purl.values_mut() {
        c.dependencies.retain(|d| known.contains(d) && *d != c.purl);
    }
    by_purl.into_values().collect()
}

/// The repository's name in GitHub Actions (`GITHUB_REPOSITORY`, `owner/name`), where the
/// checkout's folder is whatever the runner or a Docker action made it (`/github/workspace`).
pub fn name_in_actions(env: impl Fn(&str) -> Option<String>) -> Option<String> {
    if env("GITHUB_ACTIONS").as_deref() != Some("true") {
        return None;
    }
    env("GITHUB_REPOSITORY").filter(|r| !r.trim().is_empty())
}

impl Inventory {
    /// What the root depends on: the direct components, and those of lockfiles that do not tell
    /// direct from transitive which no other component depends on.
    pub fn root_dependencies(&self) -> Vec<&Component> {
        let depended: BTreeSet<&str> = self
            .components
            .iter()
            .flat_map(|c| c.dependencies.iter().map(String::as_str))
            .collect();
        self.components
            .iter()
            .filter(|c| match c.direct {
                Some(d) => d,
                None => !depended.contains(c.purl.as_str()),
            })
            .collect()
    }
}

/// Time and identity of one SBOM.
#[derive(Clone, Debug)]
pub struct Stamp {
    /// RFC 3339, UTC, whole seconds.
    pub timestamp: String,
}

impl Stamp {
    /// `SOURCE_DATE_EPOCH` when it is set, else now. A value that is not a number of seconds is
    /// an error naming it: an SBOM silently stamped "now" would defeat the reproducible build
    /// that set it.
    pub fn from_env() -> Result<Self, String> {
        Self::from_source_date_epoch(std::env::var("SOURCE_DATE_EPOCH").ok().as_deref())
    }

    /// The stamp for a `SOURCE_DATE_EPOCH` value (`None` or empty: unset, so now). The value
    /// is whole seconds since 1970-01-01 UTC, up to the end of year 9999 (RFC 3339's last).
    pub fn from_source_date_epoch(value: Option<&str>) -> Result<Self, String> {
        const LAST: u64 = 253_402_300_799; // 9999-12-31T23:59:59Z
        let Some(v) = value.filter(|v| !v.is_empty()) else {
            return Ok(Self::at(
                i64::try_from(crate::time::epoch_now()).unwrap_or(i64::MAX),
            ));
        };
        match v.trim().parse::<u64>() {
            Ok(epoch) if epoch <= LAST => Ok(Self::at(i64::try_from(epoch).unwrap_or(i64::MAX))),
            _ => Err(format!(
                "SOURCE_DATE_EPOCH=`{v}` is not a number of seconds since 1970-01-01 (as \
                 `git log -1 --format=%ct` prints it)"
            )),
        }
    }

    pub fn at(epoch: i64) -> Self {
        Self {
            timestamp: crate::time::rfc3339(epoch),
        }
    }
}

/// A name-based UUID (version 5 layout, SHA-256 instead of SHA-1) of `parts`: the same
/// content and timestamp give the same serial number.
pub fn uuid_of(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    let mut b: [u8; 16] = h.finalize()[..16].try_into().unwrap_or([0; 16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = lockfile_hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &x[0..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..32]
    )
}

fn lockfile_hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

/// A digest of everything the SBOM says, for the serial number.
pub(crate) fn content_digest(inv: &Inventory) -> String {
    let mut h = Sha256::new();
    h.update(inv.root_name.as_bytes());
    for c in &inv.components {
        h.update(c.purl.as_bytes());
        h.update([0]);
        for d in &c.dependencies {
            h.update(d.as_bytes());
            h.update([1]);
        }
    }
    lockfile_hex(&h.finalize())
}

/// Whether `s` is an SPDX license expression in form: license ids (`MIT`, `Apache-2.0`,
/// `LicenseRef-x`, `GPL-2.0+`) joined by `AND`/`OR`/`WITH`, with parentheses. Ids are not
/// checked against the SPDX list.
pub fn is_spdx_expression(s: &str) -> bool {
    let spaced = s.replace('(', " ( ").replace(')', " ) ");
    let tokens: Vec<&str> = spaced.split_whitespace().collect();
    let mut pos = 0;
    fn id(t: &str) -> bool {
        let t = t.strip_suffix('+').unwrap_or(t);
        !t.is_empty()
            && !matches!(t, "AND" | "OR" | "WITH" | "and" | "or" | "with")
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b':')
    }
    fn expr(t: &[&str], pos: &mut usize, depth: usize) -> bool {
        if depth > 32 || !term(t, pos, depth) {
            return false;
        }
        while *pos < t.len() && matches!(t[*pos], "AND" | "OR" | "and" | "or") {
            *pos += 1;
            if !term(t, pos, depth) {
                return false;
            }
        }
        true
    }
    fn term(t: &[&str], pos: &mut usize, depth: usize) -> bool {
        match t.get(*pos) {
            Some(&"(") => {
                *pos += 1;
                if !expr(t, pos, depth + 1) || t.get(*pos) != Some(&")") {
                    return false;
                }
                *pos += 1;
                true
            }
            Some(x) if id(x) => {
                *pos += 1;
                if matches!(t.get(*pos), Some(&"WITH") | Some(&"with")) {
                    *pos += 1;
                    let ok = t.get(*pos).is_some_and(|x| id(x));
                    *pos += 1;
                    return ok;
                }
                true
            }
            _ => false,
        }
    }
    !tokens.is_empty() && expr(&tokens, &mut pos, 0) && pos == tokens.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_date_epoch_is_a_number_or_an_error_naming_it() {
        let stamp = |v| Stamp::from_source_date_epoch(v).map(|s| s.timestamp);
        assert_eq!(
            stamp(Some("1700000000")).as_deref(),
            Ok("2023-11-14T22:13:20Z")
        );
        assert_eq!(stamp(Some(" 0\n")).as_deref(), Ok("1970-01-01T00:00:00Z"));
        // Unset or empty: now.
        for unset in [None, Some("")] {
            let now = stamp(unset).expect("now");
            assert!(now.starts_with("20") && now.ends_with('Z'), "{now}");
        }
        for bad in ["yesterday", "1.5", "-1", "2023-11-14", "99999999999999"] {
            let e = stamp(Some(bad)).expect_err(bad);
            assert!(
                e.starts_with(&format!("SOURCE_DATE_EPOCH=`{bad}` is not a number")),
                "{e}"
            );
        }
    }

    #[test]
    fn uuids_are_rfc4122_shaped() {
        let u = uuid_of(&["a"]);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "5");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
        assert_eq!(u, uuid_of(&["a"]));
    }

    #[test]
    fn license_expressions() {
        for ok in [
            "MIT",
            "(MIT OR Apache-2.0)",
            "GPL-2.0+ WITH Classpath-exception-2.0",
            "MIT AND (BSD-3-Clause OR ISC)",
        ] {
            assert!(is_spdx_expression(ok), "{ok}");
        }
        for bad in [
            "Apache 2",
            "",
            "MIT OR",
            "(MIT",
            "SEE LICENSE IN LICENSE.md",
            "BSD*",
        ] {
            assert!(!is_spdx_expression(bad), "{bad}");
        }
    }
}
