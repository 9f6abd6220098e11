//! From the ids OSV names for a package to findings, on real records (`tests/data/osv/records/`) and
//! packages read from real lockfiles. The batch answers themselves are not recorded for these
//! packages, so each case names the ids a real scanner reported for the same lockfile (cargo-audit
//! on `multi_vuln`) or the record's own affected range that holds the pinned version; the HTTP
//! side is tested against the fake server in `tests/osv_api.rs`.

use super::*;
use crate::lockfile::{Siblings, read_text};

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/");

fn packages(kind: FileKind, rel: &str) -> Vec<Package> {
    let text = std::fs::read_to_string(format!("{SHARED}{rel}")).expect("read lockfile");
    read_text(kind, rel, &text, &Siblings::none()).expect("lockfile")
}

fn record(id: &str) -> Vuln {
    let text =
        std::fs::read_to_string(format!("{SHARED}osv/records/{id}.json")).expect("read record");
    serde_json::from_str(&text).expect("OSV record")
}

/// Findings for the packages named in `answers` (name, version -> ids OSV gives), with every
/// record fetched from `tests/data/osv/records/`.
fn findings(
    ps: &[Package],
    answers: &[(&str, &str, &[&str])],
) -> (Vec<ScanRule>, Vec<ScanFinding>) {
    let mut order = Vec::new();
    let mut members: HashMap<Query, Vec<usize>> = HashMap::new();
    let mut records = BTreeMap::new();
    for (i, p) in ps.iter().enumerate() {
        if answers
            .iter()
            .any(|(n, v, _)| *n == p.name && p.version.as_deref() == Some(*v))
            && let Some(q) = Query::of(p)
        {
            let m = members.entry(q.clone()).or_default();
            if m.is_empty() {
                order.push(q);
            }
            m.push(i);
        }
    }
    let mut ids_of: HashMap<&Query, Vec<String>> = HashMap::new();
    for q in &order {
        let (_, _, ids) = answers
            .iter()
            .find(|(n, v, _)| *n == q.name && ps.iter().any(|p| p.version.as_deref() == Some(*v)))
            .expect("answer");
        for id in *ids {
            if std::path::Path::new(&format!("{SHARED}osv/records/{id}.json")).exists() {
                records.insert(id.to_string(), record(id));
            }
        }
        ids_of.insert(q, ids.iter().map(|s| s.to_string()).collect());
    }
    assert_eq!(
        order.len(),
        answers.len(),
        "every answered package is in the lockfile"
    );
    assemble(ps, &order, &members, &ids_of, &records)
}

fn summary(
    f: &ScanFinding,
) -> (
    String,
    String,
    u32,
    Vec<String>,
    Vec<String>,
    Severity,
    Option<f32>,
) {
    let p = f.package.as_ref().expect("package");
    let l = f.location.as_ref().expect("location");
    (
        f.rule_id.clone(),
        format!("{}@{}", p.name, p.version.clone().unwrap_or_default()),
        l.start.line,
        p.aliases.clone(),
        p.fixed_versions.clone(),
        f.severity,
        f.cvss,
    )
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

/// cargo-audit 0.22.2 reports RUSTSEC-2021-0003 (smallvec) and RUSTSEC-2020-0071 (time) for this
/// lockfile (`scanner-outputs/cargo-audit/cargo-audit-multi_vuln.json`). OSV also names the GHSA
/// twin of the time advisory; the twins are one finding, named after the rated GHSA record.
#[test]
fn cargo_twins_are_one_finding_at_the_package_entry() {
    let ps = packages(
        FileKind::Lockfile(Lockfile::CargoLock),
        "scanner-outputs/cargo-audit/sample/multi_vuln/Cargo.lock",
    );
    let (rules, fs) = findings(
        &ps,
        &[
            ("smallvec", "1.6.0", &["RUSTSEC-2021-0003"]),
            (
                "time",
                "0.1.43",
                &["GHSA-wcg3-cvx6-7396", "RUSTSEC-2020-0071"],
            ),
        ],
    );
    let got: Vec<_> = fs.iter().map(summary).collect();
    assert_eq!(
        got,
        vec![
            (
                "osv/RUSTSEC-2021-0003".into(),
                "smallvec@1.6.0".into(),
                52,
                s(&["CVE-2021-25900", "GHSA-43w2-9j62-hq99"]),
                s(&["1.6.1"]),
                // No severity word in RustSec records: the CVSS 3.1 vector's 9.8 decides.
                Severity::Critical,
                Some(9.8),
            ),
            (
                "osv/GHSA-wcg3-cvx6-7396".into(),
                "time@0.1.43".into(),
                58,
                s(&["CVE-2020-26235", "RUSTSEC-2020-0071"]),
                s(&["0.2.23"]),
                // GitHub's MODERATE wins over the 6.2 of the vector (the same band anyway).
                Severity::Medium,
                Some(6.2),
            ),
        ]
    );
    assert_eq!(
        fs[1].message,
        "time 0.1.43 is affected by GHSA-wcg3-cvx6-7396 (CVE-2020-26235, RUSTSEC-2020-0071): \
         Segmentation fault in time. Fixed in 0.2.23: upgrade time to 0.2.23."
    );
    assert_eq!(
        fs[1].location.as_ref().map(|l| l.path.as_str()),
        Some("scanner-outputs/cargo-audit/sample/multi_vuln/Cargo.lock")
    );
    let ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["osv/GHSA-wcg3-cvx6-7396", "osv/RUSTSEC-2021-0003"]);
    assert_eq!(
        rules[0].help_uri.as_deref(),
        Some("https://osv.dev/vulnerability/GHSA-wcg3-cvx6-7396")
    );
}

/// pip-audit's sample requirements (a real scanner input): requests 2.19.1 is in the range of
/// GHSA-x84v-xcm2-53pg (< 2.20.0) and of the GHSA-j8r2-6x86-q33q / PYSEC-2023-74 twins
/// (>= 2.3.0, < 2.31.0); PyYAML 5.3 in GHSA-8q59-q68h-6hv4 (< 5.4).
#[test]
fn pypi_twins_merge_and_distinct_advisories_stay_apart() {
    let ps = packages(
        FileKind::Lockfile(Lockfile::Requirements),
        "scanner-outputs/pip-audit/sample/requirements.txt",
    );
    let (_, fs) = findings(
        &ps,
        &[
            (
                "requests",
                "2.19.1",
                &[
                    "GHSA-j8r2-6x86-q33q",
                    "GHSA-x84v-xcm2-53pg",
                    "PYSEC-2023-74",
                ],
            ),
            ("PyYAML", "5.3", &["GHSA-8q59-q68h-6hv4"]),
        ],
    );
    let got: Vec<_> = fs.iter().map(summary).collect();
    assert_eq!(
        got,
        vec![
            (
                "osv/GHSA-j8r2-6x86-q33q".into(),
                "requests@2.19.1".into(),
                1,
                s(&["CVE-2023-32681", "PYSEC-2023-74"]),
                s(&["2.31.0"]),
                Severity::Medium,
                Some(6.1),
            ),
            (
                "osv/GHSA-x84v-xcm2-53pg".into(),
                "requests@2.19.1".into(),
                1,
                s(&["CVE-2018-18074"]),
                s(&["2.20.0"]),
                Severity::High,
                Some(7.5),
            ),
            (
                "osv/GHSA-8q59-q68h-6hv4".into(),
                "PyYAML@5.3".into(),
                4,
                s(&["CVE-2020-14343"]),
                s(&["5.4"]),
                Severity::Critical,
                Some(9.8),
            ),
        ]
    );
}

/// `time` 0.3.41 (a real Cargo.lock of the corpus) is in RUSTSEC-2026-0009's range
/// (>= 0.3.6, < 0.3.47), whose only severity is a CVSS v4 vector: not scored, no severity word,
/// so the finding is medium and says the advisory gives no severity.
#[test]
fn cvss_v4_only_is_unrated() {
    let ps = packages(
        FileKind::Lockfile(Lockfile::CargoLock),
        "corpus/huggingface__text-generation-inference/Cargo.lock",
    );
    let (_, fs) = findings(&ps, &[("time", "0.3.41", &["RUSTSEC-2026-0009"])]);
    assert_eq!(fs.len(), 1);
    let (id, pkg, line, _, fixed, sev, cvss) = summary(&fs[0]);
    assert_eq!(
        (id.as_str(), pkg.as_str(), line, fixed, sev, cvss),
        (
            "osv/RUSTSEC-2026-0009",
            "time@0.3.41",
            4972,
            s(&["0.3.47"]),
            Severity::Medium,
            None
        )
    );
    assert!(
        fs[0].message.contains("The advisory gives no severity."),
        "{}",
        fs[0].message
    );
}

/// GO-2024-2730 (gorilla/sessions, every version) is withdrawn: a repository that requires the
/// module (a real go.mod of the corpus) gets no finding from it.
#[test]
fn withdrawn_record_is_skipped() {
    let ps = packages(
        FileKind::Manifest(Manifest::GoMod),
        "corpus/ministryofjustice__opg-modernising-lpa/go.mod",
    );
    let (rules, fs) = findings(
        &ps,
        &[("github.com/gorilla/sessions", "v1.4.0", &["GO-2024-2730"])],
    );
    assert!(record("GO-2024-2730").withdrawn.is_some());
    assert!(fs.is_empty(), "{fs:?}");
    assert!(rules.is_empty());
}

/// An id whose record could not be fetched still becomes a finding: OSV said the package is
/// affected.
#[test]
fn unfetched_record_keeps_its_finding() {
    let ps = packages(
        FileKind::Lockfile(Lockfile::Requirements),
        "scanner-outputs/pip-audit/sample/requirements.txt",
    );
    // PYSEC-2018-28 (the PYSEC twin of GHSA-x84v-xcm2-53pg) is not among the stored records.
    let (_, fs) = findings(&ps, &[("requests", "2.19.1", &["PYSEC-2018-28"])]);
    assert_eq!(fs.len(), 1);
    assert_eq!(fs[0].rule_id, "osv/PYSEC-2018-28");
    assert_eq!(fs[0].severity, Severity::Medium);
    assert_eq!(
        fs[0].message,
        "requests 2.19.1 is affected by PYSEC-2018-28: the advisory's record could not be fetched \
         from OSV. The advisory gives no severity. No fixed version is published."
    );
}

#[test]
fn records_of_every_shape_parse() {
    let dir = format!("{SHARED}osv/records/");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).expect("records") {
        let path = e.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("read");
        let v: Vuln = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        assert!(!v.id.is_empty());
        n += 1;
    }
    assert_eq!(n, 43);
    // The two records osv.dev serves by id (exact slices of recorded responses) parse too.
    for f in [
        "vulns.GHSA-p6mc-m468-83gw.response.200.json",
        "vulns.PYSEC-2019-217.response.200.json",
    ] {
        let text = std::fs::read_to_string(format!("{SHARED}osv/api/{f}")).expect("read");
        let v: Vuln = serde_json::from_str(&text).expect("record");
        assert!(v.id.starts_with("GHSA-") || v.id.starts_with("PYSEC-"));
    }
}

/// Fixed versions come from the ranges that hold the version; the other release lines' fixes are
/// left out (GHSA-vh95-rmgr-6w4m: minimist < 0.2.1 and 1.0.0 - 1.2.3).
#[test]
fn fixes_of_the_holding_line_only() {
    let v = record("GHSA-vh95-rmgr-6w4m");
    let q = |version: &str| Query {
        ecosystem: "npm",
        name: "minimist".into(),
        version: version.into(),
    };
    assert_eq!(fixed_versions(&[&v], &q("1.2.0")), ["1.2.3"]);
    assert_eq!(fixed_versions(&[&v], &q("0.0.8")), ["0.2.1"]);
    // The real data bug in GHSA-r683-j2x4-v87g (fixed below introduced): no range holds the
    // version, so every listed fix is named rather than none.
    let nf = record("GHSA-r683-j2x4-v87g");
    let q = Query {
        ecosystem: "npm",
        name: "node-fetch".into(),
        version: "2.6.0".into(),
    };
    assert_eq!(fixed_versions(&[&nf], &q), ["1.0.0"]);
}

#[test]
fn pypi_names_match_normalised() {
    let v = record("GHSA-jh3w-4vvf-mjgr"); // affected package spelled "Django"
    let q = Query {
        ecosystem: "PyPI",
        name: "django".into(),
        version: "4.2.1".into(),
    };
    assert_eq!(fixed_versions(&[&v], &q), ["4.2.3"]);
}

#[test]
fn informational_rustsec_advisory_is_low() {
    let v = record("RUSTSEC-2021-0139");
    let q = Query {
        ecosystem: "crates.io",
        name: "ansi_term".into(),
        version: "0.12.1".into(),
    };
    assert_eq!(informational(&v, &q).as_deref(), Some("unmaintained"));
    assert_eq!(db_severity(&v), None);
}

#[test]
fn batch_answers_parse_as_recorded() {
    let read = |f: &str| -> Value {
        let t = std::fs::read_to_string(format!("{SHARED}osv/api/{f}")).expect("read");
        serde_json::from_str(&t).expect("json")
    };
    let r = parse_batch(&read("querybatch.npm-go-packagist.response.200.json"), 7).expect("ok");
    let ids: Vec<Vec<String>> = r.into_iter().map(|r| r.ids).collect();
    assert_eq!(ids[2], ["GHSA-9f46-5r25-5wfm"]);
    assert_eq!(ids[3], ids[4]);
    assert!(ids[0].is_empty() && ids[6].is_empty());
    // A result count that does not match the queries is refused, not guessed.
    assert!(
        parse_batch(&read("querybatch.single-no-vulns.response.200.json"), 2)
            .is_err_and(|e| e.contains("1 result for 2 queries"))
    );
    // `{}` (the answer to a request without queries) has no results at all.
    assert!(parse_batch(&read("querybatch.empty-queries.response.200.json"), 1).is_err());
}

#[test]
fn go_versions_lose_their_v_and_ecosystems_are_named_as_osv_names_them() {
    let ps = packages(
        FileKind::Manifest(Manifest::GoMod),
        "corpus/ministryofjustice__opg-modernising-lpa/go.mod",
    );
    let p = ps
        .iter()
        .find(|p| p.name == "github.com/gorilla/sessions")
        .expect("sessions");
    let q = Query::of(p).expect("query");
    assert_eq!(
        q.to_json(None),
        json!({"package": {"ecosystem": "Go", "name": "github.com/gorilla/sessions"}, "version": "1.4.0"})
    );
    assert_eq!(
        q.to_json(Some("tok"))["page_token"],
        Value::String("tok".into())
    );
}
