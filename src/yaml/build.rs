//! Event stream -> `Node` tree.

use std::collections::{HashMap, HashSet};

use saphyr_parser::{Event, Marker, Parser, ScalarStyle as ParserStyle, Span as ParserSpan};

use super::{Document, Entry, Node, Pos, ScalarStyle, Span, Value, YamlError};

/// Upper bound on nodes, aliases included, so that an alias bomb ("billion laughs") cannot
/// exhaust memory. Real workflows have a few thousand nodes at most.
const MAX_NODES: usize = 200_000;
/// Deepest nesting accepted; deeper input is rejected rather than risking a stack overflow in
/// the recursive code that walks the tree.
const MAX_DEPTH: usize = 256;

enum Frame {
    Seq {
        start: Pos,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: Pos,
        anchor: usize,
        entries: Vec<Entry>,
        key: Option<Node>,
        seen: HashSet<String>,
    },
}

struct Builder<'t> {
    text: &'t str,
    line_lengths: Option<Vec<u32>>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    /// Nodes under each anchor, counted once.
    anchor_sizes: HashMap<usize, usize>,
    root: Option<Node>,
    problems: Vec<YamlError>,
    duplicates: Vec<(Pos, Entry)>,
    nodes: usize,
    documents: usize,
}

/// Parse the first YAML document of `text`. A syntax error is returned as `Err` with its
/// position; duplicate keys and ignored extra documents are reported in `Document::problems`.
pub fn parse(text: &str) -> Result<Document, YamlError> {
    let mut error = match parse_once(text) {
        Ok(doc) => return Ok(doc),
        Err(e) => e,
    };
    // A flow collection closed at the indentation of its key (`name: [` … `]` under `name`)
    // is rejected by the parser but read by GitHub's (and libyaml's): one more space before
    // the bracket is what they read. Only that character's column moves.
    let mut fixed = text.to_string();
    for _ in 0..64 {
        let Some(at) = closing_bracket_at(&fixed, &error) else {
            break;
        };
        fixed.insert(at, ' ');
        match parse_once(&fixed) {
            Ok(doc) => return Ok(doc),
            Err(e) => error = e,
        }
    }
    parse_once(text)
}

/// The byte offset of the line start of an "invalid indentation" error whose line starts with
/// a closing `]` or `}`.
fn closing_bracket_at(text: &str, error: &YamlError) -> Option<usize> {
    if !error.message.contains("indentation") {
        return None;
    }
    let line = usize::try_from(error.span.start.line)
        .ok()?
        .checked_sub(1)?;
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i == line {
            return l
                .trim_start_matches(' ')
                .starts_with([']', '}'])
                .then_some(offset);
        }
        offset += l.len();
    }
    None
}

fn parse_once(text: &str) -> Result<Document, YamlError> {
    let mut builder = Builder {
        text,
        line_lengths: None,
        stack: Vec::new(),
        anchors: HashMap::new(),
        anchor_sizes: HashMap::new(),
        root: None,
        problems: Vec::new(),
        duplicates: Vec::new(),
        nodes: 0,
        documents: 0,
    };
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| YamlError {
            message: e.info().to_string(),
            span: Span::new(pos(e.marker()), pos(e.marker())),
        })?;
        builder.event(event, span)?;
    }
    let root = builder.root.unwrap_or_else(|| Node {
        span: Span::new(Pos::new(1, 1), Pos::new(1, 1)),
        value: Value::Scalar(String::new(), ScalarStyle::Plain),
    });
    Ok(Document {
        root,
        problems: builder.problems,
        duplicates: builder.duplicates,
    })
}

fn pos(marker: &Marker) -> Pos {
    Pos::new(
        u32::try_from(marker.line()).unwrap_or(u32::MAX),
        u32::try_from(marker.col()).unwrap_or(u32::MAX - 1) + 1,
    )
}

fn style(style: ParserStyle) -> ScalarStyle {
    match style {
        ParserStyle::Plain => ScalarStyle::Plain,
        ParserStyle::SingleQuoted => ScalarStyle::SingleQuoted,
        ParserStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
        ParserStyle::Literal => ScalarStyle::Literal,
        ParserStyle::Folded => ScalarStyle::Folded,
    }
}

fn count_nodes(node: &Node) -> usize {
    1 + match &node.value {
        Value::Scalar(..) => 0,
        Value::Seq(items) => items.iter().map(count_nodes).sum(),
        Value::Map(entries) => entries
            .iter()
            .map(|e| count_nodes(&e.key) + count_nodes(&e.value))
            .sum(),
    }
}

impl Builder<'_> {
    fn event(&mut self, event: Event<'_>, span: ParserSpan) -> Result<(), YamlError> {
        let start = pos(&span.start);
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents == 2 {
                    self.problems.push(YamlError {
                        message: "more than one YAML document; only the first is read".into(),
                        span: Span::new(start, start),
                    });
                }
            }
            Event::Scalar(text, scalar_style, anchor, _tag) => {
                let end = self.trim_end(start, pos(&span.end));
                let node = Node {
                    span: Span::new(start, end),
                    value: Value::Scalar(text.into_owned(), style(scalar_style)),
                };
                self.complete(node, anchor)?;
            }
            Event::Alias(id) => {
                let Some(target) = self.anchors.get(&id) else {
                    return Err(YamlError {
                        message: "alias to an unknown anchor".into(),
                        span: Span::new(start, pos(&span.end)),
                    });
                };
                // Counted before it is copied: a bomb is refused without being built.
                let size = self.anchor_sizes.get(&id).copied().unwrap_or(1);
                if self.nodes + size > MAX_NODES {
                    return Err(YamlError {
                        message: format!(
                            "this alias repeats its anchor's {size} nodes, which takes the document \
                             past the limit of {MAX_NODES} nodes (every use of an alias counts its \
                             anchor's nodes again); the file was not parsed"
                        ),
                        span: Span::new(start, pos(&span.end)),
                    });
                }
                let node = target.clone();
                // The alias itself is counted by `complete`.
                self.nodes += size - 1;
                self.complete(node, 0)?;
            }
            Event::SequenceStart(anchor, _) => {
                self.open(start)?;
                self.stack.push(Frame::Seq {
                    start,
                    anchor,
                    items: Vec::new(),
                });
            }
            Event::MappingStart(anchor, _) => {
                self.open(start)?;
                self.stack.push(Frame::Map {
                    start,
                    anchor,
                    entries: Vec::new(),
                    key: None,
                    seen: HashSet::new(),
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let closing = pos(&span.end);
                let flow_close = span.start != span.end;
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Seq {
                        start,
                        anchor,
                        items,
                    }) => {
                        let end = Self::container_end(start, items.last(), flow_close, closing);
                        (
                            Node {
                                span: Span::new(start, end),
                                value: Value::Seq(items),
                            },
                            anchor,
                        )
                    }
                    Some(Frame::Map {
                        start,
                        anchor,
                        entries,
                        ..
                    }) => {
                        let last = entries.last().map(|e| &e.value);
                        let end = Self::container_end(start, last, flow_close, closing);
                        (
                            Node {
                                span: Span::new(start, end),
                                value: Value::Map(entries),
                            },
                            anchor,
                        )
                    }
                    None => {
                        return Err(YamlError {
                            message: "unbalanced collection end".into(),
                            span: Span::new(start, start),
                        });
                    }
                };
                self.complete(node, anchor)?;
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
        if self.nodes > MAX_NODES {
            return Err(YamlError {
                message: format!(
                    "the document has more than {MAX_NODES} nodes, the limit; the file was not parsed"
                ),
                span: Span::new(start, start),
            });
        }
        Ok(())
    }

    fn open(&mut self, start: Pos) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(YamlError {
                message: format!("nesting deeper than {MAX_DEPTH} levels"),
                span: Span::new(start, start),
            });
        }
        Ok(())
    }

    /// Block collections end where their last child ends (the parser's end event sits on the
    /// next line or token); flow collections end after their closing bracket.
    fn container_end(start: Pos, last: Option<&Node>, flow_close: bool, closing: Pos) -> Pos {
        if flow_close {
            closing
        } else {
            last.map_or(start, |n| n.span.end)
        }
    }

    /// Block scalars end at column 1 of the line after their content; pull such an end back to
    /// the end of the last content line so a region never points past the node.
    fn trim_end(&mut self, start: Pos, end: Pos) -> Pos {
        if end.column != 1 || end.line <= start.line {
            return end;
        }
        let text = self.text;
        let lengths = self.line_lengths.get_or_insert_with(|| {
            text.split('\n')
                .map(|l| {
                    let l = l.strip_suffix('\r').unwrap_or(l);
                    u32::try_from(l.chars().count()).unwrap_or(u32::MAX - 1)
                })
                .collect()
        });
        let line = end.line - 1;
        let len = lengths.get(line as usize - 1).copied().unwrap_or(0);
        Pos::new(line, len + 1)
    }

    fn complete(&mut self, node: Node, anchor: usize) -> Result<(), YamlError> {
        self.nodes += 1;
        if anchor != 0 {
            self.anchor_sizes.insert(anchor, count_nodes(&node));
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                start,
                entries,
                key,
                seen,
                ..
            }) => match key.take() {
                None => *key = Some(node),
                Some(k) => {
                    let duplicate = match k.as_scalar() {
                        Some(name) => !seen.insert(name.to_string()),
                        None => false,
                    };
                    if duplicate {
                        self.problems.push(YamlError {
                            message: format!(
                                "duplicate key `{}`; the first one is kept",
                                k.as_scalar().unwrap_or_default()
                            ),
                            span: k.span,
                        });
                        self.duplicates.push((
                            *start,
                            Entry {
                                key: k,
                                value: node,
                            },
                        ));
                    } else {
                        entries.push(Entry {
                            key: k,
                            value: node,
                        });
                    }
                }
            },
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flow_list_closed_at_its_key_indentation_is_read() {
        // The shape of pytest-dev/pytest test.yml: GitHub runs it, so it is a workflow.
        let text = "matrix:\n  name: [\n    \"a\",\n    \"b\",\n  ]\n  os: x\n";
        assert!(parse_once(text).is_err(), "the parser alone rejects it");
        let d = doc(text);
        let names = d
            .root
            .get("matrix")
            .and_then(|m| m.get("name"))
            .expect("name");
        assert_eq!(names.as_seq().map(<[Node]>::len), Some(2));
        assert_eq!(
            d.root
                .get("matrix")
                .and_then(|m| m.get("os"))
                .and_then(Node::as_str),
            Some("x")
        );
        // A real indentation error is still one.
        assert!(parse("a:\n  b: 1\n c: 2\n").is_err());
    }

    fn doc(text: &str) -> Document {
        parse(text).expect("valid yaml")
    }

    #[test]
    fn spans_are_one_based_and_exact() {
        let d = doc("on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n");
        let build = d
            .root
            .get("jobs")
            .and_then(|j| j.entry("build"))
            .expect("build");
        assert_eq!(build.key.span.start, Pos::new(3, 3));
        let runs_on = build.value.get("runs-on").expect("runs-on");
        assert_eq!(runs_on.span.start, Pos::new(4, 14));
        assert_eq!(runs_on.span.end, Pos::new(4, 27));
        assert_eq!(runs_on.as_str(), Some("ubuntu-latest"));
        // A block mapping ends where its last value ends, not on the next line.
        assert_eq!(build.value.span.end, Pos::new(4, 27));
    }

    #[test]
    fn duplicate_key_is_reported_and_first_kept() {
        let d = doc("on:\n  push:\n    branches: [main]\n  push:\n    tags: ['v*']\n");
        assert_eq!(d.problems.len(), 1);
        assert_eq!(d.problems[0].span.start, Pos::new(4, 3));
        assert!(d.problems[0].message.contains("duplicate key `push`"));
        let on = d.root.get("on").expect("on");
        assert!(on.get("push").and_then(|p| p.get("branches")).is_some());
    }

    #[test]
    fn syntax_error_has_position() {
        let e = parse("jobs:\n  a: [1, 2\n").expect_err("unterminated flow sequence");
        assert!(e.span.start.line >= 2, "{e}");
    }

    #[test]
    fn block_scalar_end_stays_on_its_last_line() {
        let d = doc("run: |\n  echo a\n  echo b\nnext: 1\n");
        let run = d.root.get("run").expect("run");
        // saphyr starts a block scalar at its first content line, past the `|` indicator.
        assert_eq!(run.span.start, Pos::new(2, 3));
        assert_eq!(run.span.end, Pos::new(3, 9));
        assert_eq!(run.as_str(), Some("echo a\necho b\n"));
    }

    #[test]
    fn anchors_and_aliases_resolve() {
        let d = doc("a: &x {k: v}\nb: *x\n");
        assert_eq!(
            d.root
                .get("b")
                .and_then(|b| b.get("k"))
                .and_then(Node::as_str),
            Some("v")
        );
    }

    #[test]
    fn alias_bomb_is_rejected() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..8 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let e = parse(&text).expect_err("bomb");
        // The limit that was reached, at the alias that reached it.
        assert!(
            e.message
                .starts_with("this alias repeats its anchor's 111111 nodes")
                && e.message.contains("past the limit of 200000 nodes"),
            "{e}"
        );
        assert_eq!((e.span.start.line, e.span.start.column), (6, 10));
        // Many nodes without an alias reach the same limit, said as such.
        let big = "- x\n".repeat(200_001);
        let e = parse(&big).expect_err("too many nodes");
        assert!(
            e.message
                .starts_with("the document has more than 200000 nodes, the limit"),
            "{e}"
        );
    }

    #[test]
    fn deep_nesting_is_rejected() {
        let text = "[".repeat(1000);
        assert!(parse(&text).is_err());
    }

    #[test]
    fn booleans_and_nulls_follow_yaml_1_2() {
        let d = doc("a: true\nb: 'true'\nc: ~\nd:\ne: yes\n");
        assert_eq!(d.root.get("a").and_then(Node::as_bool), Some(true));
        assert_eq!(d.root.get("b").and_then(Node::as_bool), None);
        assert!(d.root.get("c").is_some_and(Node::is_null));
        assert!(d.root.get("d").is_some_and(Node::is_null));
        assert_eq!(d.root.get("e").and_then(Node::as_bool), None);
    }
}
