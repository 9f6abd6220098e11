//! Timestamps in RFC 3339 (UTC, seconds), without a date-time dependency: SARIF uploads and
//! SBOMs write this one format, and the run history reads it as GitHub writes it (`Z`, or a
//! local offset such as `-05:00`, with or without fractions of a second).

/// `1970-01-01T00:00:00Z` plus `epoch` seconds (negative values count back).
pub fn rfc3339(epoch: i64) -> String {
    let days = epoch.div_euclid(86_400);
    let secs = epoch.rem_euclid(86_400);
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Seconds since 1970-01-01 UTC of an RFC 3339 date-time: `2024-02-09T10:10:18Z`,
/// `2021-03-17T10:33:32.000+01:00`, `2026-01-08T20:35:32.000-05:00`. Fractions of a second are
/// dropped (GitHub's are `.000`); `None` for anything else, including impossible dates.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.trim().as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    if !(at(4, b'-') && at(7, b'-') && (at(10, b'T') || at(10, b't') || at(10, b' '))) {
        return None;
    }
    if !(at(13, b':') && at(16, b':')) {
        return None;
    }
    let (y, m, d) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hh, mm, ss) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&m) || d < 1 || d > month_days[(m - 1) as usize] {
        return None;
    }
    if hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let mut i = 19;
    if at(i, b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let offset = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if i + 6 == b.len() && at(i + 3, b':') => {
            let (oh, om) = (num(i + 1, 2)?, num(i + 4, 2)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if *sign == b'+' { o } else { -o }
        }
        _ => return None,
    };
    // Howard Hinnant's days-from-civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss.min(59) - offset)
}

/// Now, in seconds since 1970-01-01 UTC.
pub fn epoch_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Now, in RFC 3339.
pub fn now() -> String {
    rfc3339(i64::try_from(epoch_now()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        // The recorded upload's Date header: Mon, 12 Jun 2023 20:16:14 GMT.
        assert_eq!(rfc3339(1_686_600_974), "2023-06-12T20:16:14Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn github_timestamps_parse_with_their_offsets() {
        // A run's `created_at` (workflow-runs-get.200.push-failure.json).
        let run = parse_rfc3339("2024-02-09T10:10:18Z").expect("Z");
        assert_eq!(rfc3339(run), "2024-02-09T10:10:18Z");
        // A job step's fractions of a second (workflow-run-jobs-get.200.json).
        assert_eq!(
            parse_rfc3339("2023-01-10T08:24:27.000Z"),
            parse_rfc3339("2023-01-10T08:24:27Z")
        );
        // A workflow's local offsets (workflows-get.200.json, workflows-get.200.tz-offset.json):
        // the same instant in UTC.
        assert_eq!(
            parse_rfc3339("2021-03-17T10:33:32.000+01:00").map(rfc3339),
            Some("2021-03-17T09:33:32Z".into())
        );
        assert_eq!(
            parse_rfc3339("2026-01-08T20:35:32.000-05:00").map(rfc3339),
            Some("2026-01-09T01:35:32Z".into())
        );
        // Across a day, a month and a leap day.
        assert_eq!(
            parse_rfc3339("2024-03-01T00:30:00+01:00").map(rfc3339),
            Some("2024-02-29T23:30:00Z".into())
        );
        for t in [0_i64, 951_782_400, 1_686_600_974, -86_400, 4_102_444_800] {
            assert_eq!(parse_rfc3339(&rfc3339(t)), Some(t), "{t}");
        }
        for bad in [
            "",
            "2024-02-09",
            "2024-02-09T10:10:18",
            "2024-02-30T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-02-09T24:00:00Z",
            "2024-02-09T10:10:18+0100",
            "2024-02-09T10:10:18.Z",
            "2024-02-09T10:10:18Zjunk",
            "２０24-02-09T10:10:18Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad:?}");
        }
    }
}
