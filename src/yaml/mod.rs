//! A span-preserving YAML tree built in one pass over saphyr-parser's event stream.
//!
//! We do not use saphyr's `MarkedYaml`: its mappings are hash maps, so a duplicated key silently
//! replaces the first one, and GitHub rejects such a workflow. Building the tree from the events
//! ourselves lets every node and every key keep its exact span, and lets us report duplicates.

mod build;

pub use build::parse;

use std::fmt;

/// A 1-based position: line and column, the column counted in Unicode code points (as SARIF's
/// `columnKind: unicodeCodePoints`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl Pos {
    pub const fn new(line: u32, column: u32) -> Self {
        Self { line, column }
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// The source range of a node: `start` inclusive, `end` exclusive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: Pos,
    pub end: Pos,
}

impl Span {
    pub const fn new(start: Pos, end: Pos) -> Self {
        Self { start, end }
    }
}

/// How a scalar was written; `${{ }}` detection and `fix` edits care about quoting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Scalar(String, ScalarStyle),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub span: Span,
    pub value: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

impl Entry {
    /// The key as text, when it is a scalar (it always is in workflows).
    pub fn key_str(&self) -> Option<&str> {
        self.key.as_scalar()
    }
}

/// A problem found while reading YAML: a syntax error (fatal) or a duplicate key (the tree keeps
/// the first occurrence and the problem is still reported).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    pub message: String,
    pub span: Span,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}", self.message, self.span.start)
    }
}

/// One parsed document with the non-fatal problems met while building it.
#[derive(Clone, Debug)]
pub struct Document {
    pub root: Node,
    pub problems: Vec<YamlError>,
    /// Entries dropped because their key was already in their mapping, with where that mapping
    /// starts: not part of the tree, but what a broken file's author wrote.
    pub duplicates: Vec<(Pos, Entry)>,
}

impl Node {
    pub fn as_scalar(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s, _) => Some(s),
            _ => None,
        }
    }

    /// A scalar that is not null.
    pub fn as_str(&self) -> Option<&str> {
        if self.is_null() {
            None
        } else {
            self.as_scalar()
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn style(&self) -> Option<ScalarStyle> {
        match &self.value {
            Value::Scalar(_, style) => Some(*style),
            _ => None,
        }
    }

    /// YAML 1.2 core schema null: `~`, `null` in its three spellings, or nothing.
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar(s, ScalarStyle::Plain)
            if matches!(s.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// YAML 1.2 core schema booleans (plain scalars only).
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Scalar(s, ScalarStyle::Plain) => match s.as_str() {
                "true" | "True" | "TRUE" => Some(true),
                "false" | "False" | "FALSE" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// The entry of a mapping with this key (the first one, if the key is duplicated).
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().find(|e| e.key_str() == Some(key))
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// A short name for the node's kind, for messages such as "expected a mapping, found a list".
    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Scalar(..) if self.is_null() => "null",
            Value::Scalar(..) => "a scalar",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}
