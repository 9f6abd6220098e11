//! A small JSON reader that keeps the byte range of every value and object key, so lockfile
//! readers can name the exact line of a package entry (serde_json keeps no positions).
//!
//! The text is first checked by serde_json, whose error names the line and column; this parser
//! then only has to build the tree of a valid document.

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// The number as written.
    Number(String),
    Str(String),
    Array(Vec<Node>),
    Object(Vec<Member>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Byte range in the text.
    pub start: usize,
    pub end: usize,
    pub value: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    pub key: String,
    /// Byte offset of the key's opening quote.
    pub key_start: usize,
    pub key_end: usize,
    pub value: Node,
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.members()?
            .iter()
            .find(|m| m.key == key)
            .map(|m| &m.value)
    }
    pub fn members(&self) -> Option<&[Member]> {
        match &self.value {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }
    pub fn items(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    /// A number or a string, as text.
    pub fn as_text(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) | Value::Number(s) => Some(s),
            _ => None,
        }
    }
    pub fn str_of(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_str)
    }
    pub fn bool_of(&self, key: &str) -> bool {
        self.get(key).and_then(Node::as_bool).unwrap_or(false)
    }
}

/// Where and why a text is not JSON: 1-based line, byte column as serde_json reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

const MAX_DEPTH: usize = 256;

/// Parse `text` (a UTF-8 byte order mark is skipped).
pub fn parse(text: &str) -> Result<Node, JsonError> {
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
        // serde_json says line 0 when it has no place; keep 1 so the message has one.
        let message = e.to_string();
        let message = message
            .rsplit_once(" at line ")
            .map(|(m, _)| m.to_string())
            .unwrap_or(message);
        return Err(JsonError {
            line: e.line().max(1),
            column: e.column().max(1),
            message,
        });
    }
    let mut p = P {
        b: text.as_bytes(),
        i: 0,
        depth: 0,
    };
    if text.starts_with('\u{feff}') {
        p.i = 3;
    }
    p.ws();
    p.value().ok_or_else(|| JsonError {
        line: 1,
        column: 1,
        message: "unexpected JSON structure".into(),
    })
}

struct P<'a> {
    b: &'a [u8],
    i: usize,
    depth: usize,
}

impl P<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn value(&mut self) -> Option<Node> {
        let start = self.i;
        let value = match *self.b.get(self.i)? {
            b'{' => {
                self.enter()?;
                self.i += 1;
                let mut members = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b'}') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        let key_start = self.i;
                        let key = self.string()?;
                        let key_end = self.i;
                        self.ws();
                        if self.b.get(self.i) != Some(&b':') {
                            return None;
                        }
                        self.i += 1;
                        self.ws();
                        let value = self.value()?;
                        members.push(Member {
                            key,
                            key_start,
                            key_end,
                            value,
                        });
                        self.ws();
                        match self.b.get(self.i)? {
                            b',' => self.i += 1,
                            b'}' => {
                                self.i += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
                self.depth -= 1;
                Value::Object(members)
            }
            b'[' => {
                self.enter()?;
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b']') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        items.push(self.value()?);
                        self.ws();
                        match self.b.get(self.i)? {
                            b',' => self.i += 1,
                            b']' => {
                                self.i += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
                self.depth -= 1;
                Value::Array(items)
            }
            b'"' => Value::Str(self.string()?),
            b't' => self.word("true", Value::Bool(true))?,
            b'f' => self.word("false", Value::Bool(false))?,
            b'n' => self.word("null", Value::Null)?,
            _ => {
                while self.i < self.b.len()
                    && matches!(
                        self.b[self.i],
                        b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'
                    )
                {
                    self.i += 1;
                }
                if self.i == start {
                    return None;
                }
                Value::Number(String::from_utf8_lossy(&self.b[start..self.i]).into_owned())
            }
        };
        Some(Node {
            start,
            end: self.i,
            value,
        })
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    fn word(&mut self, w: &str, v: Value) -> Option<Value> {
        if self.b[self.i..].starts_with(w.as_bytes()) {
            self.i += w.len();
            Some(v)
        } else {
            None
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let s = std::str::from_utf8(self.b.get(self.i..self.i + 4)?).ok()?;
        let v = u32::from_str_radix(s, 16).ok()?;
        self.i += 4;
        Some(v)
    }

    fn string(&mut self) -> Option<String> {
        if self.b.get(self.i) != Some(&b'"') {
            return None;
        }
        self.i += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let c = *self.b.get(self.i)?;
            self.i += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let e = *self.b.get(self.i)?;
                    self.i += 1;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let cp = if (0xD800..0xDC00).contains(&hi)
                                && self.b.get(self.i..self.i + 2) == Some(b"\\u")
                            {
                                self.i += 2;
                                let lo = self.hex4()?;
                                0x10000 + ((hi - 0xD800) << 10) + (lo.wrapping_sub(0xDC00) & 0x3FF)
                            } else {
                                hi
                            };
                            char::from_u32(cp).unwrap_or('\u{fffd}')
                        }
                        _ => return None,
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                _ => out.push(c),
            }
        }
        Some(String::from_utf8_lossy(&out).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_key_offsets_and_decodes_escapes() {
        let t = "{\n  \"a\\u00e9\": [1, true, null],\n  \"b\": {\"c\": \"\\ud83d\\ude00\"}\n}";
        let n = parse(t).expect("valid");
        let m = &n.members().expect("object")[0];
        assert_eq!(m.key, "aé");
        assert_eq!(&t[m.key_start..m.key_start + 1], "\"");
        assert_eq!(n.get("b").and_then(|b| b.str_of("c")), Some("😀"));
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = parse("{\n  \"a\": 1,\n  \"b\": }").expect_err("invalid");
        assert_eq!(e.line, 3);
    }
}
