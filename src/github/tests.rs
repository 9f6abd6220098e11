//! `judge` over the recorded bodies and header sets of `tests/data/github-contract/`.

use super::*;

const CONTRACT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/github-contract/");

fn body(name: &str) -> Vec<u8> {
    std::fs::read(format!("{CONTRACT}responses/{name}")).expect("read response")
}

/// A recorded header set by a words in its label.
fn headers(label_part: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(format!("{CONTRACT}headers/recorded-header-sets.json"))
        .expect("header sets");
    let all: Value = serde_json::from_str(&text).expect("json");
    let set = all["sets"]
        .as_array()
        .and_then(|s| {
            s.iter()
                .find(|s| s["label"].as_str().is_some_and(|l| l.contains(label_part)))
        })
        .expect("header set");
    set["headers"]
        .as_array()
        .expect("headers")
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap_or_default().to_ascii_lowercase(),
                p[1].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn opts() -> ClientOptions {
    let mut o = ClientOptions::new("https://api.github.com/");
    o.max_rate_limit_wait = Duration::from_secs(90);
    o
}

fn judged(status: u16, headers: Vec<(String, String)>, body: Vec<u8>, now: u64) -> Step {
    judge(
        Method::Get,
        "/repos/o/r",
        Raw {
            status,
            headers,
            body,
        },
        1,
        &opts(),
        now,
    )
}

#[test]
fn api_url_loses_its_trailing_slash() {
    assert_eq!(opts().api_url, "https://api.github.com");
}

#[test]
fn success_parses_json_and_empty_bodies() {
    let Step::Done(r) = judged(
        202,
        headers("code_scanning_upload"),
        body("code-scanning-sarifs-post.202.json"),
        0,
    ) else {
        panic!("done");
    };
    assert_eq!(r.body["id"], "fb31fa2c-095d-11ee-98fe-c609abca1772");
    assert_eq!(
        r.header("X-RateLimit-Resource"),
        Some("code_scanning_upload")
    );
    let Step::Done(r) = judged(204, headers("204 success"), Vec::new(), 0) else {
        panic!("done");
    };
    assert_eq!(r.body, Value::Null);
}

#[test]
fn truncated_json_is_retried() {
    let mut cut = body("code-scanning-sarifs-get.200.complete.json");
    cut.truncate(cut.len() / 2);
    assert!(matches!(
        judged(200, headers("GET sarif status"), cut, 0),
        Step::Retry(GithubError::InvalidJson { status: 200, .. }, None)
    ));
}

#[test]
fn secondary_limit_with_retry_after_waits_that_long() {
    let h = headers("secondary rate limit 403, HTTP/2");
    let step = judged(403, h, body("rate-limit.403.secondary.json"), 0);
    let Step::Retry(GithubError::RateLimited { detail, .. }, Some(wait)) = step else {
        panic!("retry");
    };
    assert_eq!(wait, Duration::from_secs(60));
    assert!(detail.contains("secondary rate limit"), "{detail}");
}

#[test]
fn retry_after_beyond_the_wait_limit_gives_up() {
    let h = headers("secondary/abuse limit 403 with Retry-After, 2018");
    let mut o = opts();
    o.max_rate_limit_wait = Duration::from_secs(10);
    let step = judge(
        Method::Get,
        "/x",
        Raw {
            status: 403,
            headers: h,
            body: body("rate-limit.403.abuse.2018.json"),
        },
        1,
        &o,
        0,
    );
    let Step::Fail(e) = step else { panic!("fail") };
    assert_eq!(e.kind(), "rate-limited");
    assert!(e.to_string().contains("abuse detection"), "{e}");
}

#[test]
fn primary_limit_waits_for_a_near_reset_and_gives_up_on_a_far_one() {
    let mut h = headers("core 200, classic PAT, 2025");
    for (n, v) in &mut h {
        if n == "x-ratelimit-remaining" {
            *v = "0".into();
        }
    }
    let reset = 1_736_238_735;
    let near = judged(
        403,
        h.clone(),
        body("rate-limit.403.primary-installation.json"),
        reset - 5,
    );
    assert!(
        matches!(near, Step::Retry(GithubError::RateLimited { .. }, Some(w)) if w == Duration::from_secs(6))
    );
    let far = judged(
        403,
        h,
        body("rate-limit.403.primary-installation.json"),
        reset - 3600,
    );
    let Step::Fail(GithubError::RateLimited {
        reset_in, detail, ..
    }) = far
    else {
        panic!("fail");
    };
    assert_eq!(reset_in, Some(Duration::from_secs(3601)));
    assert!(detail.contains("installation ID"), "{detail}");
}

#[test]
fn primary_limit_without_reset_gives_up() {
    // The 2013 recording: remaining 0, no reset header.
    let step = judged(
        403,
        headers("primary limit exhausted 403"),
        body("rate-limit.403.primary.2013.json"),
        0,
    );
    assert!(matches!(
        step,
        Step::Fail(GithubError::RateLimited { reset_in: None, .. })
    ));
}

#[test]
fn permission_403_is_a_plain_status_error_with_githubs_message() {
    let step = judged(
        403,
        headers("code_scanning_upload"),
        body("code-scanning-sarifs-post.403.no-security-events.json"),
        0,
    );
    let Step::Fail(e) = step else { panic!("fail") };
    assert_eq!(e.status(), Some(403));
    assert_eq!(
        e.message(),
        Some("You are not authorized to write security events.")
    );
}

#[test]
fn validation_errors_are_listed() {
    let step = judged(
        422,
        Vec::new(),
        body("generic.422.validation-failed.json"),
        0,
    );
    let Step::Fail(e) = step else { panic!("fail") };
    let m = e.message().unwrap_or_default();
    assert!(m.starts_with("Validation Failed ("), "{m}");
}

#[test]
fn server_errors_and_html_pages_are_retried_with_the_page_title() {
    let html = b"<!DOCTYPE html>\n<html><head><title>Unicorn! &middot; GitHub</title></head><body>...</body></html>".to_vec();
    let step = judged(
        502,
        vec![("content-type".into(), "text/html".into())],
        html,
        0,
    );
    let Step::Retry(e, None) = step else {
        panic!("retry")
    };
    assert!(
        e.to_string()
            .contains("HTML page titled \"Unicorn! &middot; GitHub\""),
        "{e}"
    );
    assert!(matches!(
        judged(429, Vec::new(), Vec::new(), 0),
        Step::Retry(_, None)
    ));
}

#[test]
fn next_link_is_found() {
    let link = "<https://api.github.com/repositories/1/environments?page=2>; rel=\"next\", <https://api.github.com/repositories/1/environments?page=5>; rel=\"last\"";
    assert_eq!(
        next_link(link).as_deref(),
        Some("https://api.github.com/repositories/1/environments?page=2")
    );
    assert_eq!(next_link("<https://x/?page=1>; rel=\"prev\""), None);
}

#[test]
fn urls_stay_on_the_api_origin() {
    let c = Client::new(opts());
    assert_eq!(
        c.url(Method::Get, "/repos/o/r").ok().as_deref(),
        Some("https://api.github.com/repos/o/r")
    );
    assert!(
        c.url(Method::Get, "https://api.github.com/repos/o/r?page=2")
            .is_ok()
    );
    assert!(matches!(
        c.url(Method::Get, "https://api.github.com.evil.example/x"),
        Err(GithubError::ForeignUrl { .. })
    ));
}

#[test]
fn backoff_grows_with_jitter_within_bounds() {
    let mut o = opts();
    o.backoff = Duration::from_millis(1000);
    o.max_backoff = Duration::from_millis(5000);
    for attempt in 1..8 {
        let nominal = Duration::from_millis(1000 * (1 << (attempt - 1))).min(o.max_backoff);
        let b = backoff(&o, attempt);
        assert!(b >= nominal / 2 && b <= nominal, "{attempt}: {b:?}");
    }
}

#[test]
fn token_is_redacted_in_debug() {
    let mut o = opts();
    o.token = Token::new(" ghs_secretvalue \n");
    assert_eq!(o.token.as_ref().map(Token::expose), Some("ghs_secretvalue"));
    assert!(!format!("{o:?}").contains("ghs_secretvalue"));
    assert!(Token::new("  ").is_none());
}

#[test]
fn a_graphql_rate_limit_in_a_200_answer_is_a_rate_limit() {
    // The recorded body; its headers were not recorded (a gap of the contract data): the core
    // set's, with the reset GitHub sends when a limit is spent, stand in.
    let body = body("graphql-post.200.rate-limited.json");
    let mut h = headers("core 200, classic PAT, 2025");
    h.retain(|(n, _)| n != "x-ratelimit-reset" && n != "x-ratelimit-remaining");
    h.push(("x-ratelimit-remaining".into(), "0".into()));
    h.push(("x-ratelimit-reset".into(), "1030".into()));
    let step = judge(
        Method::Post,
        "/graphql",
        Raw {
            status: 200,
            headers: h.clone(),
            body: body.clone(),
        },
        1,
        &opts(),
        1000,
    );
    let Step::Retry(GithubError::RateLimited { .. }, Some(wait)) = step else {
        panic!("a rate limit to wait out");
    };
    assert_eq!(wait, Duration::from_secs(31));
    let step = judge(
        Method::Post,
        "/graphql",
        Raw {
            status: 200,
            headers: h,
            body,
        },
        1,
        &opts(),
        0,
    );
    let Step::Fail(e) = step else {
        panic!("too far to wait")
    };
    assert_eq!(e.kind(), "rate-limited");
    assert!(
        e.to_string().contains("API rate limit already exceeded"),
        "{e}"
    );
    // An answer with data and errors about parts of it is an answer.
    let partial = body_with_errors();
    assert!(matches!(
        judge(
            Method::Post,
            "/graphql",
            Raw {
                status: 200,
                headers: Vec::new(),
                body: partial,
            },
            1,
            &opts(),
            0,
        ),
        Step::Done(_)
    ));
}

fn body_with_errors() -> Vec<u8> {
    body("graphql-post.200.error-not-found.json")
}

#[test]
fn a_redirect_is_refused_and_said_to_be_one() {
    // GitHub answers 301 for a renamed repository (the recorded core headers with the
    // `location` such an answer carries; the body is the documented one for a moved resource,
    // with its `message` and `url`, as no real one was recorded).
    let mut h = headers("core 200, classic PAT, 2025");
    h.push((
        "location".into(),
        "https://api.github.com/repositories/1296269".into(),
    ));
    let body = br#"{"message":"Moved Permanently","url":"https://api.github.com/repositories/1296269","documentation_url":"https://docs.github.com/v3/#http-redirects"}"#.to_vec();
    match judged(301, h, body, 0) {
        Step::Fail(e) => {
            let text = e.to_string();
            assert!(text.contains("HTTP 301"), "{text}");
            assert!(
                text.contains(
                    "a redirect to https://api.github.com/repositories/1296269, which ci-guard refuses to follow"
                ),
                "{text}"
            );
        }
        _ => panic!("a redirect must fail, not be retried or followed"),
    }
}
