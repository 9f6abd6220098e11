use super::*;

/// The analysis of one workflow, as `.github/workflows/test.yml`.
fn token_use(text: &str) -> TokenUse {
    crate::inventory::tests::analysed(&[(".github/workflows/test.yml", text)], &[]).1
}

fn required(j: &JobTokenUse) -> Vec<String> {
    j.required()
        .iter()
        .map(|(s, l)| format!("{s}: {}", level_str(*l)))
        .collect()
}

#[test]
fn a_push_after_checkout_relies_on_its_credentials_and_needs_contents_write() {
    let tu = token_use(
        "on: workflow_dispatch\njobs:\n  tag:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n      - name: Create and push tag\n        run: |\n          git tag v1\n          git push origin v1\n",
    );
    let c = &tu.checkouts[0];
    assert!(c.persists);
    assert_eq!(c.credential, Credential::GithubToken);
    assert_eq!(c.users.len(), 1);
    assert_eq!(c.users[0].step.label, "Create and push tag");
    assert_eq!(c.users[0].what, "`git push origin v1`");
    assert_eq!(
        (
            c.users[0].location.start.line,
            c.users[0].location.start.column
        ),
        (10, 11)
    );
    assert_eq!(required(&tu.jobs[0]), vec!["contents: write"]);
    assert!(tu.jobs[0].is_determined());
}

#[test]
fn a_push_with_its_own_token_or_another_checkout_token() {
    // The URL carries the token: nothing relies on the checkout.
    let tu = token_use(
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n      - run: git push https://x-access-token:${{ secrets.GITHUB_TOKEN }}@github.com/o/r.git HEAD:main\n",
    );
    assert!(tu.checkouts[0].users.is_empty());
    assert_eq!(required(&tu.jobs[0]), vec!["contents: write"]);
    // A PAT in the checkout: the push relies on it, but the GITHUB_TOKEN only reads.
    let tu = token_use(
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          token: ${{ secrets.PAT }}\n      - run: git push\n",
    );
    assert_eq!(tu.checkouts[0].users.len(), 1);
    assert_eq!(
        tu.checkouts[0].credential,
        Credential::Token("${{ secrets.PAT }}".into())
    );
    assert!(required(&tu.jobs[0]).is_empty());
    // `git remote set-url` with a token before the push.
    let tu = token_use(
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n      - run: |\n          git remote set-url origin https://x:${GH_PAT}@github.com/o/r\n          git push\n        env:\n          GH_PAT: ${{ secrets.PAT }}\n",
    );
    assert!(tu.checkouts[0].users.is_empty());
}

#[test]
fn github_script_comment_needs_the_pull_request_scope_on_pull_request_events() {
    let wf = "on:\n  pull_request:\njobs:\n  c:\n    runs-on: x\n    steps:\n      - uses: actions/github-script@v7\n        with:\n          script: |\n            github.rest.issues.createComment({issue_number: 1, owner: 'o', repo: 'r', body: 'x'})\n";
    let tu = token_use(wf);
    assert_eq!(required(&tu.jobs[0]), vec!["pull-requests: write"]);
    assert!(tu.jobs[0].read_only_on_forks);
    let n = &tu.jobs[0].needs[0];
    assert_eq!(n.why, "`github.rest.issues.createComment`");
    // On a push, the number could be an issue's or a pull request's.
    let tu = token_use(&wf.replace("on:\n  pull_request:", "on:\n  push:"));
    assert_eq!(
        required(&tu.jobs[0]),
        vec!["issues: write", "pull-requests: write"]
    );
    // A token of its own: nothing of the job's.
    let tu = token_use(&wf.replace(
        "        with:\n",
        "        with:\n          github-token: ${{ secrets.BOT }}\n",
    ));
    assert!(tu.jobs[0].needs.is_empty());
}

#[test]
fn gh_cli_curl_and_catalogued_actions() {
    let tu = token_use(
        r#"on: push
jobs:
  a:
    runs-on: x
    env:
      GH_TOKEN: ${{ github.token }}
    steps:
      - run: gh release create v1 dist/*
      - run: gh api -X POST repos/{owner}/{repo}/statuses/$GITHUB_SHA -f state=success
      - run: |
          curl -X POST -H "Authorization: token ${{ secrets.GITHUB_TOKEN }}" \
            https://api.github.com/repos/o/r/deployments -d '{}'
      - uses: actions/upload-pages-artifact@v3
      - uses: actions/deploy-pages@v4
      - uses: github/codeql-action/upload-sarif@v3
"#,
    );
    assert_eq!(
        required(&tu.jobs[0]),
        vec![
            "actions: read",
            "contents: write",
            "deployments: write",
            "id-token: write",
            "pages: write",
            "security-events: write",
            "statuses: write"
        ]
    );
    assert!(tu.jobs[0].is_determined());
}

#[test]
fn unknown_uses_of_the_token_make_the_job_undetermined() {
    let tu = token_use(
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: some/action@v1\n        with:\n          github-token: ${{ secrets.GITHUB_TOKEN }}\n  b:\n    runs-on: x\n    steps:\n      - run: node scripts/release.js\n        env:\n          GITHUB_TOKEN: ${{ github.token }}\n  c:\n    runs-on: x\n    steps:\n      - uses: other/action@v1\n      - run: npm test\n        env:\n          GITHUB_TOKEN: ${{ github.token }}\n",
    );
    assert_eq!(tu.jobs[0].undetermined.len(), 1);
    assert!(tu.jobs[0].undetermined[0].why.contains("`github-token:`"));
    assert_eq!(tu.jobs[1].undetermined.len(), 1);
    assert!(
        tu.jobs[1].undetermined[0]
            .why
            .contains("`node scripts/release.js`")
    );
    // Not handed the token: unseen, not undetermined; `npm test` does not use it.
    assert!(tu.jobs[2].is_determined());
    assert_eq!(tu.jobs[2].unseen.len(), 1);
}

#[test]
fn granted_and_missing() {
    let tu = token_use(
        "on: push\npermissions:\n  contents: read\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n      - run: git push\n",
    );
    let j = &tu.jobs[0];
    assert_eq!(j.granted.as_ref().map(|g| g.from), Some("workflow"));
    assert_eq!(j.missing().len(), 1);
    assert_eq!(j.missing()[0].scope, Scope::Contents);
}
