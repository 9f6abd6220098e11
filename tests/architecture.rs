//! What ARCHITECTURE.md states about the code, checked on the code itself: imports between the
//! library's top-level modules go one way (no module imports one that imports it back, directly
//! or through others, and each imports only modules listed before it in the code map), the code
//! map names every top-level module of `src/`, rules do no I/O, only `src/yaml/` parses YAML,
//! the network and other programs have one home each, and `main.rs` is a page.
//!
//! Imports are read from the source text: every `crate::x` path (in `use` lines and in code) and
//! every `super::` chain that leaves its top-level module, with comments and literals left out.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let graph = ModuleGraph::of(&library_files());
    // The graph is not trivially empty: the pipeline's edges are seen.
    assert!(graph.edge("audit", "analysis").is_some(), "{graph:?}");
    assert!(graph.edge("rules", "workflow").is_some(), "{graph:?}");
    let cycles = graph.cycles();
    assert!(
        cycles.is_empty(),
        "import cycles between top-level modules (each edge with the first place that makes it):\n{}",
        cycles
            .iter()
            .map(|c| graph.describe(c))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn a_planted_cycle_is_found_and_named() {
    let files = vec![
        (
            "src/lib.rs",
            "pub mod a;\npub mod b;\npub mod c;\npub mod d;\n",
        ),
        (
            "src/a.rs",
            "// crate::d in a comment is no import\nuse crate::b::Thing;\nconst S: &str = \"crate::d\";\n",
        ),
        ("src/b/mod.rs", "mod inner;\npub struct Thing;\n"),
        // Two levels down, `super::super::c` leaves `b` for `c`.
        ("src/b/inner.rs", "fn f() { super::super::c::g() }\n"),
        (
            "src/c.rs",
            "pub fn g() { crate::a::h() }\nuse crate::{d, b::Thing};\n",
        ),
        // `super` inside an inline module stays in `d`.
        (
            "src/d.rs",
            "mod tests {\n    use super::helper;\n}\nfn helper() {}\n",
        ),
    ];
    let files: Vec<(PathBuf, String)> = files
        .into_iter()
        .map(|(p, t)| (PathBuf::from(p), t.to_string()))
        .collect();
    let graph = ModuleGraph::of(&files);
    assert_eq!(
        graph.targets("a"),
        ["b"],
        "comments and strings are not imports"
    );
    assert_eq!(graph.targets("b"), ["c"]);
    assert_eq!(graph.targets("c"), ["a", "b", "d"]);
    assert!(graph.targets("d").is_empty());
    let cycles = graph.cycles();
    assert_eq!(
        cycles,
        [
            vec!["a".to_string(), "b".into(), "c".into()],
            vec!["b".to_string(), "c".into()]
        ]
    );
    assert_eq!(
        graph.describe(&cycles[1]),
        "b -> c -> b: b -> c at src/b/inner.rs:1; c -> b at src/c.rs:2"
    );
}

#[test]
fn architecture_md_maps_every_top_level_module() {
    let text = std::fs::read_to_string(Path::new(ROOT).join("ARCHITECTURE.md"))
        .expect("ARCHITECTURE.md at the repository root");
    let map: BTreeSet<String> = code_map(&text).into_iter().collect();
    assert!(!map.is_empty(), "ARCHITECTURE.md has no `## Code map` list");
    let mut actual = BTreeSet::new();
    for entry in std::fs::read_dir(Path::new(ROOT).join("src")).expect("src/") {
        let entry = entry.expect("entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() {
            actual.insert(format!("src/{name}/"));
        } else if name.ends_with(".rs") {
            actual.insert(format!("src/{name}"));
        }
    }
    let missing: Vec<_> = actual.difference(&map).collect();
    let stale: Vec<_> = map.difference(&actual).collect();
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md's code map lacks: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "ARCHITECTURE.md's code map names what src/ does not have: {stale:?}"
    );
}

#[test]
fn modules_import_only_modules_listed_before_them() {
    let text = std::fs::read_to_string(Path::new(ROOT).join("ARCHITECTURE.md"))
        .expect("ARCHITECTURE.md at the repository root");
    let map = code_map(&text);
    // `src/config.rs` and `src/config/` are one module: its first line counts.
    let position = |module: &str| {
        map.iter()
            .position(|p| p == &format!("src/{module}.rs") || p == &format!("src/{module}/"))
    };
    let graph = ModuleGraph::of(&library_files());
    let mut misplaced = Vec::new();
    for (from, targets) in &graph.edges {
        for (to, at) in targets {
            if let (Some(f), Some(t)) = (position(from), position(to))
                && t > f
            {
                misplaced.push(format!(
                    "{from} imports {to} (at {at}), which the code map lists after it"
                ));
            }
        }
    }
    assert!(
        misplaced.is_empty(),
        "reorder ARCHITECTURE.md's code map (or drop the import):\n{}",
        misplaced.join("\n")
    );
}

#[test]
fn main_rs_is_a_page() {
    let main = std::fs::read_to_string(Path::new(ROOT).join("src/main.rs")).expect("main.rs");
    let lines = main.lines().count();
    assert!(
        lines < 150,
        "src/main.rs has {lines} lines: move the command into src/cli/"
    );
}

#[test]
fn the_network_and_other_programs_have_one_home_each() {
    let homes: [(&str, &[&str]); 2] = [
        ("ureq", &["src/github/", "src/verify_deploy.rs"]),
        (
            "std::process",
            &["src/scanners/runner.rs", "src/main.rs", "src/cli/"],
        ),
    ];
    let mut strays = Vec::new();
    for (path, text) in library_files() {
        let code = without_tests(&code_only(&text));
        for (what, allowed) in homes {
            let shown = path.display().to_string();
            if code.contains(what) && !allowed.iter().any(|a| shown.starts_with(a)) {
                strays.push(format!("{shown}: {what}"));
            }
        }
    }
    assert!(strays.is_empty(), "outside their home: {strays:?}");
}

#[test]
fn rules_do_no_io() {
    // Rules read the analysed repository; reading files, the network, the environment or
    // running programs belongs to the inputs and the analyses that own them.
    const IO: [&str; 10] = [
        "std::fs",
        "std::net",
        "std::process",
        "std::env",
        "std::io",
        "ureq",
        "crate::github",
        "read_to_string",
        "read_dir",
        "File::",
    ];
    let mut found = Vec::new();
    for (path, text) in library_files() {
        if !path.starts_with("src/rules") || is_test_file(&path) {
            continue;
        }
        let code = without_tests(&code_only(&text));
        for (i, line) in code.lines().enumerate() {
            for io in IO.iter().filter(|io| line.contains(*io)) {
                found.push(format!("{}:{}: {io}", path.display(), i + 1));
            }
        }
    }
    assert!(found.is_empty(), "I/O in rules:\n{}", found.join("\n"));
}

#[test]
fn only_the_yaml_module_parses_yaml() {
    // One parse gives the model and every node's span: no second YAML parser anywhere.
    let manifest = std::fs::read_to_string(Path::new(ROOT).join("Cargo.toml")).expect("Cargo.toml");
    let yaml_crates: Vec<&str> = manifest
        .lines()
        .map(|l| l.split('=').next().unwrap_or("").trim())
        .filter(|name| ["yaml", "yml", "saphyr"].iter().any(|y| name.contains(y)))
        .collect();
    assert_eq!(yaml_crates, ["saphyr-parser"], "one YAML parser");
    let users: Vec<String> = library_files()
        .into_iter()
        .filter(|(path, text)| !path.starts_with("src/yaml") && code_only(text).contains("saphyr"))
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert!(users.is_empty(), "saphyr used outside src/yaml/: {users:?}");
}

// --- reading the source ---

/// Every `.rs` file under `src/`, as (`src/...` path, text).
fn library_files() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut dirs = vec![PathBuf::from("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(Path::new(ROOT).join(&dir)).expect("read src") {
            let name = entry.expect("entry").file_name();
            let rel = dir.join(&name);
            let abs = Path::new(ROOT).join(&rel);
            if abs.is_dir() {
                dirs.push(rel);
            } else if rel.extension().is_some_and(|e| e == "rs") {
                out.push((rel, std::fs::read_to_string(&abs).expect("read file")));
            }
        }
    }
    out.sort();
    out
}

fn is_test_file(path: &Path) -> bool {
    matches!(
        path.file_stem().and_then(|s| s.to_str()),
        Some("tests" | "testing")
    )
}

/// The `src/...` paths at the head of the list items of the `## Code map` section, in order.
fn code_map(text: &str) -> Vec<String> {
    let section = text
        .split("\n## ")
        .find(|s| s.starts_with("Code map"))
        .unwrap_or("");
    section
        .lines()
        .filter_map(|l| l.strip_prefix("- `"))
        .filter_map(|l| l.split('`').next())
        .filter(|p| p.starts_with("src/"))
        .map(str::to_string)
        .collect()
}

/// `src` with comments and string and char literals replaced by a space (their newlines kept,
/// so line numbers hold).
fn code_only(src: &str) -> String {
    let chars: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    // Skip chars[from..to], keeping its newlines.
    let skip = |out: &mut String, from: usize, to: usize| {
        out.push(' ');
        out.extend(
            chars[from..to.min(chars.len())]
                .iter()
                .filter(|&&c| c == '\n'),
        );
        to
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        i = if c == '/' && next == Some('/') {
            let end = chars[i..]
                .iter()
                .position(|&c| c == '\n')
                .map_or(chars.len(), |p| i + p);
            skip(&mut out, i, end)
        } else if c == '/' && next == Some('*') {
            // Block comments nest.
            let (mut depth, mut j) = (0, i);
            while j < chars.len() {
                match (chars[j], chars.get(j + 1)) {
                    ('/', Some('*')) => (depth, j) = (depth + 1, j + 2),
                    ('*', Some('/')) => {
                        (depth, j) = (depth - 1, j + 2);
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => j += 1,
                }
            }
            skip(&mut out, i, j)
        } else if let Some(hashes) = raw_string_start(&chars, i) {
            // r"…", r#"…"#, br"…": ends at a quote followed by as many hashes.
            let mut j = i + chars[i..].iter().position(|&c| c == '"').unwrap_or(0) + 1;
            while j < chars.len()
                && !(chars[j] == '"'
                    && chars[j + 1..].iter().take_while(|&&c| c == '#').count() >= hashes)
            {
                j += 1;
            }
            skip(&mut out, i, j + 1 + hashes)
        } else if c == '"' {
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '"' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            skip(&mut out, i, j + 1)
        } else if c == '\'' {
            // A char literal ('x', '\n', '\'', '\u{…}'), not a lifetime ('a).
            let len = match (next, chars.get(i + 2)) {
                (Some('\\'), _) => chars
                    .get(i + 3..)
                    .and_then(|rest| rest.iter().position(|&c| c == '\''))
                    .map(|p| p + 4),
                (Some(_), Some('\'')) => Some(3),
                _ => None,
            };
            match len {
                Some(n) => skip(&mut out, i, i + n),
                None => {
                    out.push(c);
                    i + 1
                }
            }
        } else {
            out.push(c);
            i + 1
        };
    }
    out
}

/// The number of `#` of a raw string starting at `i` (`r"`, `r#"`, `br##"`), if one does.
fn raw_string_start(chars: &[char], i: usize) -> Option<usize> {
    let ident_before = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
    if ident_before {
        return None;
    }
    let mut j = i;
    if chars.get(j) == Some(&'b') {
        j += 1;
    }
    if chars.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let hashes = chars[j..].iter().take_while(|&&c| c == '#').count();
    (chars.get(j + hashes) == Some(&'"')).then_some(hashes)
}

/// `code` without the items under `#[cfg(test)]` (a `mod tests { … }`, a `mod testing;`, a
/// helper function): what ships.
fn without_tests(code: &str) -> String {
    let mut out = code.to_string();
    let mut from = 0;
    while let Some(at) = out[from..].find("#[cfg(test)]").map(|p| p + from) {
        let rest = &out[at..];
        let end = match (rest.find('{'), rest.find(';')) {
            (Some(open), semi) if semi.is_none_or(|s| open < s) => {
                let mut depth = 0;
                let mut end = rest.len();
                for (k, c) in rest[open..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = open + k + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            (_, Some(semi)) => semi + 1,
            _ => rest.len(),
        };
        let blanked: String = rest[..end]
            .chars()
            .map(|c| if c == '\n' { '\n' } else { ' ' })
            .collect();
        out.replace_range(at..at + end, &blanked);
        from = at + blanked.len();
    }
    out
}

// --- the graph ---

#[derive(Debug, Default)]
struct ModuleGraph {
    /// from -> to -> the first place (`path:line`) that imports it.
    edges: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Debug, PartialEq)]
enum Token {
    Ident(String),
    PathSep,
    Punct(char),
}

impl ModuleGraph {
    /// The imports between the top-level modules `src/lib.rs` declares. Files outside them
    /// (`main.rs`, the binary's `cli/`) use the library as `ci_guard::`, which cannot import
    /// back.
    fn of(files: &[(PathBuf, String)]) -> Self {
        let lib = files
            .iter()
            .find(|(p, _)| p == Path::new("src/lib.rs"))
            .map(|(_, t)| code_only(t))
            .unwrap_or_default();
        let modules: BTreeSet<String> = lib
            .lines()
            .filter_map(|l| {
                let l = l.trim().strip_prefix("pub ").unwrap_or(l.trim());
                l.strip_prefix("mod ")?
                    .strip_suffix(';')
                    .map(str::to_string)
            })
            .collect();
        let mut graph = ModuleGraph::default();
        for (path, text) in files {
            let module_path = module_path(path);
            let Some(top) = module_path.first().filter(|m| modules.contains(*m)) else {
                continue;
            };
            for (target, line) in imports(&code_only(text), &module_path) {
                if target != *top && modules.contains(&target) {
                    graph
                        .edges
                        .entry(top.clone())
                        .or_default()
                        .entry(target)
                        .or_insert_with(|| format!("{}:{line}", path.display()));
                }
            }
        }
        graph
    }

    fn edge(&self, from: &str, to: &str) -> Option<&String> {
        self.edges.get(from)?.get(to)
    }

    fn targets(&self, from: &str) -> Vec<&str> {
        self.edges
            .get(from)
            .map(|t| t.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// Every cycle, shortest through each edge, each starting at its smallest module.
    fn cycles(&self) -> Vec<Vec<String>> {
        let mut found = BTreeSet::new();
        for (from, targets) in &self.edges {
            for to in targets.keys() {
                if let Some(back) = self.path(to, from) {
                    let mut cycle = vec![from.clone()];
                    cycle.extend(back.into_iter().take_while(|m| m != from));
                    let start = cycle
                        .iter()
                        .enumerate()
                        .min_by_key(|(_, m)| *m)
                        .map_or(0, |(i, _)| i);
                    cycle.rotate_left(start);
                    found.insert(cycle);
                }
            }
        }
        found.into_iter().collect()
    }

    /// The shortest import path from `from` to `to` (both included).
    fn path(&self, from: &str, to: &str) -> Option<Vec<String>> {
        let mut came_from: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue = VecDeque::from([from]);
        while let Some(m) = queue.pop_front() {
            if m == to {
                let mut path = vec![to.to_string()];
                let mut at = to;
                while at != from {
                    at = came_from[at];
                    path.push(at.to_string());
                }
                path.reverse();
                return Some(path);
            }
            for next in self.targets(m) {
                if next != from && !came_from.contains_key(next) {
                    came_from.insert(next, m);
                    queue.push_back(next);
                }
            }
        }
        None
    }

    /// `a -> b -> a: a -> b at src/a.rs:3; b -> a at src/b/x.rs:9`.
    fn describe(&self, cycle: &[String]) -> String {
        let mut names: Vec<&str> = cycle.iter().map(String::as_str).collect();
        names.push(&cycle[0]);
        let places: Vec<String> = names
            .windows(2)
            .map(|w| {
                let at = self.edge(w[0], w[1]).map_or("?", String::as_str);
                format!("{} -> {} at {at}", w[0], w[1])
            })
            .collect();
        format!("{}: {}", names.join(" -> "), places.join("; "))
    }
}

/// `src/a/b.rs` and `src/a/b/mod.rs` are `a::b`; `src/lib.rs` and `src/main.rs` the root.
fn module_path(path: &Path) -> Vec<String> {
    let rel = path.strip_prefix("src").unwrap_or(path);
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

fn tokens(code: &str) -> Vec<(Token, usize)> {
    let mut out = Vec::new();
    let mut line = 1;
    let mut chars = code.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n' {
            line += 1;
        } else if c.is_alphabetic() || c == '_' {
            let mut ident = c.to_string();
            while let Some(&n) = chars.peek().filter(|n| n.is_alphanumeric() || **n == '_') {
                ident.push(n);
                chars.next();
            }
            out.push((Token::Ident(ident), line));
        } else if c == ':' && chars.peek() == Some(&':') {
            chars.next();
            out.push((Token::PathSep, line));
        } else if !c.is_whitespace() {
            out.push((Token::Punct(c), line));
        }
    }
    out
}

/// The top-level modules named by `crate::` paths and root-reaching `super::` chains in
/// `code`, a file of module `file_module`, with their lines.
fn imports(code: &str, file_module: &[String]) -> Vec<(String, usize)> {
    let toks = tokens(code);
    let ident = |k: usize| match toks.get(k) {
        Some((Token::Ident(s), _)) => Some(s.as_str()),
        _ => None,
    };
    let sep = |k: usize| matches!(toks.get(k), Some((Token::PathSep, _)));
    let mut out = Vec::new();
    // Inline modules open at a brace depth, so that `super` inside them goes one level less far.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0;
    let mut k = 0;
    while k < toks.len() {
        let line = toks[k].1;
        match &toks[k].0 {
            Token::Punct('{') => depth += 1,
            Token::Punct('}') => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth -= 1;
            }
            Token::Ident(w) if w == "mod" => {
                if let (Some(name), Some((Token::Punct('{'), _))) = (ident(k + 1), toks.get(k + 2))
                {
                    inline.push((name.to_string(), depth + 1));
                }
            }
            Token::Ident(w) if w == "crate" && sep(k + 1) && !(k > 0 && sep(k - 1)) => {
                out.extend(heads(&toks, k + 2).into_iter().map(|m| (m, line)));
            }
            Token::Ident(w) if w == "super" && !(k > 0 && sep(k - 1)) => {
                let mut ups = 0;
                let mut j = k;
                while ident(j) == Some("super") && sep(j + 1) {
                    ups += 1;
                    j += 2;
                }
                let mut here: Vec<String> = file_module.to_vec();
                here.extend(inline.iter().map(|(n, _)| n.clone()));
                if ups > 0 && ups <= here.len() {
                    let base = &here[..here.len() - ups];
                    match base.first() {
                        Some(top) => out.push((top.clone(), line)),
                        None => out.extend(heads(&toks, j).into_iter().map(|m| (m, line))),
                    }
                }
                // `pub(super)` is no path: step over it.
                k = j.max(k + 1);
                continue;
            }
            _ => {}
        }
        k += 1;
    }
    out
}

/// The first segment of the path at `k`, or of each path of a `{a::x, b}` group.
fn heads(toks: &[(Token, usize)], k: usize) -> Vec<String> {
    match toks.get(k) {
        Some((Token::Ident(s), _)) => vec![s.clone()],
        Some((Token::Punct('{'), _)) => {
            let mut out = Vec::new();
            let mut depth = 0;
            let mut expect_head = true;
            for (t, _) in &toks[k..] {
                match t {
                    Token::Punct('{') => {
                        depth += 1;
                        expect_head = depth == 1;
                    }
                    Token::Punct('}') => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    Token::Punct(',') if depth == 1 => expect_head = true,
                    Token::Ident(s) if expect_head && depth == 1 => {
                        out.push(s.clone());
                        expect_head = false;
                    }
                    _ => {}
                }
            }
            out
        }
        _ => Vec::new(),
    }
}
