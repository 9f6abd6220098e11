#!/usr/bin/env python3
"""ci-guard's shellcheck findings next to actionlint's on the same workflow files.

    shellcheck_parity.py CORPUS CI_GUARD_BINARY [ACTIONLINT]

Runs `actionlint -shellcheck=shellcheck -format '{{json .}}'` over every workflow file of the
corpus (in batches) and `ci-guard audit CORPUS --shellcheck always --format json`, then prints how many
of actionlint's shellcheck findings ci-guard reports at the same place (file, line, column and
SC code), and sorts the rest by reason. Paths are compared relative to CORPUS.
"""

import collections
import json
import os
import re
import subprocess
import sys

MESSAGE = re.compile(r"SC(\d+):(\w+):(\d+):(\d+): ")


def workflow_files(corpus):
    out = []
    for repo in sorted(os.listdir(corpus)):
        wf = os.path.join(repo, ".github", "workflows")
        if not os.path.isdir(os.path.join(corpus, wf)):
            continue
        for name in sorted(os.listdir(os.path.join(corpus, wf))):
            if name.endswith((".yml", ".yaml")) and os.path.isfile(os.path.join(corpus, wf, name)):
                out.append(os.path.join(wf, name))
    return out


def actionlint_findings(corpus, files, actionlint):
    found = set()
    for i in range(0, len(files), 200):
        batch = files[i : i + 200]
        p = subprocess.run(
            [actionlint, "-shellcheck=shellcheck", "-format", "{{json .}}", *batch],
            cwd=corpus,
            capture_output=True,
            text=True,
        )
        if not p.stdout.strip():
            continue
        for e in json.loads(p.stdout):
            if e.get("kind") != "shellcheck":
                continue
            m = MESSAGE.search(e["message"])
            if not m:
                continue
            found.add((e["filepath"], e["line"], e["column"], int(m.group(1))))
    return found


def ci_guard_findings(corpus, binary):
    p = subprocess.run(
        [binary, "audit", corpus, "--shellcheck", "always", "--format", "json", "--fail-on", "none"],
        capture_output=True,
        text=True,
    )
    report = json.loads(p.stdout)
    found = set()
    for f in report["findings"]:
        m = re.fullmatch(r"shell-sc(\d+)", f["rule"])
        loc = f.get("location")
        if not m or not loc:
            continue
        found.add((loc["path"], loc["start"]["line"], loc["start"]["column"], int(m.group(1))))
    return found


def main():
    corpus, binary = sys.argv[1], sys.argv[2]
    actionlint = sys.argv[3] if len(sys.argv) > 3 else "actionlint"
    files = workflow_files(corpus)
    al = actionlint_findings(corpus, files, actionlint)
    cg = ci_guard_findings(corpus, binary)
    # Only the files both looked at: ci-guard reads workflows and local actions; actionlint here
    # reads the workflows.
    cg_wf = {f for f in cg if f[0] in set(files)}
    same = al & cg_wf
    by_line = {(f, l, c) for f, l, _, c in cg_wf}
    by_file = {(f, c) for f, _, _, c in cg_wf}
    files_with_any = {f for f, _, _, _ in cg_wf}
    reasons = collections.Counter()
    examples = collections.defaultdict(list)
    for f, l, col, code in sorted(al - same):
        if (f, l, code) in by_line:
            why = "same code on the same line, another column"
        elif (f, code) in by_file:
            why = "same code elsewhere in the file"
        elif f in files_with_any:
            why = "code not reported in that file (other codes are)"
        else:
            why = "no ci-guard shellcheck finding in that file"
        reasons[why] += 1
        if len(examples[why]) < 4:
            examples[why].append(f"{f}:{l}:{col} SC{code}")
    print(f"workflow files: {len(files)}")
    print(f"actionlint shellcheck findings:       {len(al)}")
    print(f"ci-guard shell-sc findings (same files): {len(cg_wf)}")
    share = 100.0 * len(same) / len(al) if al else 100.0
    print(f"reported by ci-guard at the same place: {len(same)} ({share:.1f}%)")
    print("the rest, by reason:")
    for why, n in reasons.most_common():
        print(f"  {n:6d}  {why}   e.g. {', '.join(examples[why])}")
    missing_codes = collections.Counter(code for _, _, _, code in al - same)
    print("codes of the rest:", ", ".join(f"SC{c} {n}" for c, n in missing_codes.most_common(8)))
    extra = cg_wf - al
    extra_codes = collections.Counter(code for _, _, _, code in extra)
    print(
        f"ci-guard only: {len(extra)};",
        ", ".join(f"SC{c} {n}" for c, n in extra_codes.most_common(8)),
    )


if __name__ == "__main__":
    main()
