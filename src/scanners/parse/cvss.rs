//! CVSS v3.0/v3.1 base score from a vector string, for tools that give only the vector
//! (cargo-audit's `advisory.cvss`, OSV `severity[]`). The formula and the rounding are those of
//! the CVSS v3.1 specification, section 7; v3.0 vectors score the same for base metrics except
//! for rounding at the last digit, which v3.1's `Roundup` fixes.

/// The base score of a `CVSS:3.x/AV:../AC:../PR:../UI:../S:../C:../I:../A:..` vector; `None` when
/// it is not a complete v3 vector.
pub fn base_score_v3(vector: &str) -> Option<f32> {
    let mut parts = vector.trim().split('/');
    let prefix = parts.next()?;
    if prefix != "CVSS:3.0" && prefix != "CVSS:3.1" {
        return None;
    }
    let (mut av, mut ac, mut pr, mut ui, mut s, mut c, mut i, mut a) =
        (None, None, None, None, None, None, None, None);
    for part in parts {
        let (k, v) = part.split_once(':')?;
        match k {
            "AV" => av = Some(v),
            "AC" => ac = Some(v),
            "PR" => pr = Some(v),
            "UI" => ui = Some(v),
            "S" => s = Some(v),
            "C" => c = Some(v),
            "I" => i = Some(v),
            "A" => a = Some(v),
            _ => {} // temporal and environmental metrics do not change the base score
        }
    }
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
    let cia = |m: Option<&str>| -> Option<f64> {
        match m? {
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

/// CVSS v3.1 `Roundup`: the smallest number with one decimal that is >= the input, computed on
/// integers so that 4.000000001 does not become 4.1 through floating-point noise.
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

    #[test]
    fn known_scores() {
        // Scores as NVD lists them for these vectors.
        assert_eq!(
            base_score_v3("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            Some(9.8)
        );
        assert_eq!(
            base_score_v3("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"),
            Some(7.5)
        );
        assert_eq!(
            base_score_v3("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"),
            Some(6.1)
        );
        assert_eq!(
            base_score_v3("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"),
            Some(10.0)
        );
        assert_eq!(
            base_score_v3("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:N"),
            Some(0.0)
        );
    }

    #[test]
    fn not_v3() {
        assert_eq!(base_score_v3("AV:N/AC:L/Au:N/C:P/I:P/A:P"), None);
        assert_eq!(base_score_v3("CVSS:3.1/AV:N/AC:L"), None);
        assert_eq!(
            base_score_v3("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            None
        );
        assert_eq!(base_score_v3(""), None);
    }
}
