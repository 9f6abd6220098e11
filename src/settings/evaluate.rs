//! Judging a settings snapshot: what is enforced on the branch (classic protection and active
//! rules together, the stricter winning), the findings, and the two assessment rows.
//!
//! Every aspect is `Some(value)` when known and `None` when the part that says it could not be
//! read; an unknown aspect never produces a finding, it is named in the row instead.

use std::collections::BTreeSet;

use serde_json::Value;

use super::checks::{CheckName, check_names};
use super::documented::{self, DocSource, Field};
use super::fetch::{Classic, EnvInfo, Part, Snapshot, Unreadable};
use super::{RowFill, SettingsOutcome};
use crate::analysis::RepoAnalysis;
use crate::assess::State;
use crate::config::EnvironmentPolicy;
use crate::finding::{Finding, Location, RuleMeta, Severity, noun, plural};
use crate::inventory::JobInfo;
use crate::rules;
use crate::yaml::{Pos, Span};

/// What the branch enforces, aspect by aspect.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Effective {
    pub protected: Option<bool>,
    /// "classic branch protection", "ruleset 15625854".
    pub sources: Vec<String>,
    /// Approvals required; `Some(0)`: none.
    pub approvals: Option<u64>,
    /// Pull requests required at all (a ruleset may require them with 0 approvals).
    pub pull_requests: Option<bool>,
    pub dismiss_stale: Option<bool>,
    pub code_owners: Option<bool>,
    pub last_push: Option<bool>,
    pub enforce_admins: Option<bool>,
    /// A ruleset that lets administrators bypass it.
    pub admins_bypass_ruleset: Option<String>,
    /// Classic protection with `enforce_admins` off.
    pub classic_exempts_admins: bool,
    pub force_pushes_blocked: Option<bool>,
    pub deletion_blocked: Option<bool>,
    pub linear_history: Option<bool>,
    /// Required contexts; complete only when every source was read.
    pub checks: Option<Vec<String>>,
    /// Contexts bound to another app than GitHub Actions.
    pub other_app_checks: Vec<String>,
    pub strict: Option<bool>,
    /// Why aspects are unknown.
    pub unknown: Vec<String>,
}

/// One source's word on a stricter-is-true aspect: `None` unread, `Some(None)` silent.
type Say = Option<Option<bool>>;

fn strictest(says: &[Say]) -> Option<bool> {
    if says.contains(&Some(Some(true))) {
        Some(true)
    } else if says.iter().any(Option::is_none) {
        None
    } else {
        Some(false)
    }
}

fn rule<'a>(rules: &'a [super::fetch::ActiveRule], kind: &str) -> Option<&'a Value> {
    rules.iter().find(|r| r.kind == kind).map(|r| &r.parameters)
}

pub(super) fn effective(s: &Snapshot) -> Effective {
    let mut e = Effective::default();
    // Classic protection: read directly, or known to be absent from the branch summary.
    let classic: Option<Option<&Classic>> = match (&s.classic, &s.summary) {
        (Ok(c), _) => Some(c.as_ref()),
        (Err(_), Ok(sum)) if !sum.protected => Some(None),
        (Err(u), _) => {
            e.unknown
                .push(format!("classic branch protection: {}", u.reason));
            None
        }
    };
    let rules = match &s.rules {
        Ok(r) => Some(r.as_slice()),
        Err(u) => {
            e.unknown.push(format!("branch rules: {}", u.reason));
            None
        }
    };
    if let Some(Some(_)) = classic {
        e.sources.push("classic branch protection".into());
    }
    if let Some(rs) = rules {
        let ids: BTreeSet<u64> = rs.iter().filter_map(|r| r.ruleset_id).collect();
        for id in ids {
            let name = s
                .rulesets
                .as_ref()
                .ok()
                .and_then(|l| l.iter().find(|r| r.id == id))
                .map(|r| format!("ruleset `{}` ({id})", r.name))
                .unwrap_or_else(|| format!("ruleset {id}"));
            e.sources.push(name);
        }
    }
    let has_rules = rules.is_some_and(|r| !r.is_empty());
    e.protected = match (classic, rules, &s.summary) {
        (Some(Some(_)), _, _) => Some(true),
        (_, _, Ok(sum)) if sum.protected => Some(true),
        _ if has_rules => Some(true),
        (Some(None), Some(_), _) => Some(false),
        // Summary says not protected and the rules are unread: rulesets may still apply.
        _ => None,
    };

    let c_say = |f: &dyn Fn(&Classic) -> bool| -> Say { classic.map(|c| c.map(f)) };
    let r_param = |kind: &str, key: &str| -> Say {
        rules.map(|rs| rule(rs, kind).map(|p| p.get(key).and_then(Value::as_bool).unwrap_or(false)))
    };
    let r_has = |kind: &str| -> Say { rules.map(|rs| rule(rs, kind).map(|_| true)) };

    // Reviews.
    let c_reviews = classic.map(|c| c.and_then(|c| c.reviews.clone()));
    let r_pr = rules.map(|rs| rule(rs, "pull_request").cloned());
    e.pull_requests = strictest(&[
        c_reviews.as_ref().map(|r| r.as_ref().map(|_| true)),
        r_pr.as_ref().map(|p| p.as_ref().map(|_| true)),
    ]);
    let approvals: Vec<Option<u64>> = vec![
        c_reviews
            .as_ref()
            .map(|r| r.as_ref().map_or(0, |r| r.approvals)),
        r_pr.as_ref().map(|p| {
            p.as_ref().map_or(0, |p| {
                p.get("required_approving_review_count")
                    .and_then(Value::as_u64)
                    .unwrap_or(0)
            })
        }),
    ];
    let known_max = approvals.iter().flatten().max().copied();
    e.approvals = if approvals.iter().any(Option::is_none) {
        known_max.filter(|n| *n > 0)
    } else {
        known_max
    };
    e.dismiss_stale = strictest(&[
        c_say(&|c| c.reviews.as_ref().is_some_and(|r| r.dismiss_stale)),
        r_param("pull_request", "dismiss_stale_reviews_on_push"),
    ]);
    e.code_owners = strictest(&[
        c_say(&|c| c.reviews.as_ref().is_some_and(|r| r.code_owners)),
        r_param("pull_request", "require_code_owner_review"),
    ]);
    e.last_push = strictest(&[
        c_say(&|c| c.reviews.as_ref().is_some_and(|r| r.last_push)),
        r_param("pull_request", "require_last_push_approval"),
    ]);
    // Rulesets apply to administrators unless they are bypass actors, which only the ruleset
    // detail shows; classic protection says it outright.
    // Classic protection with `enforce_admins` off exempts admins from its own rules, whatever
    // the rulesets do; a ruleset exempts them when they are in its bypass list.
    let ruleset_bypass = s
        .ruleset_details
        .iter()
        .filter_map(|d| d.as_ref().ok())
        .find(|d| d.admins_bypass() == Some(true));
    e.admins_bypass_ruleset = ruleset_bypass.map(|d| format!("`{}` ({})", d.name, d.id));
    let rulesets_known = s
        .ruleset_details
        .iter()
        .all(|d| d.as_ref().is_ok_and(|d| d.admins_bypass().is_some()));
    e.classic_exempts_admins = matches!(classic, Some(Some(c)) if !c.enforce_admins);
    e.enforce_admins = match classic {
        Some(Some(c)) if !c.enforce_admins => Some(false),
        _ if ruleset_bypass.is_some() => Some(false),
        Some(Some(_)) | Some(None) if rulesets_known => Some(true),
        _ => None,
    };
    e.force_pushes_blocked =
        strictest(&[c_say(&|c| !c.allow_force_pushes), r_has("non_fast_forward")]);
    e.deletion_blocked = strictest(&[c_say(&|c| !c.allow_deletions), r_has("deletion")]);
    e.linear_history = strictest(&[
        c_say(&|c| c.linear_history),
        r_has("required_linear_history"),
    ]);

    // Required checks: classic (or the branch summary's copy of them) and rules.
    let mut all_known = true;
    let mut contexts: Vec<String> = Vec::new();
    let mut add = |c: &str| {
        if !contexts.iter().any(|x| x == c) {
            contexts.push(c.to_string());
        }
    };
    let mut strict: Vec<Say> = Vec::new();
    match (classic, &s.summary) {
        (Some(Some(c)), _) => {
            if let Some(rc) = &c.required_checks {
                rc.contexts.iter().for_each(|x| add(x));
                e.other_app_checks.extend(rc.other_apps.iter().cloned());
                strict.push(Some(Some(rc.strict)));
            } else {
                strict.push(Some(None));
            }
        }
        (Some(None), _) => strict.push(Some(None)),
        (None, Ok(sum)) => {
            sum.required_checks.iter().for_each(|x| add(x));
            strict.push(None);
        }
        (None, Err(_)) => {
            all_known = false;
            strict.push(None);
        }
    }
    match rules {
        Some(rs) => {
            for r in rs.iter().filter(|r| r.kind == "required_status_checks") {
                let list = r.parameters.get("required_status_checks");
                for c in list.and_then(Value::as_array).into_iter().flatten() {
                    if let Some(ctx) = c.get("context").and_then(Value::as_str) {
                        add(ctx);
                    }
                }
                e.other_app_checks.extend(super::fetch::other_apps(
                    &r.parameters,
                    "required_status_checks",
                    "integration_id",
                ));
                strict.push(Some(Some(
                    r.parameters
                        .get("strict_required_status_checks_policy")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                )));
            }
        }
        None => all_known = false,
    }
    e.strict = strictest(&strict);
    e.checks = if all_known {
        Some(contexts)
    } else if contexts.is_empty() {
        None
    } else {
        // Incomplete, but what is listed is required.
        Some(contexts)
    };
    if !all_known {
        e.unknown
            .push("the list of required checks may be incomplete".into());
    }
    e
}

/// The audited branch's display, e.g. `main` of `o/r`.
fn subject(s: &Snapshot, what: &str) -> String {
    format!(
        "{}:{}:{what}",
        s.repository,
        s.branch.as_deref().unwrap_or_default()
    )
}

fn repo_finding(meta: &'static RuleMeta, s: &Snapshot, what: &str, message: String) -> Finding {
    Finding::repository(meta, &subject(s, what), message)
}

fn at(path: &str, pos: Pos) -> Location {
    Location::new(path, Span::new(pos, Pos::new(pos.line, pos.column + 1)))
}

/// The job of the inventory that a check name belongs to.
fn job_info<'a>(repo: &'a RepoAnalysis<'_>, c: &CheckName) -> Option<&'a JobInfo> {
    repo.inventory
        .jobs
        .iter()
        .find(|j| j.workflow == c.workflow && j.job == c.job)
}

fn has_codeowners(repo: &RepoAnalysis<'_>) -> bool {
    ["CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS"]
        .iter()
        .any(|p| {
            matches!(
                repo.repo.source.kind(&repo.repo.root.join(p)),
                Some(crate::files::EntryKind::File { .. })
            )
        })
}

pub(super) fn evaluate(repo: &RepoAnalysis<'_>, s: &Snapshot) -> SettingsOutcome {
    let names = check_names(repo);
    let docs = documented::collect(repo.repo, repo.config);
    evaluate_with(repo, s, &names, &docs)
}

pub(super) fn evaluate_with(
    repo: &RepoAnalysis<'_>,
    s: &Snapshot,
    names: &[CheckName],
    docs: &[DocSource],
) -> SettingsOutcome {
    let mut out = SettingsOutcome::default();
    let e = effective(s);
    let branch = s.branch.clone().unwrap_or_default();
    let who = format!("branch `{branch}` of {}", s.repository);
    let mut bad: Vec<String> = Vec::new();

    match e.protected {
        Some(false) => {
            out.findings.push(repo_finding(
                &rules::branch_unprotected::RULE.meta,
                s,
                "protection",
                format!(
                    "{who} has no branch protection and no active ruleset: anyone with write access can push to it directly, \
                     force-push or delete it, and merge without review or passing CI; add a ruleset (Settings → Rules → Rulesets) \
                     targeting the default branch with pull requests, approvals, required status checks and blocked force pushes"
                ),
            ));
        }
        Some(true) => branch_findings(repo, s, &e, names, &who, &mut out, &mut bad),
        None => {}
    }
    documented_findings(s, &e, docs, &who, &mut out);
    environment_findings(repo, s, docs, &mut out);
    out.branch_row = Some(branch_row(s, &e, &branch, &bad));
    out
}

fn branch_findings(
    repo: &RepoAnalysis<'_>,
    s: &Snapshot,
    e: &Effective,
    names: &[CheckName],
    who: &str,
    out: &mut SettingsOutcome,
    bad: &mut Vec<String>,
) {
    let f = &mut out.findings;
    match (e.approvals, e.pull_requests) {
        (Some(0), Some(true)) => {
            bad.push("pull requests need 0 approvals".into());
            f.push(repo_finding(
                &rules::missing_required_review::RULE.meta,
                s,
                "approvals",
                format!(
                    "{who} requires pull requests but 0 approving reviews, so an author can merge their own change unreviewed; \
                     set the required approvals to at least 1"
                ),
            ));
        }
        (Some(0), _) => {
            bad.push("no review required".into());
            f.push(repo_finding(
                &rules::missing_required_review::RULE.meta,
                s,
                "approvals",
                format!(
                    "{who} does not require a pull request review, so changes reach it without a second pair of eyes; \
                     require pull requests with at least 1 approval"
                ),
            ));
        }
        _ => {}
    }
    let reviews = e.approvals.is_some_and(|n| n > 0);
    if reviews && e.dismiss_stale == Some(false) {
        f.push(repo_finding(
            &rules::stale_reviews_kept::RULE.meta,
            s,
            "stale-reviews",
            format!(
                "{who} keeps approvals after new commits are pushed, so code pushed after the approval is merged unreviewed; \
                 enable \"Dismiss stale pull request approvals when new commits are pushed\""
            ),
        ));
    }
    if reviews && e.code_owners == Some(false) && has_codeowners(repo) {
        f.push(repo_finding(
            &rules::code_owners_not_required::RULE.meta,
            s,
            "code-owners",
            format!(
                "{who} does not require review from code owners although the repository has a CODEOWNERS file, \
                 so owners of sensitive paths (workflows, deploy config) are not asked; enable \"Require review from Code Owners\""
            ),
        ));
    }
    if e.enforce_admins == Some(false) {
        let message = match &e.admins_bypass_ruleset {
            Some(r) if !e.classic_exempts_admins => format!(
                "{who}: ruleset {r} lets repository administrators bypass it, so they can push or merge past its rules; \
                 remove the admin role from the ruleset's bypass list (or allow it for pull requests only)"
            ),
            _ => format!(
                "{who}: branch protection does not apply to administrators, who can push or merge past every rule; \
                 enable \"Do not allow bypassing the above settings\""
            ),
        };
        f.push(repo_finding(
            &rules::admins_exempt::RULE.meta,
            s,
            "enforce-admins",
            message,
        ));
    }
    if e.force_pushes_blocked == Some(false) {
        bad.push("force pushes allowed".into());
        f.push(repo_finding(
            &rules::force_push_allowed::RULE.meta,
            s,
            "force-push",
            format!(
                "{who} allows force pushes, which rewrite reviewed history and can remove commits from the record; \
                 turn off \"Allow force pushes\" (or add a ruleset with \"Block force pushes\")"
            ),
        ));
    }
    if e.deletion_blocked == Some(false) {
        f.push(
            repo_finding(
                &rules::force_push_allowed::RULE.meta,
                s,
                "deletion",
                format!(
                    "{who} may be deleted by anyone with push access; turn off \"Allow deletions\" (or add a ruleset with \"Restrict deletions\")"
                ),
            )
            .severity(Severity::Medium),
        );
    }
    let complete = e.unknown.iter().all(|u| !u.contains("required checks"));
    match &e.checks {
        Some(checks) if checks.is_empty() && complete => {
            bad.push("no required status checks".into());
            f.push(repo_finding(
                &rules::missing_required_checks::RULE.meta,
                s,
                "required-checks",
                format!(
                    "{who} requires no status checks, so a pull request with failing tests can be merged; \
                     require the CI jobs that must pass (for example {})",
                    suggested_checks(repo, names)
                ),
            ));
        }
        Some(checks) => {
            for ctx in checks {
                if e.other_app_checks.contains(ctx) || names.iter().any(|n| n.matches(ctx)) {
                    continue;
                }
                bad.push(format!("required check `{ctx}` reported by no job"));
                let close = closest_name(ctx, names);
                f.push(repo_finding(
                    &rules::orphaned_required_check::RULE.meta,
                    s,
                    &format!("check:{ctx}"),
                    format!(
                        "{who} requires the status check `{ctx}`, but no workflow job reports a check of that name \
                         (job names, matrix values and reusable-workflow `caller / callee` names were compared), so every \
                         pull request waits for it forever unless another app reports it{}; rename the required check to \
                         the job's check name or remove it",
                        close
                            .map(|c| format!(" — did you mean `{c}`?"))
                            .unwrap_or_default()
                    ),
                ));
            }
            if complete && !checks.is_empty() {
                not_required_gates(repo, s, names, checks, who, f);
            }
        }
        None => {}
    }
}

/// A few exact check names of pull-request gate jobs, for a message.
fn suggested_checks(repo: &RepoAnalysis<'_>, names: &[CheckName]) -> String {
    let mut picked: Vec<String> = names
        .iter()
        .filter(|c| c.exact && is_pr_gate(repo, c))
        .map(|c| format!("`{}`", c.pattern))
        .collect();
    picked.dedup();
    picked.truncate(3);
    if picked.is_empty() {
        "your test job".into()
    } else {
        picked.join(", ")
    }
}

fn is_pr_gate(repo: &RepoAnalysis<'_>, c: &CheckName) -> bool {
    job_info(repo, c).is_some_and(|j| {
        j.triggers
            .iter()
            .any(|t| t == "pull_request" || t == "merge_group")
            && j.capabilities.iter().any(|c| c.is_gate())
            && !j.deploys()
    })
}

fn closest_name<'a>(ctx: &str, names: &'a [CheckName]) -> Option<&'a str> {
    let lower = ctx.to_ascii_lowercase();
    names
        .iter()
        .filter(|n| n.exact)
        .find(|n| {
            let p = n.pattern.to_ascii_lowercase();
            p == lower
                || p.ends_with(&format!(" / {lower}"))
                || p.starts_with(&format!("{lower} ("))
        })
        .map(|n| n.pattern.as_str())
}

/// Pull-request gate jobs none of whose check names is required.
fn not_required_gates(
    repo: &RepoAnalysis<'_>,
    s: &Snapshot,
    names: &[CheckName],
    required: &[String],
    who: &str,
    f: &mut Vec<Finding>,
) {
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    for c in names.iter().filter(|c| is_pr_gate(repo, c)) {
        let key = (c.workflow.clone(), c.job.clone());
        if seen.contains(&key) {
            continue;
        }
        let of_job: Vec<&CheckName> = names
            .iter()
            .filter(|n| n.workflow == c.workflow && n.job == c.job)
            .collect();
        if of_job.iter().any(|n| required.iter().any(|r| n.matches(r))) {
            seen.insert(key);
            continue;
        }
        seen.insert(key);
        let what: Vec<String> = job_info(repo, c)
            .map(|j| {
                j.capabilities
                    .iter()
                    .filter(|c| c.is_gate())
                    .map(|c| c.as_str().to_string())
                    .collect()
            })
            .unwrap_or_default();
        f.push(
            Finding::at(
                &rules::ci_job_not_required::RULE.meta,
                c.location.clone(),
                &format!("{}:{}", c.job, s.branch.as_deref().unwrap_or_default()),
                format!(
                    "job `{}` runs {} on pull requests, but {who} does not require its check `{}`, so a pull request \
                     can be merged while it fails; add `{}` to the required status checks",
                    c.job,
                    what.join(", "),
                    c.pattern,
                    c.pattern
                ),
            ),
        );
    }
}

/// Field by field: what is documented against what GitHub enforces.
fn documented_findings(
    s: &Snapshot,
    e: &Effective,
    docs: &[DocSource],
    who: &str,
    out: &mut SettingsOutcome,
) {
    let Some(branch) = &s.branch else { return };
    let meta = &rules::protection_not_enforced::RULE.meta;
    for d in docs
        .iter()
        .filter(|d| d.branch.as_ref().is_none_or(|b| b == branch))
    {
        if d.fields.is_empty() {
            continue;
        }
        if e.protected == Some(false) {
            out.findings.push(
                Finding::at(
                    meta,
                    at(&d.path, d.anchor),
                    &format!("{}:unprotected", d.what),
                    format!(
                        "{} documents branch protection for `{branch}`, but GitHub enforces none on {who}: \
                         the documented reviews and checks are not applied; configure them in the repository settings \
                         (or a ruleset) so that they match this document",
                        d.what
                    ),
                )
                .severity(Severity::Critical),
            );
            continue;
        }
        for field in &d.fields {
            let gap = match &field.field {
                Field::Approvals(n) => e.approvals.filter(|have| have < n).map(|have| {
                    format!(
                        "{} documented, {have} enforced",
                        plural(*n as usize, "required approval", "required approvals")
                    )
                }),
                Field::DismissStale(true) => (e.dismiss_stale == Some(false))
                    .then(|| "dismissal of stale approvals documented, not enforced".to_string()),
                Field::CodeOwners(true) => (e.code_owners == Some(false))
                    .then(|| "code owner review documented, not enforced".to_string()),
                Field::LastPush(true) => (e.last_push == Some(false)).then(|| {
                    "approval of the most recent push documented, not enforced".to_string()
                }),
                Field::EnforceAdmins(true) => (e.enforce_admins == Some(false)).then(|| {
                    "protection for administrators documented, admins are exempt".to_string()
                }),
                Field::ForcePushes(false) => (e.force_pushes_blocked == Some(false))
                    .then(|| "force pushes documented as blocked, they are allowed".to_string()),
                Field::Deletions(false) => (e.deletion_blocked == Some(false))
                    .then(|| "deletion documented as blocked, it is allowed".to_string()),
                Field::LinearHistory(true) => (e.linear_history == Some(false))
                    .then(|| "linear history documented, not enforced".to_string()),
                Field::Strict(true) => (e.strict == Some(false)).then(|| {
                    "branches must be up to date before merging (strict) documented, not enforced"
                        .to_string()
                }),
                Field::Checks(want) => e.checks.as_ref().and_then(|have| {
                    let missing: Vec<String> = want
                        .iter()
                        .filter(|w| !have.contains(w))
                        .map(|w| format!("`{w}`"))
                        .collect();
                    (!missing.is_empty()).then(|| {
                        format!(
                            "{} {} documented, not required",
                            noun(
                                missing.len(),
                                "required status check",
                                "required status checks"
                            ),
                            missing.join(", ")
                        )
                    })
                }),
                _ => None,
            };
            if let Some(gap) = gap {
                out.findings.push(Finding::at(
                    meta,
                    at(&d.path, field.pos),
                    &format!("{}:{:?}", d.what, field.field),
                    format!(
                        "documented but not enforced on {who}: {gap} (documented in {}); change the repository \
                         settings to match, or correct the document",
                        d.what
                    ),
                ));
            }
        }
    }
}

/// Deploy jobs' environments against the repository's, and documented environment policy.
fn environment_findings(
    repo: &RepoAnalysis<'_>,
    s: &Snapshot,
    docs: &[DocSource],
    out: &mut SettingsOutcome,
) {
    let deploys: Vec<&JobInfo> = repo.inventory.delivery_job_infos().collect();
    let envs = match &s.environments {
        Ok(e) => e,
        Err(u) => {
            if !deploys.is_empty() {
                out.environment_row = Some(env_row_unreadable(&deploys, u));
            }
            return;
        }
    };
    let find = |name: &str| envs.iter().find(|e| e.name.eq_ignore_ascii_case(name));
    let mut protected = 0usize;
    let mut parts: Vec<String> = Vec::new();
    let mut evidence = Vec::new();
    for job in &deploys {
        let Some(env) = &job.environment else {
            parts.push(format!("{} has no `environment:`", job.label()));
            evidence.push(job.location.clone());
            continue;
        };
        evidence.push(env.location.clone());
        if env.name.contains("${{") {
            parts.push(format!(
                "{} uses `{}` (decided at run time)",
                job.label(),
                env.name
            ));
            continue;
        }
        let prod = crate::rules::pipeline::looks_like_production(job);
        match find(&env.name) {
            None => {
                parts.push(format!("`{}` does not exist", env.name));
                out.findings.push(
                    Finding::at(
                        &rules::environment_not_configured::RULE.meta,
                        env.location.clone(),
                        &format!("{}:{}", job.job, env.name),
                        format!(
                            "job {} deploys to environment `{}`, which does not exist in {}: GitHub creates it on the first \
                             run with no reviewers and no branch policy, so nothing gates the deploy; create it under \
                             Settings → Environments with required reviewers and a deployment branch policy",
                            job.label(),
                            env.name,
                            s.repository
                        ),
                    )
                    .severity(if prod { Severity::Critical } else { Severity::High }),
                );
            }
            Some(info) => {
                let ok = info.reviewers > 0 || (!prod && info.branch_policy);
                if ok {
                    protected += 1;
                }
                parts.push(describe_env(info));
                if prod && info.reviewers > 0 && info.prevent_self_review == Some(false) {
                    out.findings.push(
                        Finding::at(
                            &rules::unprotected_environment::RULE.meta,
                            env.location.clone(),
                            &format!("{}:{}:self-review", job.job, env.name),
                            format!(
                                "job {} deploys to environment `{}`, whose required reviewers may approve deployments they \
                                 triggered themselves, so one person can ship alone; enable \"Prevent self-review\"",
                                job.label(),
                                info.name
                            ),
                        )
                        .severity(Severity::Medium),
                    );
                }
                if info.reviewers == 0 && (prod || !info.branch_policy) {
                    let (severity, why) = if prod {
                        (
                            Severity::Critical,
                            "a production environment without required reviewers: any workflow run that reaches it deploys unattended",
                        )
                    } else {
                        (
                            Severity::Medium,
                            "no required reviewers and no deployment branch policy, so any branch can deploy without approval",
                        )
                    };
                    out.findings.push(
                        Finding::at(
                            &rules::unprotected_environment::RULE.meta,
                            env.location.clone(),
                            &format!("{}:{}", job.job, env.name),
                            format!(
                                "job {} deploys to environment `{}`: {why}; add required reviewers (with \"Prevent self-review\") \
                                 and restrict deployment branches to protected branches",
                                job.label(),
                                info.name
                            ),
                        )
                        .severity(severity),
                    );
                }
            }
        }
    }
    for d in docs {
        for p in &d.environments {
            documented_environment(d, p, envs, out);
        }
    }
    if !deploys.is_empty() {
        let state = if protected == deploys.len() {
            State::Present
        } else if protected == 0 {
            State::Missing
        } else {
            State::Partial
        };
        let mut p = parts;
        p.dedup();
        out.environment_row = Some(RowFill {
            state,
            current: format!(
                "{protected} of {} delivery jobs gated by a protected environment: {}",
                deploys.len(),
                p.join("; ")
            ),
            evidence,
        });
    }
}

fn describe_env(e: &EnvInfo) -> String {
    let mut bits = Vec::new();
    if e.reviewers > 0 {
        bits.push(plural(e.reviewers, "reviewer", "reviewers"));
        if e.prevent_self_review == Some(true) {
            bits.push("no self-review".into());
        }
    } else {
        bits.push("no reviewers".into());
    }
    if e.wait_timer > 0 {
        bits.push(format!("wait {} min", e.wait_timer));
    }
    bits.push(if e.branch_policy {
        "branch policy".into()
    } else {
        "any branch".into()
    });
    format!("`{}` ({})", e.name, bits.join(", "))
}

fn documented_environment(
    d: &DocSource,
    p: &EnvironmentPolicy,
    envs: &[EnvInfo],
    out: &mut SettingsOutcome,
) {
    let meta = &rules::protection_not_enforced::RULE.meta;
    let name = &p.name.value;
    let Some(info) = envs.iter().find(|e| e.name.eq_ignore_ascii_case(name)) else {
        out.findings.push(Finding::at(
            meta,
            at(&d.path, p.name.pos),
            &format!("env:{name}:missing"),
            format!(
                "documented but not enforced: environment `{name}` is documented in {} but does not exist in the repository; \
                 create it under Settings → Environments with the documented protection",
                d.what
            ),
        ));
        return;
    };
    let mut gaps: Vec<(Pos, String)> = Vec::new();
    if let Some(r) = &p.required_reviewers
        && (info.reviewers as u64) < r.value
    {
        gaps.push((
            r.pos,
            format!(
                "{} documented, {} configured",
                plural(r.value as usize, "required reviewer", "required reviewers"),
                info.reviewers
            ),
        ));
    }
    if let Some(x) = &p.prevent_self_review
        && x.value
        && info.prevent_self_review != Some(true)
    {
        gaps.push((x.pos, "prevent self-review documented, not enabled".into()));
    }
    if let Some(w) = &p.wait_timer
        && info.wait_timer < w.value
    {
        gaps.push((
            w.pos,
            format!(
                "a wait timer of {} min documented, {} min configured",
                w.value, info.wait_timer
            ),
        ));
    }
    if let Some(b) = &p.branch_policy
        && b.value
        && !info.branch_policy
    {
        gaps.push((
            b.pos,
            "a deployment branch policy documented, none configured".into(),
        ));
    }
    for (pos, gap) in gaps {
        out.findings.push(Finding::at(
            meta,
            at(&d.path, pos),
            &format!("env:{name}:{gap}"),
            format!(
                "documented but not enforced on environment `{name}`: {gap} (documented in {}); change the environment's \
                 protection rules to match, or correct the document",
                d.what
            ),
        ));
    }
}

fn env_row_unreadable(deploys: &[&JobInfo], u: &Unreadable) -> RowFill {
    let without = deploys.iter().filter(|j| j.environment.is_none()).count();
    let reason = format!("environments: not readable — {}", u.reason);
    if without == 0 {
        RowFill {
            state: State::Unknown,
            current: format!("every delivery job uses an environment; {reason}"),
            evidence: deploys
                .iter()
                .filter_map(|j| j.environment.as_ref().map(|e| e.location.clone()))
                .collect(),
        }
    } else {
        RowFill {
            state: if without == deploys.len() {
                State::Missing
            } else {
                State::Partial
            },
            current: format!(
                "{without} of {} delivery jobs have no `environment:`; {reason}",
                deploys.len()
            ),
            evidence: deploys
                .iter()
                .filter(|j| j.environment.is_none())
                .map(|j| j.location.clone())
                .collect(),
        }
    }
}

fn reasons<T>(parts: &[(&str, &Part<T>)]) -> Vec<String> {
    parts
        .iter()
        .filter_map(|(name, p)| p.as_ref().err().map(|u| format!("{name}: {}", u.reason)))
        .collect()
}

fn branch_row(s: &Snapshot, e: &Effective, branch: &str, bad: &[String]) -> RowFill {
    let unreadable = |why: String| RowFill {
        state: State::Unknown,
        current: format!("branch protection: not readable — {why}"),
        evidence: Vec::new(),
    };
    if s.branch.is_none() {
        return unreadable(
            s.repo
                .as_ref()
                .err()
                .map_or_else(|| "no default branch".to_string(), |u| u.reason.clone()),
        );
    }
    match e.protected {
        None => {
            let mut why = reasons(&[("branch", &s.summary)]);
            why.extend(
                e.unknown
                    .iter()
                    .filter(|u| !u.contains("incomplete"))
                    .cloned(),
            );
            unreadable(why.join("; "))
        }
        Some(false) => RowFill {
            state: State::Missing,
            current: format!(
                "`{branch}` is not protected (no branch protection, no active ruleset)"
            ),
            evidence: Vec::new(),
        },
        Some(true) => {
            let mut parts = vec![format!(
                "`{branch}` protected by {}",
                e.sources.join(" and ")
            )];
            if e.sources.is_empty() {
                parts[0] = format!("`{branch}` protected");
            }
            if let Ok(r) = &s.repo
                && (r.fork || r.private)
            {
                parts[0].push_str(if r.fork { " (a fork)" } else { " (private)" });
            }
            match e.approvals {
                Some(n) => parts.push(format!(
                    "{} required",
                    plural(n as usize, "approval", "approvals")
                )),
                None => parts.push("reviews: unknown".into()),
            }
            match &e.checks {
                Some(c) if !c.is_empty() => parts.push(format!(
                    "required checks: {}",
                    c.iter()
                        .map(|x| format!("`{x}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                Some(_) => parts.push("no required checks".into()),
                None => parts.push("required checks: unknown".into()),
            }
            match e.force_pushes_blocked {
                Some(true) => parts.push("force pushes blocked".into()),
                Some(false) => parts.push("force pushes allowed".into()),
                None => parts.push("force pushes: unknown".into()),
            }
            let key_unknown =
                e.approvals.is_none() || e.checks.is_none() || e.force_pushes_blocked.is_none();
            let mut current = parts.join("; ");
            if !e.unknown.is_empty() {
                current.push_str(&format!(" (not readable — {})", e.unknown.join("; ")));
            }
            let state = if !bad.is_empty() {
                State::Partial
            } else if key_unknown {
                State::Unknown
            } else {
                State::Present
            };
            RowFill {
                state,
                current,
                evidence: Vec::new(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fetch::{self, BranchSummary};
    use super::*;
    use crate::config::Config;
    use crate::workflow::ParsedWorkflow;
    use crate::workflow::parse_workflow;
    use crate::workspace::Repository;
    use fetch::tests::body;

    fn snapshot(classic: Option<Classic>, envs: Vec<EnvInfo>) -> Snapshot {
        Snapshot {
            repository: "o/r".into(),
            repo: Ok(fetch::RepoInfo::default()),
            branch: Some("main".into()),
            summary: Ok(BranchSummary {
                protected: classic.is_some(),
                required_checks: Vec::new(),
            }),
            classic: Ok(classic),
            rules: Ok(Vec::new()),
            rulesets: Ok(Vec::new()),
            ruleset_details: Vec::new(),
            environments: Ok(envs),
        }
    }

    fn judge(wf: &str, s: &Snapshot) -> SettingsOutcome {
        let (w, errors) = parse_workflow(wf, ".github/workflows/deploy.yml");
        assert!(errors.is_empty(), "{errors:?}");
        let repo = Repository {
            root: "/nonexistent".into(),
            display_root: String::new(),
            files: Vec::new(),
            languages: Default::default(),
            loose: false,
            skipped: Vec::new(),
            source: Default::default(),
        };
        let config = Config::default();
        let analysis = RepoAnalysis::new(
            &repo,
            &config,
            vec![ParsedWorkflow {
                display: ".github/workflows/deploy.yml".into(),
                workflow: w.expect("model"),
                source: wf.into(),
            }],
            Vec::new(),
        );
        let names = check_names(&analysis);
        evaluate_with(&analysis, s, &names, &[])
    }

    fn envs(name: &str) -> Vec<EnvInfo> {
        body(name)["environments"]
            .as_array()
            .cloned()
            .map(|v| fetch::parse_environments(&Value::Array(v)))
            .unwrap_or_default()
    }

    const DEPLOY: &str = "on: push\njobs:\n  deploy-prod:\n    runs-on: ubuntu-latest\n    environment: octokit-environment\n    steps:\n      - run: kubectl apply -f k8s/\n  deploy-dev:\n    runs-on: ubuntu-latest\n    environment: dev\n    steps:\n      - run: kubectl apply -f k8s/\n";

    #[test]
    fn a_production_environment_without_reviewers_is_critical() {
        let mut all = envs("environments-get.200.no-rules.json");
        all.extend(envs("environments-get.200.json"));
        let out = judge(DEPLOY, &snapshot(None, all));
        let env: Vec<(&str, Severity, u32)> = out
            .findings
            .iter()
            .filter(|f| f.rule.area == crate::finding::Area::Settings && f.location.is_some())
            .map(|f| {
                (
                    f.rule.id,
                    f.severity,
                    f.location.as_ref().map_or(0, |l| l.start.line),
                )
            })
            .collect();
        // `dev` has a reviewer and a branch policy (recorded): no finding for deploy-dev.
        assert_eq!(
            env,
            vec![("unprotected-environment", Severity::Critical, 5)]
        );
        let row = out.environment_row.expect("row");
        assert_eq!(row.state, State::Partial);
        assert!(
            row.current
                .contains("`dev` (1 reviewer, wait 15 min, branch policy)"),
            "{}",
            row.current
        );
    }

    #[test]
    fn production_reviewers_who_may_approve_themselves_are_reported() {
        let env = EnvInfo {
            name: "octokit-environment".into(),
            reviewers: 1,
            prevent_self_review: Some(false),
            branch_policy: true,
            ..EnvInfo::default()
        };
        let out = judge(DEPLOY, &snapshot(None, vec![env]));
        let got: Vec<(&str, Severity)> = out
            .findings
            .iter()
            .filter(|f| f.location.as_ref().is_some_and(|l| l.start.line == 5))
            .map(|f| (f.rule.id, f.severity))
            .collect();
        assert_eq!(got, vec![("unprotected-environment", Severity::Medium)]);
        assert!(
            out.findings.iter().any(|f| f
                .message
                .contains("approve deployments they triggered themselves")),
            "{:#?}",
            out.findings
        );
    }

    #[test]
    fn minimal_protection_lacks_reviews_checks_and_admin_enforcement() {
        let minimal = fetch::parse_classic(&body("branch-protection-put.200.minimal.json"));
        let out = judge(DEPLOY, &snapshot(Some(minimal), Vec::new()));
        let mut ids: Vec<&str> = out
            .findings
            .iter()
            .filter(|f| f.location.is_none())
            .map(|f| f.rule.id)
            .collect();
        ids.sort();
        assert_eq!(
            ids,
            [
                "admins-exempt",
                "missing-required-checks",
                "missing-required-review"
            ]
        );
        let row = out.branch_row.expect("row");
        assert_eq!(row.state, State::Partial);
        assert!(
            row.current.contains("0 approvals required"),
            "{}",
            row.current
        );
    }

    #[test]
    fn full_protection_with_matching_checks_is_present() {
        let full = fetch::parse_classic(&body("branch-protection-get.200.reviews.json"));
        let wf =
            "on: pull_request\njobs:\n  build:\n    runs-on: x\n    steps:\n      - run: pytest\n";
        let mut c = full;
        c.required_checks = Some(fetch::RequiredChecks {
            strict: true,
            contexts: vec!["build".into()],
            other_apps: Vec::new(),
        });
        if let Some(r) = c.reviews.as_mut() {
            r.dismiss_stale = true;
        }
        let out = judge(wf, &snapshot(Some(c), Vec::new()));
        assert!(out.findings.is_empty(), "{:#?}", out.findings);
        assert_eq!(out.branch_row.map(|r| r.state), Some(State::Present));
    }
}
