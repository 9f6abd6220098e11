//! Version order good enough to tell which affected range holds an installed version, across
//! ecosystems (SemVer, PEP 440, Maven, RubyGems, Go): numbers compare as numbers, words as
//! words, a release sorts above its pre-releases (`1.0.0-rc.1 < 1.0.0`), trailing zeros do not
//! count (`1.0 == 1.0.0`). OSV itself decides *whether* a package is affected; this only picks
//! which fixed versions to name, and callers fall back to every listed fix when no range is shown
//! to hold the version.

use std::cmp::Ordering;

use super::Event;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    /// Digits without leading zeros (so long numbers compare without overflow).
    Num(String),
    Word(String),
}

fn tokens(v: &str) -> Vec<Token> {
    let v = v.trim();
    let v = v.strip_prefix(['v', 'V']).unwrap_or(v);
    // SemVer build metadata does not take part in precedence.
    let v = v.split('+').next().unwrap_or(v);
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut digits = false;
    let flush = |cur: &mut String, digits: bool, out: &mut Vec<Token>| {
        if cur.is_empty() {
            return;
        }
        if digits {
            let t = cur.trim_start_matches('0');
            out.push(Token::Num(if t.is_empty() { "0".into() } else { t.into() }));
        } else {
            out.push(Token::Word(cur.to_ascii_lowercase()));
        }
        cur.clear();
    };
    for c in v.chars() {
        if c.is_ascii_digit() {
            if !digits {
                flush(&mut cur, digits, &mut out);
            }
            digits = true;
            cur.push(c);
        } else if c.is_alphanumeric() {
            if digits {
                flush(&mut cur, digits, &mut out);
            }
            digits = false;
            cur.push(c);
        } else {
            flush(&mut cur, digits, &mut out);
        }
    }
    flush(&mut cur, digits, &mut out);
    out
}

/// Words that mark a release after the one they follow (PEP 440 post releases, patch levels).
fn is_post(word: &str) -> bool {
    matches!(word, "post" | "p" | "pl" | "patch" | "rev" | "r")
}

/// A total order (for sorting and range checks).
pub fn compare(a: &str, b: &str) -> Ordering {
    let (ta, tb) = (tokens(a), tokens(b));
    let mut i = 0;
    loop {
        match (ta.get(i), tb.get(i)) {
            (None, None) => return Ordering::Equal,
            (Some(x), None) => return tail(x, &ta[i..]),
            (None, Some(y)) => return tail(y, &tb[i..]).reverse(),
            (Some(x), Some(y)) => {
                let o = match (x, y) {
                    (Token::Num(x), Token::Num(y)) => x.len().cmp(&y.len()).then_with(|| x.cmp(y)),
                    (Token::Word(x), Token::Word(y)) => match (is_post(x), is_post(y)) {
                        (true, false) => Ordering::Greater,
                        (false, true) => Ordering::Less,
                        _ => x.cmp(y),
                    },
                    // `1.0.1` is above `1.0-rc1`; `1.0.post1` above `1.0.0`.
                    (Token::Num(_), Token::Word(w)) => {
                        if is_post(w) {
                            Ordering::Less
                        } else {
                            Ordering::Greater
                        }
                    }
                    (Token::Word(w), Token::Num(_)) => {
                        if is_post(w) {
                            Ordering::Greater
                        } else {
                            Ordering::Less
                        }
                    }
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
        }
        i += 1;
    }
}

/// How a version with extra tokens `rest` (starting with `first`) compares with the shorter one.
fn tail(first: &Token, rest: &[Token]) -> Ordering {
    match first {
        Token::Word(w) if is_post(w) => Ordering::Greater,
        // A pre-release (`-rc.1`, `a1`, `-beta`) is below the release.
        Token::Word(_) => Ordering::Less,
        Token::Num(_) => {
            if rest.iter().all(|t| *t == Token::Num("0".into())) {
                Ordering::Equal
            } else {
                Ordering::Greater
            }
        }
    }
}

/// The `fixed` versions of the introduced..fixed pairs of one range's events that hold
/// `version`. The events are read in the order given: producers write them in version order,
/// and re-sorting with this heuristic order could only add mistakes.
pub fn fixes_holding(events: &[Event], version: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut open: Option<&str> = None;
    for e in events {
        if let Some(i) = &e.introduced {
            open = Some(i);
        } else if let Some(f) = &e.fixed {
            if let Some(i) = open.take() {
                let above = i == "0" || compare(version, i) != Ordering::Less;
                if above && compare(version, f) == Ordering::Less {
                    out.push(f.clone());
                }
            }
        } else if e.last_affected.is_some() {
            open = None;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(intro: Option<&str>, fixed: Option<&str>) -> Event {
        Event {
            introduced: intro.map(str::to_string),
            fixed: fixed.map(str::to_string),
            last_affected: None,
        }
    }

    #[test]
    fn order() {
        use Ordering::*;
        assert_eq!(compare("1.0", "1.0.0"), Equal);
        assert_eq!(compare("1.0.0-rc.1", "1.0.0"), Less);
        assert_eq!(compare("1.10.0", "1.9.9"), Greater);
        assert_eq!(compare("v0.17.0", "0.4.0"), Greater);
        assert_eq!(compare("2.0-alpha1", "2.0"), Less);
        assert_eq!(compare("1.0.post1", "1.0"), Greater);
        assert_eq!(compare("0.0.0-0", "0.0.1"), Less);
        assert_eq!(compare("1.2.3+build.5", "1.2.3"), Equal);
    }

    #[test]
    fn the_pair_holding_the_version_gives_the_fix() {
        // RUSTSEC-2021-0124 (tokio): >=0.1.14 <1.8.4, >=1.9.0 <1.13.1.
        let e = [
            ev(Some("0.1.14"), None),
            ev(None, Some("1.8.4")),
            ev(Some("1.9.0"), None),
            ev(None, Some("1.13.1")),
        ];
        assert_eq!(fixes_holding(&e, "1.10.0"), ["1.13.1"]);
        assert_eq!(fixes_holding(&e, "1.0.0"), ["1.8.4"]);
        assert!(fixes_holding(&e, "1.13.1").is_empty());
        assert!(fixes_holding(&e, "0.1.0").is_empty());
    }
}
