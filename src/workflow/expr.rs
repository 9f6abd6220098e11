//! `${{ … }}` expressions: where they are in the source and which contexts they read.

use crate::yaml::{Pos, Span};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expression {
    /// From `${{` to `}}` inclusive.
    pub span: Span,
    /// The text between the braces, trimmed.
    pub text: String,
    /// Context paths read, normalised: `github.event.issue.title`, `steps.x.outputs.y`,
    /// `matrix.os`; an index that is not a literal becomes `*`.
    pub contexts: Vec<String>,
}

/// Find every `${{ … }}` in `raw`, the node's source text starting at `start`. Searching the
/// source rather than the decoded scalar keeps positions exact even for folded or quoted text.
pub fn find_in_source(raw: &str, start: Pos) -> Vec<Expression> {
    let mut out = Vec::new();
    let mut rest = raw;
    let mut offset = 0;
    while let Some(open) = rest.find("${{") {
        let body_start = open + 3;
        let Some(close) = rest[body_start..].find("}}") else {
            break;
        };
        let abs_open = offset + open;
        let abs_end = offset + body_start + close + 2;
        let text = rest[body_start..body_start + close].trim().to_string();
        out.push(Expression {
            span: Span::new(advance(raw, start, abs_open), advance(raw, start, abs_end)),
            contexts: contexts(&text),
            text,
        });
        offset = abs_end;
        rest = &raw[abs_end..];
    }
    out
}

/// Every `${{ … }}` of a plain text, in order: the whole expression and the text between its
/// braces, trimmed (for reading values; [`find_in_source`] gives positions in the file).
pub fn in_text(text: &str) -> impl Iterator<Item = (&str, &str)> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let open = rest.find("${{")?;
        let close = open + 3 + rest[open + 3..].find("}}")?;
        let found = (&rest[open..close + 2], rest[open + 3..close].trim());
        rest = &rest[close + 2..];
        Some(found)
    })
}

/// `text` with every `${{ … }}` replaced by underscores of the same length in characters (line
/// breaks inside an expression kept), so that a shell reader or shellcheck sees one plain word
/// where GitHub substitutes a value, and every position in the result is a position in `text`.
/// Underscores rather than spaces keep `if ${{ x }}; then` a valid command (as actionlint does).
pub fn mask(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("${{") {
        let Some(close) = rest[open + 3..].find("}}") else {
            break;
        };
        let end = open + 3 + close + 2;
        out.push_str(&rest[..open]);
        out.extend(
            rest[open..end]
                .chars()
                .map(|c| if c == '\n' { '\n' } else { '_' }),
        );
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Position reached after `byte_len` bytes of `raw`, starting from `start`.
fn advance(raw: &str, start: Pos, byte_len: usize) -> Pos {
    let mut pos = start;
    for ch in raw[..byte_len].chars() {
        if ch == '\n' {
            pos.line += 1;
            pos.column = 1;
        } else {
            pos.column += 1;
        }
    }
    pos
}

/// The context paths an expression reads, in order of appearance, without duplicates.
pub fn contexts(expr: &str) -> Vec<String> {
    let chars: Vec<char> = expr.chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // String literal; `''` is an escaped quote.
            i += 1;
            while i < chars.len() {
                if chars[i] == '\'' {
                    if chars.get(i + 1) == Some(&'\'') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i += 1;
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let (path, next, nested) = read_path(&chars, i);
            i = next;
            let is_call = chars[i..].iter().find(|c| !c.is_whitespace()) == Some(&'(');
            let keyword = matches!(
                path.as_str(),
                "true" | "false" | "null" | "NaN" | "Infinity"
            );
            if !is_call && !keyword && !out.contains(&path) {
                out.push(path);
            }
            for n in nested {
                if !out.contains(&n) {
                    out.push(n);
                }
            }
            continue;
        }
        if c.is_ascii_digit() {
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            continue;
        }
        i += 1;
    }
    out
}

/// Read `ident(.ident | ['lit'] | [expr] | .*)*` from `i`; returns the normalised path, the
/// index after it, and the contexts read inside non-literal indexes.
fn read_path(chars: &[char], mut i: usize) -> (String, usize, Vec<String>) {
    let mut nested = Vec::new();
    let ident = |i: &mut usize| {
        let s = *i;
        while *i < chars.len()
            && (chars[*i].is_ascii_alphanumeric() || matches!(chars[*i], '_' | '-'))
        {
            *i += 1;
        }
        chars[s..*i].iter().collect::<String>()
    };
    let mut path = ident(&mut i);
    loop {
        match chars.get(i) {
            Some('.') if chars.get(i + 1) == Some(&'*') => {
                path.push_str(".*");
                i += 2;
            }
            Some('.')
                if chars
                    .get(i + 1)
                    .is_some_and(|c| c.is_ascii_alphabetic() || *c == '_') =>
            {
                i += 1;
                path.push('.');
                path.push_str(&ident(&mut i));
            }
            Some('[') => {
                let close = chars[i..].iter().position(|c| *c == ']').map(|p| i + p);
                let Some(close) = close else { break };
                let inner: String = chars[i + 1..close].iter().collect();
                let inner = inner.trim();
                let literal = inner
                    .strip_prefix('\'')
                    .and_then(|s| s.strip_suffix('\''))
                    .filter(|s| !s.contains('\''));
                path.push('.');
                path.push_str(literal.unwrap_or("*"));
                if literal.is_none() {
                    nested.extend(contexts(inner));
                }
                i = close + 1;
            }
            _ => break,
        }
    }
    (path, i, nested)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_keeps_lengths_lines_and_text_outside_expressions() {
        let s = "if ${{ matrix.ok }}; then\n  echo \"${{ format('{0}',\n 'é') }}\" ${{\n";
        let m = mask(s);
        assert_eq!(m.chars().count(), s.chars().count());
        assert_eq!(m.lines().count(), s.lines().count());
        assert_eq!(
            m,
            "if ________________; then\n  echo \"_________________\n________\" ${{\n"
        );
        assert_eq!(mask("no expressions"), "no expressions");
    }

    #[test]
    fn in_text_gives_each_expression_and_its_trimmed_body() {
        let text = "img:${{ steps.meta.outputs.tag }}-${{inputs.suffix}} ${{ unclosed";
        let found: Vec<_> = in_text(text).collect();
        assert_eq!(
            found,
            [
                ("${{ steps.meta.outputs.tag }}", "steps.meta.outputs.tag"),
                ("${{inputs.suffix}}", "inputs.suffix"),
            ]
        );
    }

    #[test]
    fn finds_expressions_with_exact_positions() {
        let raw = "echo \"${{ github.event.issue.title }}\"\necho ${{ inputs.name }}";
        let found = find_in_source(raw, Pos::new(10, 7));
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].span, Span::new(Pos::new(10, 13), Pos::new(10, 44)));
        assert_eq!(found[0].contexts, vec!["github.event.issue.title"]);
        assert_eq!(found[1].span.start, Pos::new(11, 6));
        assert_eq!(found[1].text, "inputs.name");
    }

    #[test]
    fn contexts_skip_functions_literals_and_keywords() {
        let c = contexts("contains(github.event.pull_request.labels.*.name, 'a.b') && true");
        assert_eq!(c, vec!["github.event.pull_request.labels.*.name"]);
        let c = contexts("github.event['pull_request']['title'] || matrix[inputs.k]");
        assert_eq!(
            c,
            vec!["github.event.pull_request.title", "matrix.*", "inputs.k"]
        );
        assert_eq!(
            contexts("format('{0}', steps.x.outputs.y) == 1.5"),
            vec!["steps.x.outputs.y"]
        );
        assert!(contexts("'it''s github.sha'").is_empty());
    }

    #[test]
    fn unterminated_expression_is_ignored() {
        assert!(find_in_source("echo ${{ github.sha", Pos::new(1, 1)).is_empty());
    }
}
