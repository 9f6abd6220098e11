//! The action runs from the repository as it is: main's `action.yml` builds the Dockerfile, and
//! the release workflow's rewrite (`scripts/pin-action-image.sh`, run by `release.yml` on the
//! release commit the major tag points to) makes it name the published image by digest. Docker
//! itself is not run here; the Dockerfile is checked to copy every file the build embeds.

use std::path::{Path, PathBuf};
use std::process::Command;

use ci_guard::yaml::{Node, parse};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const IMAGE: &str = "ghcr.io/ci-guard/ci-guard";

fn root(rel: &str) -> PathBuf {
    Path::new(ROOT).join(rel)
}

fn yaml(path: &Path) -> Node {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc = parse(&text).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
    assert!(
        doc.problems.is_empty(),
        "{}: {:?}",
        path.display(),
        doc.problems
    );
    doc.root
}

fn runs_image(action: &Node) -> String {
    let runs = action.get("runs").expect("runs:");
    assert_eq!(runs.get("using").and_then(Node::as_str), Some("docker"));
    runs.get("image")
        .and_then(Node::as_str)
        .expect("runs.image")
        .to_string()
}

/// `scripts/pin-action-image.sh` on a copy of main's action.yml: (exit code, stderr, the copy).
fn pin(image: &str, digest: &str) -> (i32, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let copy = dir.path().join("action.yml");
    std::fs::copy(root("action.yml"), &copy).expect("copy action.yml");
    let out = Command::new("bash")
        .arg(root("scripts/pin-action-image.sh"))
        .arg(&copy)
        .args([image, digest])
        .output()
        .expect("bash runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code().unwrap_or(-1), stderr, dir)
}

/// A digest as `docker/build-push-action` reports it (64 lower-case hex digits).
fn fake_digest() -> String {
    format!("sha256:{}", "0123456789abcdef".repeat(4))
}

fn is_pinned_image(image: &str) -> bool {
    let Some(rest) = image.strip_prefix("docker://") else {
        return false;
    };
    let Some((name, hex)) = rest.split_once("@sha256:") else {
        return false;
    };
    name.starts_with("ghcr.io/")
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "./-_".contains(c))
        && hex.len() == 64
        && hex.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f'))
        && hex.chars().any(|c| c != '0')
}

#[test]
fn main_action_builds_the_dockerfile() {
    let action = yaml(&root("action.yml"));
    assert_eq!(runs_image(&action), "Dockerfile");
    assert!(root("Dockerfile").is_file());
    let args: Vec<&str> = action
        .get("runs")
        .and_then(|r| r.get("args"))
        .and_then(Node::as_seq)
        .expect("runs.args")
        .iter()
        .filter_map(Node::as_str)
        .collect();
    assert_eq!(args, ["run"]);
}

#[test]
fn the_release_rewrite_names_the_published_image_by_digest() {
    let digest = fake_digest();
    let (code, stderr, dir) = pin(IMAGE, &digest);
    assert_eq!(code, 0, "{stderr}");
    let pinned_path = dir.path().join("action.yml");
    let image = runs_image(&yaml(&pinned_path));
    assert_eq!(image, format!("docker://{IMAGE}@{digest}"));
    assert!(is_pinned_image(&image), "{image}");
    // Nothing else changes: the same inputs, outputs and arguments, line for line.
    let before = std::fs::read_to_string(root("action.yml")).expect("read");
    let after = std::fs::read_to_string(&pinned_path).expect("read");
    let differ: Vec<(&str, &str)> = before
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(
        differ,
        [(
            "  image: Dockerfile",
            &*format!("  image: docker://{IMAGE}@{digest}")
        )]
    );
    assert_eq!(before.lines().count(), after.lines().count());
}

#[test]
fn the_release_rewrite_refuses_what_is_not_a_published_digest() {
    let zeros = format!("sha256:{}", "0".repeat(64));
    let upper = format!("sha256:{}", "ABCDEF0123456789".repeat(4));
    for (image, digest, why) in [
        (IMAGE, "sha256:abc", "64 lower-case hex"),
        (IMAGE, "latest", "64 lower-case hex"),
        (IMAGE, upper.as_str(), "64 lower-case hex"),
        (IMAGE, zeros.as_str(), "placeholder"),
        ("ghcr.io/CI-Guard/ci-guard", "", "64 lower-case hex"),
        (
            "ghcr.io/CI-Guard/ci-guard",
            &fake_digest(),
            "lower-case registry path",
        ),
        ("ci-guard", &fake_digest(), "lower-case registry path"),
    ] {
        let (code, stderr, dir) = pin(image, digest);
        assert_eq!(code, 2, "{image} {digest}: {stderr}");
        assert!(stderr.contains(why), "{image} {digest}: {stderr}");
        let unchanged = std::fs::read(dir.path().join("action.yml")).expect("read");
        assert_eq!(unchanged, std::fs::read(root("action.yml")).expect("read"));
    }
    // An action.yml already pinned (or otherwise without `image: Dockerfile`) is refused too.
    let (_, _, dir) = pin(IMAGE, &fake_digest());
    let out = Command::new("bash")
        .arg(root("scripts/pin-action-image.sh"))
        .arg(dir.path().join("action.yml"))
        .args([IMAGE, &fake_digest()])
        .output()
        .expect("bash runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has 0 `image: Dockerfile` lines"));
}

/// The step of `job` in release.yml whose `run:` contains `needle`.
fn step_running<'a>(workflow: &'a Node, job: &str, needle: &str) -> &'a Node {
    workflow
        .get("jobs")
        .and_then(|j| j.get(job))
        .and_then(|j| j.get("steps"))
        .and_then(Node::as_seq)
        .unwrap_or_else(|| panic!("release.yml: no job {job} with steps"))
        .iter()
        .find(|s| {
            s.get("run")
                .and_then(Node::as_str)
                .is_some_and(|r| r.contains(needle))
        })
        .unwrap_or_else(|| panic!("release.yml: no step of {job} runs {needle}"))
}

fn env<'a>(step: &'a Node, name: &str) -> &'a str {
    step.get("env")
        .and_then(|e| e.get(name))
        .and_then(Node::as_str)
        .unwrap_or_else(|| panic!("env {name}"))
}

#[test]
fn the_release_workflow_pins_the_image_it_pushed_and_moves_the_major_tag() {
    let wf = yaml(&root(".github/workflows/release.yml"));
    let image_job = wf
        .get("jobs")
        .and_then(|j| j.get("image"))
        .expect("image job");
    let outputs = image_job.get("outputs").expect("image job outputs");
    assert_eq!(
        outputs.get("digest").and_then(Node::as_str),
        Some("${{ steps.build.outputs.digest }}"),
        "the digest is the one docker/build-push-action reports"
    );
    let pin = step_running(&wf, "action", "scripts/pin-action-image.sh action.yml");
    assert_eq!(env(pin, "DIGEST"), "${{ needs.image.outputs.digest }}");
    assert_eq!(env(pin, "IMAGE"), "${{ needs.image.outputs.name }}");
    let run = pin.get("run").and_then(Node::as_str).expect("run");
    for needle in ["git commit", "git tag --force \"$major\""] {
        assert!(run.contains(needle), "{needle}: {run}");
    }
    let push = step_running(&wf, "action", "git push --force");
    assert!(
        push.get("run")
            .and_then(Node::as_str)
            .is_some_and(|r| r.contains("refs/tags/${MAJOR}"))
    );
    let needs: Vec<&str> = wf
        .get("jobs")
        .and_then(|j| j.get("action"))
        .and_then(|j| j.get("needs"))
        .and_then(Node::as_seq)
        .expect("needs")
        .iter()
        .filter_map(Node::as_str)
        .collect();
    assert!(needs.contains(&"image"), "{needs:?}");
}

/// The build copies only some folders into the image: every file the crate embeds at compile time
/// (`include_str!`/`include_bytes!`) must be inside one of them, or the action's image build fails.
#[test]
fn the_dockerfiles_copy_every_file_the_build_embeds() {
    for dockerfile in ["Dockerfile", "Dockerfile.full"] {
        let text = std::fs::read_to_string(root(dockerfile)).expect("read");
        let copied: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("COPY "))
            .filter(|l| !l.starts_with("--from"))
            .flat_map(|l| {
                let words: Vec<&str> = l.split_whitespace().collect();
                words[..words.len() - 1].to_vec()
            })
            .collect();
        let mut embedded = Vec::new();
        embedded_files(&root("src"), &mut embedded);
        assert!(!embedded.is_empty());
        let top = Path::new(ROOT).canonicalize().expect("repository");
        for file in &embedded {
            let rel = file.strip_prefix(&top).expect("inside the repository");
            let first = rel
                .components()
                .next()
                .and_then(|c| c.as_os_str().to_str())
                .expect("a first component");
            assert!(
                copied.contains(&first),
                "{dockerfile} does not copy {} (copies {copied:?})",
                rel.display()
            );
        }
    }
}

/// Files named by `include_str!("…")` / `include_bytes!("…")` under `dir`, resolved.
fn embedded_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read src").flatten() {
        let path = e.path();
        if path.is_dir() {
            embedded_files(&path, out);
            continue;
        }
        if path.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read");
        for part in text.split("include_").skip(1) {
            let Some(rest) = part
                .strip_prefix("str!(\"")
                .or_else(|| part.strip_prefix("bytes!(\""))
            else {
                continue;
            };
            let Some(rel) = rest.split('"').next() else {
                continue;
            };
            let resolved = path.parent().expect("parent").join(rel);
            let canonical = resolved
                .canonicalize()
                .unwrap_or_else(|e| panic!("{}: {e}", resolved.display()));
            out.push(canonical);
        }
    }
}
