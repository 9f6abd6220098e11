//! Placeholder with the final API; the real reader lands from the `shell` branch.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    pub words: Vec<String>,
    pub text: String,
    pub line: u32,
    pub column: u32,
    pub failure_swallowed: Option<Swallow>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Swallow {
    pub kind: SwallowKind,
    pub line: u32,
    pub column: u32,
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SwallowKind {
    OrTrue,
    OrEcho,
    OrOther,
    SetPlusE,
    PipeWithoutPipefail,
}

pub fn commands(script: &str, _pipefail: bool) -> Vec<Command> {
    let mut out = Vec::new();
    for (i, line) in script.lines().enumerate() {
        let line_no = i as u32 + 1;
        let parts: Vec<&str> = line.split("||").collect();
        let swallow = parts.get(1).map(|rest| Swallow {
            kind: if rest.trim() == "true" {
                SwallowKind::OrTrue
            } else {
                SwallowKind::OrOther
            },
            line: line_no,
            column: line.find("||").map_or(1, |c| c as u32 + 1),
            text: format!("||{rest}"),
        });
        let first = parts[0];
        for piece in first.split("&&") {
            let words: Vec<String> = piece.split_whitespace().map(str::to_string).collect();
            if words.is_empty() || words[0].starts_with('#') {
                continue;
            }
            let column = line.find(piece.trim()).map_or(1, |c| c as u32 + 1);
            out.push(Command {
                words,
                text: piece.trim().to_string(),
                line: line_no,
                column,
                failure_swallowed: swallow.clone(),
            });
        }
    }
    out
}
