//! Local actions (`action.yml`): composite, docker and JavaScript actions.

use super::parse::{Ctx, expressions};
use super::{ModelError, Spanned, Step};
use crate::source::SourceText;
use crate::yaml::{self, Node};

#[derive(Clone, Debug)]
pub struct Action {
    pub rel: String,
    pub root: Node,
    pub name: Option<Spanned<String>>,
    pub inputs: Vec<Spanned<String>>,
    pub runs: Option<ActionRuns>,
    pub expressions: Vec<super::Expression>,
}

#[derive(Clone, Debug)]
pub enum ActionRuns {
    Composite {
        steps: Vec<Step>,
    },
    /// `image:` is `Dockerfile`, a path, or `docker://…`.
    Docker {
        image: Option<Spanned<String>>,
    },
    Node {
        using: Spanned<String>,
        main: Option<Spanned<String>>,
    },
    Other(Spanned<String>),
}

pub fn parse_action(text: &str, rel: &str) -> (Option<Action>, Vec<ModelError>) {
    let doc = match yaml::parse(text) {
        Ok(d) => d,
        Err(e) => {
            return (
                None,
                vec![ModelError {
                    message: format!("YAML syntax error: {}", e.message),
                    span: e.span,
                }],
            );
        }
    };
    let mut cx = Ctx::default();
    cx.errors.extend(doc.problems.iter().map(|p| ModelError {
        message: p.message.clone(),
        span: p.span,
    }));
    let root = &doc.root;
    if root.as_map().is_none() {
        cx.error(
            root,
            format!("an action must be a mapping, found {}", root.kind_name()),
        );
        return (None, cx.errors);
    }
    let name = root.get("name").and_then(|n| cx.string(n, "name"));
    let inputs = root
        .get("inputs")
        .and_then(|i| cx.map(i, "inputs"))
        .unwrap_or_default()
        .iter()
        .filter_map(|e| {
            Some(Spanned {
                value: e.key_str()?.to_string(),
                span: e.key.span,
            })
        })
        .collect();
    let runs = match root.get("runs") {
        None => {
            cx.error(root, "an action needs a `runs:` key");
            None
        }
        Some(runs) => cx.map(runs, "runs").and_then(|_| {
            let using = runs.get("using").and_then(|u| cx.string(u, "using"));
            let Some(using) = using else {
                cx.error(runs, "`runs` needs `using:`");
                return None;
            };
            Some(match using.value.as_str() {
                "composite" => ActionRuns::Composite {
                    steps: runs.get("steps").map(|s| cx.steps(s)).unwrap_or_default(),
                },
                "docker" => ActionRuns::Docker {
                    image: runs.get("image").and_then(|i| cx.string(i, "image")),
                },
                u if u.starts_with("node") => ActionRuns::Node {
                    main: runs.get("main").and_then(|m| cx.string(m, "main")),
                    using,
                },
                _ => ActionRuns::Other(using),
            })
        }),
    };
    let action = Action {
        rel: rel.to_string(),
        root: crate::yaml::Node {
            span: root.span,
            value: crate::yaml::Value::Seq(Vec::new()),
        },
        name,
        inputs,
        runs,
        expressions: expressions(root, &SourceText::new(text)),
    };
    let mut action = action;
    action.root = doc.root;
    (Some(action), cx.errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composite_docker_and_node() {
        let (a, e) = parse_action(
            "name: x\ninputs:\n  token: {}\nruns:\n  using: composite\n  steps:\n    - run: echo ${{ inputs.token }}\n      shell: bash\n",
            "action.yml",
        );
        assert!(e.is_empty(), "{e:?}");
        let a = a.expect("action");
        assert_eq!(a.inputs[0].value, "token");
        assert!(matches!(&a.runs, Some(ActionRuns::Composite { steps }) if steps.len() == 1));
        assert_eq!(a.expressions[0].contexts, vec!["inputs.token"]);

        let (a, _) = parse_action(
            "runs:\n  using: docker\n  image: docker://alpine:3\n",
            "a.yml",
        );
        assert!(
            matches!(a.and_then(|a| a.runs), Some(ActionRuns::Docker { image: Some(i) }) if i.value == "docker://alpine:3")
        );
        let (a, _) = parse_action("runs:\n  using: node20\n  main: dist/index.js\n", "a.yml");
        assert!(matches!(
            a.and_then(|a| a.runs),
            Some(ActionRuns::Node { .. })
        ));
    }

    #[test]
    fn missing_runs_is_an_error() {
        let (_, e) = parse_action("name: x\n", "action.yml");
        assert_eq!(e.len(), 1);
        assert!(e[0].message.contains("`runs:`"));
    }
}
