//! Package URLs (<https://github.com/package-url/purl-spec>), built per ecosystem.

use super::Ecosystem;

/// Percent-encode everything but RFC 3986's unreserved characters (and `:` which the purl
/// specification leaves as is).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b':') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The purl of a package. Names are normalised as the purl type requires: PyPI lowercased
/// with `_` as `-`; npm scope `@s/n` as namespace `%40s`; Go module paths split into namespace
/// and name at the last `/`; Composer `vendor/name` lowercased.
pub fn purl(ecosystem: Ecosystem, name: &str, version: Option<&str>) -> String {
    purl_with(ecosystem, name, version, &[])
}

/// As [`purl`], with qualifiers (`key=value`, sorted by key as the specification requires).
pub fn purl_with(
    ecosystem: Ecosystem,
    name: &str,
    version: Option<&str>,
    qualifiers: &[(&str, &str)],
) -> String {
    let name = match ecosystem {
        Ecosystem::Pypi => name.to_lowercase().replace('_', "-"),
        Ecosystem::Composer => name.to_lowercase(),
        _ => name.to_string(),
    };
    let mut out = format!("pkg:{}/", ecosystem.as_str());
    let segments: Vec<&str> = name.split('/').filter(|s| !s.is_empty()).collect();
    let split = match ecosystem {
        Ecosystem::Npm | Ecosystem::Golang | Ecosystem::Composer => segments.len() > 1,
        _ => false,
    };
    if split {
        let (ns, n) = segments.split_at(segments.len() - 1);
        let ns: Vec<String> = ns.iter().map(|s| encode(s)).collect();
        out.push_str(&ns.join("/"));
        out.push('/');
        out.push_str(&encode(n[0]));
    } else {
        out.push_str(&encode(&name));
    }
    if let Some(v) = version.filter(|v| !v.is_empty()) {
        out.push('@');
        out.push_str(&encode(v));
    }
    let mut q: Vec<&(&str, &str)> = qualifiers.iter().filter(|(_, v)| !v.is_empty()).collect();
    q.sort();
    for (i, (k, v)) in q.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(k);
        out.push('=');
        out.push_str(&encode_qualifier(v));
    }
    out
}

/// A qualifier value as packageurl-python (and so cyclonedx-py) writes it: [`encode`], but `/`
/// kept, so a `vcs_url` reads `git%2Bhttps://github.com/o/r.git%40<sha>`.
fn encode_qualifier(s: &str) -> String {
    encode(s).replace("%2F", "/")
}

/// The value of qualifier `key` of `purl`, percent-decoded.
pub fn qualifier(purl: &str, key: &str) -> Option<String> {
    let (_, query) = purl.split_once('?')?;
    let query = query.split('#').next().unwrap_or(query);
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| decode(v))
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A file name or URL as an IRI reference: spaces and characters outside URIs percent-encoded.
pub fn encode_iri(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualifiers_as_packageurl_python_writes_them() {
        // cyclonedx-py 7.5.0 (packageurl-python) on alphagov/notifications-api's requirements.
        let vcs = "git+https://github.com/alphagov/gds_metrics_python.git@6f1840a57b6fb1ee40b7e84f2f18ec229de8aa72";
        let p = purl_with(Ecosystem::Pypi, "gds-metrics", None, &[("vcs_url", vcs)]);
        assert_eq!(
            p,
            "pkg:pypi/gds-metrics?vcs_url=git%2Bhttps://github.com/alphagov/gds_metrics_python.git%406f1840a57b6fb1ee40b7e84f2f18ec229de8aa72"
        );
        assert_eq!(qualifier(&p, "vcs_url").as_deref(), Some(vcs));
        assert_eq!(qualifier(&p, "download_url"), None);
        assert_eq!(qualifier("pkg:pypi/a@1", "vcs_url"), None);
        assert_eq!(decode("%zz%4"), "%zz%4");
    }

    #[test]
    fn purls_per_spec() {
        assert_eq!(
            purl(Ecosystem::Npm, "@babel/core", Some("7.0.0")),
            "pkg:npm/%40babel/core@7.0.0"
        );
        assert_eq!(
            purl(Ecosystem::Npm, "lodash", Some("4.17.21")),
            "pkg:npm/lodash@4.17.21"
        );
        assert_eq!(
            purl(Ecosystem::Pypi, "Django_Filter", Some("2.0")),
            "pkg:pypi/django-filter@2.0"
        );
        assert_eq!(
            purl(
                Ecosystem::Golang,
                "github.com/gorilla/context",
                Some("v1.1.1")
            ),
            "pkg:golang/github.com/gorilla/context@v1.1.1"
        );
        assert_eq!(
            purl(
                Ecosystem::Golang,
                "github.com/a/b",
                Some("v2.0.0+incompatible")
            ),
            "pkg:golang/github.com/a/b@v2.0.0%2Bincompatible"
        );
        assert_eq!(
            purl(Ecosystem::Cargo, "rand", Some("0.7.2")),
            "pkg:cargo/rand@0.7.2"
        );
        assert_eq!(
            purl(Ecosystem::Composer, "Laravel/Laravel", Some("5.5.0")),
            "pkg:composer/laravel/laravel@5.5.0"
        );
        assert_eq!(
            purl_with(
                Ecosystem::Gem,
                "nokogiri",
                Some("1.16.0"),
                &[("platform", "x86_64-linux")]
            ),
            "pkg:gem/nokogiri@1.16.0?platform=x86_64-linux"
        );
        assert_eq!(purl(Ecosystem::Pypi, "flask", None), "pkg:pypi/flask");
    }
}
