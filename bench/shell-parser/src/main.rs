//! ci-guard's hand-written shell reader next to two maintained parsers (tree-sitter-bash through
//! the `tree-sitter` crate, and `brush-parser`) on every POSIX-shell `run:` block of a corpus:
//! where each one says the simple commands start, how each copes with scripts bash itself
//! rejects, and how long each takes.
//!
//!   shell-parser-bench CORPUS        (or CI_GUARD_CORPUS=CORPUS)
//!
//! `${{ … }}` is masked first (same length, as ci-guard's script checks see it). The reference
//! for "valid" is `bash -n` on the masked script. Commands inside `$( … )`, `<( … )` and
//! backticks are left out of the comparison (the hand-written reader does not list them), and
//! so are the commands it reads inside `bash -c '…'` bodies (the parsers see a string there).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ci_guard::inventory::shell;
use ci_guard::workflow::{ActionRuns, Step, expr, parse_action, parse_workflow};

type Starts = BTreeSet<(u32, u32)>;

fn main() {
    let corpus = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("CI_GUARD_CORPUS").ok())
        .unwrap_or_else(|| {
            eprintln!("usage: shell-parser-bench CORPUS (or set CI_GUARD_CORPUS)");
            std::process::exit(2);
        });
    let scripts = collect(Path::new(&corpus));
    println!("run: blocks read as a POSIX shell: {}", scripts.len());

    // Validity by bash itself.
    let valid: Vec<bool> = scripts.iter().map(|s| bash_accepts(s)).collect();
    let invalid = valid.iter().filter(|v| !**v).count();
    println!("rejected by `bash -n`: {invalid}");

    // Speed: best of three passes over every script.
    let hand = time(&scripts, |s| shell::commands(s, false).len());
    let mut ts = tree_sitter::Parser::new();
    ts.set_language(&tree_sitter_bash::LANGUAGE.into())
        .expect("bash grammar");
    let tsitter = time(&scripts, |s| {
        ts.parse(s, None).map_or(0, |t| t.root_node().child_count())
    });
    let brush = time(&scripts, |s| usize::from(brush_parse(s).is_ok()));
    println!();
    println!("speed (best of 3 passes over all blocks)");
    for (name, d) in [
        ("hand-written", hand),
        ("tree-sitter-bash", tsitter),
        ("brush-parser", brush),
    ] {
        println!(
            "  {name:<18} {:>8.1} ms  {:>5.2}x the hand-written reader",
            d.as_secs_f64() * 1e3,
            d.as_secs_f64() / hand.as_secs_f64()
        );
    }

    // Error tolerance and agreement.
    let mut ts_err_valid = 0;
    let mut ts_err_invalid = 0;
    let mut brush_fail_valid = 0;
    let mut brush_fail_invalid = 0;
    let mut agree = Agreement::default();
    let mut agree_brush = Agreement::default();
    let mut samples: Vec<String> = Vec::new();
    for (s, ok) in scripts.iter().zip(&valid) {
        let tree = ts.parse(s, None).expect("tree");
        let has_error = tree.root_node().has_error();
        match (has_error, ok) {
            (true, true) => ts_err_valid += 1,
            (true, false) => ts_err_invalid += 1,
            _ => {}
        }
        let brush_ast = brush_parse(s);
        match (brush_ast.is_err(), ok) {
            (true, true) => brush_fail_valid += 1,
            (true, false) => brush_fail_invalid += 1,
            _ => {}
        }
        if !ok {
            // Scripts bash rejects: what each reader still finds is counted below.
            agree.invalid_hand += hand_starts(s, false).len();
            agree.invalid_ts += ts_starts(&tree, s).len();
            agree.invalid_brush += brush_ast.map_or(0, |v| brush_starts(&v).len());
            continue;
        }
        let h = hand_starts(s, false);
        let t = ts_starts(&tree, s);
        agree.add(&h, &t);
        if h != t && samples.len() < 12 {
            let only_h: Vec<_> = h.difference(&t).take(3).collect();
            let only_t: Vec<_> = t.difference(&h).take(3).collect();
            samples.push(format!(
                "only hand-written {only_h:?}, only tree-sitter {only_t:?}\n{}",
                first_lines(s, 6)
            ));
        }
        if let Ok(v) = brush_ast {
            agree_brush.add(&hand_starts(s, true), &brush_starts(&v));
        }
    }
    let valid_n = scripts.len() - invalid;
    println!();
    println!("error tolerance");
    println!(
        "  tree-sitter-bash: ERROR/MISSING nodes in {ts_err_valid} of {valid_n} blocks bash accepts, in {ts_err_invalid} of {invalid} it rejects (the tree is still built)"
    );
    println!(
        "  brush-parser:     no AST for {brush_fail_valid} of {valid_n} blocks bash accepts, for {brush_fail_invalid} of {invalid} it rejects (all or nothing)"
    );
    println!("  hand-written:     always reads to the end (no error state)");
    println!(
        "  commands found in the {invalid} rejected blocks: hand-written {}, tree-sitter {}, brush {}",
        agree.invalid_hand, agree.invalid_ts, agree.invalid_brush
    );
    println!();
    println!("command starts (line:column) in the blocks bash accepts");
    agree.print("tree-sitter-bash");
    agree_brush.print("brush-parser");
    println!();
    println!("first differing blocks (hand-written vs tree-sitter):");
    for s in samples {
        println!("---\n{s}");
    }
}

#[derive(Default)]
struct Agreement {
    blocks: usize,
    same_blocks: usize,
    both: usize,
    only_hand: usize,
    only_other: usize,
    invalid_hand: usize,
    invalid_ts: usize,
    invalid_brush: usize,
}

impl Agreement {
    fn add(&mut self, h: &Starts, o: &Starts) {
        self.blocks += 1;
        self.same_blocks += usize::from(h == o);
        self.both += h.intersection(o).count();
        self.only_hand += h.difference(o).count();
        self.only_other += o.difference(h).count();
    }

    fn print(&self, name: &str) {
        println!(
            "  vs {name:<17} {} of {} blocks identical; starts in both {}, only hand-written {}, only {name} {}",
            self.same_blocks, self.blocks, self.both, self.only_hand, self.only_other
        );
    }
}

fn first_lines(s: &str, n: usize) -> String {
    s.lines().take(n).collect::<Vec<_>>().join("\n")
}

fn time(scripts: &[String], mut f: impl FnMut(&str) -> usize) -> Duration {
    (0..3)
        .map(|_| {
            let t = Instant::now();
            let mut sink = 0usize;
            for s in scripts {
                sink = sink.wrapping_add(f(s));
            }
            std::hint::black_box(sink);
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn bash_accepts(script: &str) -> bool {
    std::process::Command::new("bash")
        .args(["-n", "-c", script])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Command starts of the hand-written reader, without the commands it reads inside
/// `bash -c` bodies (they follow their `bash -c` command and start inside its text).
/// `no_dbracket`: leave `[[ … ]]` out (brush-parser has it as its own node kind).
fn hand_starts(s: &str, no_dbracket: bool) -> Starts {
    let cmds = shell::commands(s, false);
    let mut out = Starts::new();
    let mut container: Option<(u32, u32, usize)> = None;
    for c in &cmds {
        let inside = container.is_some_and(|(l, col, len)| {
            let end_line = l + c.text.matches('\n').count() as u32;
            let _ = end_line;
            (c.line, c.column) > (l, col) && c.line <= l + 1000 && {
                // Inside when it starts within the containing command's text.
                let off = offset_of(s, c.line, c.column);
                let start = offset_of(s, l, col);
                off > start && off < start + len
            }
        });
        if inside {
            continue;
        }
        container = Some((c.line, c.column, c.text.len()));
        let first = c.words.first().map_or("", String::as_str);
        if first.starts_with("((") || (no_dbracket && first == "[[") {
            continue;
        }
        out.insert((c.line, c.column));
    }
    out
}

fn offset_of(s: &str, line: u32, column: u32) -> usize {
    let mut off = 0;
    for (i, l) in s.split('\n').enumerate() {
        if i + 1 == line as usize {
            return off
                + l.char_indices()
                    .nth(column.saturating_sub(1) as usize)
                    .map_or(l.len(), |(b, _)| b);
        }
        off += l.len() + 1;
    }
    off
}

fn ts_starts(tree: &tree_sitter::Tree, s: &str) -> Starts {
    let lines: Vec<&str> = s.split('\n').collect();
    let mut out = Starts::new();
    let mut cursor = tree.walk();
    let mut stack = vec![tree.root_node()];
    while let Some(n) = stack.pop() {
        match n.kind() {
            "command_substitution" | "process_substitution" | "heredoc_body" => continue,
            "command" | "test_command" | "declaration_command" | "unset_command" => {
                let p = n.start_position();
                let line = lines.get(p.row).copied().unwrap_or("");
                let col = line.get(..p.column).map_or(p.column, |t| t.chars().count());
                out.insert((p.row as u32 + 1, col as u32 + 1));
            }
            _ => {}
        }
        for c in n.children(&mut cursor) {
            stack.push(c);
        }
    }
    out
}

fn brush_parse(s: &str) -> Result<serde_json::Value, String> {
    let opts = brush_parser::ParserOptions::default();
    let mut p = brush_parser::Parser::new(std::io::BufReader::new(s.as_bytes()), &opts);
    let prog = p.parse_program().map_err(|e| e.to_string())?;
    serde_json::to_value(&prog).map_err(|e| e.to_string())
}

/// Starts of brush-parser's simple commands: the earliest word location inside each.
fn brush_starts(v: &serde_json::Value) -> Starts {
    fn earliest(v: &serde_json::Value, best: &mut Option<(u32, u32)>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(start) = m.get("loc").and_then(|l| l.get("start")) {
                    let line = start.get("line").and_then(serde_json::Value::as_u64);
                    let col = start.get("column").and_then(serde_json::Value::as_u64);
                    if let (Some(l), Some(c)) = (line, col) {
                        let p = (l as u32, c as u32);
                        if best.is_none_or(|b| p < b) {
                            *best = Some(p);
                        }
                    }
                }
                for x in m.values() {
                    earliest(x, best);
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| earliest(x, best)),
            _ => {}
        }
    }
    fn walk(v: &serde_json::Value, out: &mut Starts) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(simple) = m.get("Simple") {
                    let mut best = None;
                    earliest(simple, &mut best);
                    out.extend(best);
                }
                for x in m.values() {
                    walk(x, out);
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = Starts::new();
    walk(v, &mut out);
    out
}

/// Every `run:` block of the corpus's workflows and local actions whose shell is bash or sh
/// (GitHub's default on Linux included), masked.
fn collect(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    walk(root, &mut files);
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let rel = f.to_string_lossy().to_string();
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let mut steps: Vec<Step> = Vec::new();
        if name.starts_with("action.") {
            if let (Some(a), _) = parse_action(&text, &rel)
                && let Some(ActionRuns::Composite { steps: s }) = a.runs
            {
                steps.extend(s);
            }
        } else if let (Some(wf), _) = parse_workflow(&text, &rel) {
            for job in wf.jobs {
                // Windows runners default to pwsh.
                let runs_on = job.runs_on.as_ref().map_or(String::new(), |n| {
                    n.as_seq().map_or_else(
                        || n.as_scalar().unwrap_or("").to_string(),
                        |s| s.iter().filter_map(|x| x.as_scalar()).collect(),
                    )
                });
                if runs_on.contains("windows") {
                    continue;
                }
                steps.extend(job.all_steps().into_iter().cloned());
            }
        }
        for step in steps {
            let posix = step.shell.as_ref().is_none_or(|sh| {
                let prog = sh.value.split_whitespace().next().unwrap_or("");
                matches!(prog, "bash" | "sh")
            });
            if let (Some(run), true) = (step.run, posix) {
                out.push(expr::mask(&run.value));
            }
        }
    }
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().to_string();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            if name != "node_modules" && name != ".git" {
                walk(&p, out);
            }
        } else if ft.is_file() {
            let in_workflows = p
                .parent()
                .is_some_and(|d| d.ends_with(".github/workflows"));
            let yaml = name.ends_with(".yml") || name.ends_with(".yaml");
            if yaml && (in_workflows || name == "action.yml" || name == "action.yaml") {
                out.push(p);
            }
        }
    }
}
