//! CVSS v3.0 / v3.1 base score from a vector string, for sources that give only the vector (OSV's
//! `severity[].score`, cargo-audit's `advisory.cvss`, osv-scanner's records). The formulas and the `Roundup` function are those of the CVSS v3.1 specification,
//! section 7.1 and Appendix A; v3.1 changed only `Roundup`'s floating-point care, so v3.0 vectors
//! score the same. Temporal and environmental metrics are ignored: OSV scores are base scores.
//! CVSS v4 vectors are not scored here (their scoring needs the v4 lookup tables); callers fall
//! back to the advisory's own severity word.

use crate::finding::Severity;

/// The qualitative rating of a base score (FIRST's CVSS v3 table; the bands code scanning reads
/// `security-severity` by): 9.0+ critical, 7.0+ high, 4.0+ medium, above 0 low, 0 none (info).
pub fn rating(score: f64) -> Severity {
    if score >= 9.0 {
        Severity::Critical
    } else if score >= 7.0 {
        Severity::High
    } else if score >= 4.0 {
        Severity::Medium
    } else if score > 0.0 {
        Severity::Low
    } else {
        Severity::Info
    }
}

/// The base score (0.0-10.0, one decimal), or `None` for anything but a complete v3.x vector.
pub fn base_score_v3(vector: &str) -> Option<f32> {
    let rest = vector
        .trim()
        .strip_prefix("CVSS:3.1/")
        .or_else(|| vector.trim().strip_prefix("CVSS:3.0/"))?;
    let mut m: [Option<&str>; 8] = [None; 8];
    const KEYS: [&str; 8] = ["AV", "AC", "PR", "UI", "S", "C", "I", "A"];
    for part in rest.split('/') {
        let (k, v) = part.split_once(':')?;
        if let Some(i) = KEYS.iter().position(|x| *x == k) {
            if m[i].is_some() {
                return None; // a metric given twice is not a valid vector
            }
            m[i] = Some(v);
        }
    }
    let [av, ac, pr, ui, s, c, i, a] = m;
    let changed = match s? {
        "U" => false,
        "C" => true,
        _ => return None,
    };
    let av = match av? {
        "N" => 0.85,
        "A" => 0.62,
        "L" => 0.55,
        "P" => 0.2,
        _ => return None,
    };
    let ac = match ac? {
        "L" => 0.77,
        "H" => 0.44,
        _ => return None,
    };
    let pr = match (pr?, changed) {
        ("N", _) => 0.85,
        ("L", false) => 0.62,
        ("L", true) => 0.68,
        ("H", false) => 0.27,
        ("H", true) => 0.5,
        _ => return None,
    };
    let ui = match ui? {
        "N" => 0.85,
        "R" => 0.62,
        _ => return None,
    };
    let cia = |v: Option<&str>| -> Option<f64> {
        match v? {
            "H" => Some(0.56),
            "L" => Some(0.22),
            "N" => Some(0.0),
            _ => None,
        }
    };
    let (c, i, a) = (cia(c)?, cia(i)?, cia(a)?);
    let iss = 1.0 - (1.0 - c) * (1.0 - i) * (1.0 - a);
    let impact = if changed {
        7.52 * (iss - 0.029) - 3.25 * (iss - 0.02f64).powi(15)
    } else {
        6.42 * iss
    };
    let exploitability = 8.22 * av * ac * pr * ui;
    let score = if impact <= 0.0 {
        0.0
    } else if changed {
        roundup((1.08 * (impact + exploitability)).min(10.0))
    } else {
        roundup((impact + exploitability).min(10.0))
    };
    Some(score as f32)
}

/// The smallest number with one decimal that is equal to or above `x` (CVSS v3.1 Appendix A).
fn roundup(x: f64) -> f64 {
    let int_input = (x * 100_000.0).round() as i64;
    if int_input % 10_000 == 0 {
        int_input as f64 / 100_000.0
    } else {
        ((int_input / 10_000) + 1) as f64 / 10.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Vectors from the OSV records in `tests/data/osv/records/`, with the base scores NVD and
    /// GitHub publish for them.
    #[test]
    fn scores_of_real_vectors() {
        for (vector, score) in [
            // GHSA-jfh8-c2jp-5v3q (Log4Shell, CVE-2021-44228): 10.0
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
            // GHSA-8q59-q68h-6hv4 (PyYAML), GHSA-9f46-5r25-5wfm (flysystem): 9.8
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
            // RUSTSEC-2018-0003 (smallvec, CVE-2018-20991), a CVSS 3.0 vector: 9.8
            ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
            // GHSA-c2qf-rxjj-qqgw (semver, CVE-2022-25883): 7.5
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5),
            // GHSA-m2qf-hxjv-5gpq (flask, CVE-2023-30861): 7.5
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5),
            // GHSA-p6mc-m468-83gw (lodash, CVE-2020-8203): 7.4
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H", 7.4),
            // RUSTSEC-2020-0071 / GHSA-wcg3-cvx6-7396 (time, CVE-2020-26235): 6.2
            ("CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 6.2),
            // GHSA-j8r2-6x86-q33q (requests, CVE-2023-32681): 6.1
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N", 6.1),
            // GHSA-vh95-rmgr-6w4m (minimist, CVE-2020-7598): 5.6
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:L", 5.6),
            // GHSA-h5c8-rqwp-cp95 (jinja2, CVE-2024-22195): 5.4
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N", 5.4),
            // GHSA-269g-pwp5-87pp (junit, CVE-2020-15250): 4.4
            ("CVSS:3.1/AV:L/AC:H/PR:L/UI:R/S:U/C:H/I:N/A:N", 4.4),
        ] {
            assert_eq!(base_score_v3(vector), Some(score), "{vector}");
        }
    }

    #[test]
    fn more_real_vectors_and_other_versions() {
        // NVD's scores: a 6.1 with scope change, a 3.0 vector with scope change, no impact.
        for (vector, score) in [
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
            ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
            ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:N", 0.0),
        ] {
            assert_eq!(base_score_v3(vector), Some(score), "{vector}");
        }
        // CVSS v2 vectors have no prefix and are not scored.
        assert_eq!(base_score_v3("AV:N/AC:L/Au:N/C:P/I:P/A:P"), None);
    }

    #[test]
    fn not_scored() {
        assert_eq!(
            base_score_v3("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N"),
            None
        );
        assert_eq!(base_score_v3("CVSS:3.1/AV:N/AC:L"), None);
        assert_eq!(
            base_score_v3("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            None
        );
        assert_eq!(base_score_v3(""), None);
        // No impact at all scores 0.
        assert_eq!(
            base_score_v3("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N"),
            Some(0.0)
        );
    }
}
