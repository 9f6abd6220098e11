//! One redaction of the run's secrets, applied to every text that reaches an output: the SARIF
//! file, the job summary, annotations and notices, step outputs, the JSON and text reports, the
//! SBOM, and messages on standard error.
//!
//! ci-guard never writes a secret itself, but it copies text from elsewhere: a server or proxy
//! that echoes the `Authorization` header in its error message, a scanner's output. Whatever the
//! source, a secret known to the run is replaced by `***` in each of the forms it travels in:
//! as it is (which covers `Bearer …` and `token …`), and base64-encoded on its own and as
//! `x-access-token:…` (git's and basic authentication's form).
//!
//! Secrets are registered once, where they enter: every [`crate::github::Token`] is, and so are
//! the header values given to `verify-deploy`.

use std::borrow::Cow;
use std::sync::RwLock;

use base64::Engine as _;

/// What replaces a secret.
pub const MASK: &str = "***";
/// Shorter values are not treated as secrets: masking every `a` would mangle the output, and no
/// real credential is that short.
const MIN_SECRET_LEN: usize = 8;

/// The forms to replace, longest first (a longer form is replaced before a part of it).
static FORMS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Register `secret`: from now on it is masked in everything [`text`] and [`Writer`] see.
pub fn register(secret: &str) {
    let secret = secret.trim();
    if secret.len() < MIN_SECRET_LEN {
        return;
    }
    let b64 = |s: &str| {
        base64::engine::general_purpose::STANDARD
            .encode(s)
            .trim_end_matches('=')
            .to_string()
    };
    let new = [
        secret.to_string(),
        b64(&format!("x-access-token:{secret}")),
        b64(secret),
    ];
    let Ok(mut forms) = FORMS.write() else {
        return;
    };
    for f in new {
        if !forms.contains(&f) {
            forms.push(f);
        }
    }
    forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
}

fn forms() -> Vec<String> {
    FORMS.read().map(|f| f.clone()).unwrap_or_default()
}

/// `s` with every registered secret masked.
pub fn text(s: &str) -> Cow<'_, str> {
    let forms = forms();
    if !forms.iter().any(|f| s.contains(f.as_str())) {
        return Cow::Borrowed(s);
    }
    let mut out = s.to_string();
    for f in &forms {
        if out.contains(f.as_str()) {
            out = out.replace(f.as_str(), MASK);
        }
    }
    Cow::Owned(out)
}

/// `b` with every registered secret masked.
pub fn bytes(b: &[u8]) -> Cow<'_, [u8]> {
    let forms = forms();
    if forms.is_empty() || !forms.iter().any(|f| find(b, f.as_bytes()).is_some()) {
        return Cow::Borrowed(b);
    }
    let mut out = b.to_vec();
    for f in &forms {
        out = replace(&out, f.as_bytes());
    }
    Cow::Owned(out)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

fn replace(hay: &[u8], needle: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(hay.len());
    let mut rest = hay;
    while let Some(i) = find(rest, needle) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(MASK.as_bytes());
        rest = &rest[i + needle.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// A writer that masks registered secrets in what passes through it, also when a secret is
/// split between two writes: it holds back the last bytes that could begin one until more
/// comes or it is flushed. A report streamed to a file or standard output goes through one.
pub struct Writer<W: std::io::Write> {
    inner: W,
    pending: Vec<u8>,
    /// Longest form, less one: what may hold the start of a secret.
    keep: usize,
    forms: Vec<String>,
}

impl<W: std::io::Write> Writer<W> {
    pub fn new(inner: W) -> Self {
        let forms = forms();
        let keep = forms.iter().map(String::len).max().unwrap_or(1) - 1;
        Self {
            inner,
            pending: Vec::new(),
            keep,
            forms,
        }
    }

    fn mask_pending(&mut self) {
        for f in &self.forms {
            if find(&self.pending, f.as_bytes()).is_some() {
                self.pending = replace(&self.pending, f.as_bytes());
            }
        }
    }
}

impl<W: std::io::Write> std::io::Write for Writer<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.forms.is_empty() {
            return self.inner.write(buf);
        }
        self.pending.extend_from_slice(buf);
        // Mask only once enough is held that no form can still be cut at the end.
        if self.pending.len() > self.keep + 64 * 1024 {
            self.mask_pending();
            let out = self.pending.len() - self.keep;
            self.inner.write_all(&self.pending[..out])?;
            self.pending.drain(..out);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.mask_pending();
        self.inner.write_all(&self.pending)?;
        self.pending.clear();
        self.inner.flush()
    }
}

impl<W: std::io::Write> Drop for Writer<W> {
    fn drop(&mut self) {
        let _ = std::io::Write::flush(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    // One registry per process: the tests use secrets of their own.
    const SECRET: &str = "ghs_redactTestSecret0123456789abcdefABCD";

    #[test]
    fn every_form_is_masked() {
        register(SECRET);
        register("short");
        let basic =
            base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{SECRET}"));
        let s =
            format!("Authorization: Bearer {SECRET}; basic {basic}; plain {SECRET}. short stays");
        let masked = text(&s);
        assert!(!masked.contains(SECRET), "{masked}");
        assert!(!masked.contains(&basic[20..40]), "{masked}");
        assert!(masked.contains("Bearer ***"), "{masked}");
        assert!(masked.contains("short stays"));
        assert_eq!(text("nothing here"), "nothing here");
        assert!(!String::from_utf8_lossy(&bytes(s.as_bytes())).contains(SECRET));
    }

    #[test]
    fn a_secret_split_between_writes_is_masked() {
        register(SECRET);
        let mut out = Vec::new();
        {
            let mut w = Writer::new(&mut out);
            let s = format!("before {SECRET} after");
            for chunk in s.as_bytes().chunks(3) {
                w.write_all(chunk).expect("write");
            }
            // A long stream, so part of it goes out before the end.
            for _ in 0..20_000 {
                w.write_all(b"0123456789").expect("write");
            }
            w.write_all(SECRET.as_bytes()).expect("write");
            w.flush().expect("flush");
        }
        let s = String::from_utf8_lossy(&out);
        assert!(!s.contains(SECRET));
        assert!(s.starts_with("before *** after"));
        assert!(s.ends_with("0123456789***"));
        assert_eq!(s.len(), "before *** after".len() + 200_000 + 3);
    }
}
