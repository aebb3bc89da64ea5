"""`make review`: what a change means, per environment and stack, the worst first.

Synthesizes every environment at a base commit (in a temporary git worktree through that
commit's own app.py; cached by commit and pins in .cache/assemblies) and in the working tree
(in this process, in parallel with the base), compares the templates and the recorded
acknowledgments, and writes review.md. Offline; no AWS account.

The page opens with a summary: one line per environment, stack and class of consequence,
ranked data loss, then exposure to the internet, then access, then compliance, then capacity
and cost, then everything else. A new environment or stack is summarized, not listed. When
the topology changes, the environment's picture follows (added and removed parts marked).
review-comment.md is the same page cut to fit one GitHub comment (65,536 characters).

    python -m tools.review [--base REF] [--outcome 'make test=failure'] [--full-page-url URL]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools import names
from tools.assemblies import commit_assemblies, commit_sha, default_base, stack_artifacts, synthesize_all
from tools.compliance import read_acknowledgments
from tools.costs import load_prices, signed_range
from tools.review_findings import Finding, Kind, StackReview, review_stack

ROOT = Path(__file__).resolve().parent.parent
REVIEW_PATH = ROOT / "review.md"
COMMENT_PATH = ROOT / "review-comment.md"
# The first line of review.md: the CI workflow finds its own pull-request comment by it.
MARKER = "<!-- berth-review -->"
COMMENT_LIMIT = 65_536
SUMMARY_ITEMS = 2  # findings quoted in a summary line

# Summary classes, ranked: (rank, label) for a class of finding, urgent or not.
_CLASS = {
    (Kind.REPLACED, True): (0, "data loss"),
    (Kind.EXPOSURE, True): (1, "exposed to the internet"),
    (Kind.ACCESS, True): (2, "access widened"),
    (Kind.EXPOSURE, False): (2, "network access changed"),
    (Kind.ACCESS, False): (2, "access narrowed"),
    (Kind.COMPLIANCE, False): (3, "compliance changed"),
    (Kind.COST, False): (4, "capacity and cost"),
    (Kind.REPLACED, False): (5, "replaced, no data kept in it"),
    (Kind.IMAGES, False): (5, "images"),
    (Kind.OTHER, False): (5, "everything else"),
}


@dataclass
class Reviewed:
    env: str
    stack: str
    review: StackReview

    @property
    def title(self) -> str:
        env, role = names.stack_role(self.stack)
        return f"{self.env} / {role}" if env == self.env else f"{self.env} / {self.stack}"

    def rank(self) -> int:
        return min((_class(f)[0] for f in self.review.findings), default=6)


def _class(finding: Finding) -> tuple[int, str]:
    return _CLASS.get((finding.kind, finding.urgent), _CLASS[(finding.kind, False)])


def _templates(outdir: Path | None) -> dict[str, dict[str, Any]]:
    if outdir is None or not (outdir / "manifest.json").exists():
        return {}
    return {
        s: json.loads((outdir / a["properties"]["templateFile"]).read_text(encoding="utf-8")) for s, a in stack_artifacts(outdir).items()
    }


def _regions(outdir: Path | None) -> dict[str, str]:
    """Each stack's region, from the assembly manifest (environment `aws://account/region`)."""
    if outdir is None or not (outdir / "manifest.json").exists():
        return {}
    regions = {}
    for stack, artifact in stack_artifacts(outdir).items():
        region = artifact.get("environment", "").rpartition("/")[2]
        if region not in {"", "unknown-region"}:
            regions[stack] = region
    return regions


def _acks(outdir: Path | None) -> dict[tuple[str, str, str], list[str]]:
    """(stack, construct path, reason) -> the "pack rule" ids acknowledged there for it: one
    finding acknowledged by three packs for the same reason is one entry."""
    if outdir is None or not (outdir / "manifest.json").exists():
        return {}
    found: dict[tuple[str, str, str], list[str]] = {}
    for a in read_acknowledgments(outdir):
        found.setdefault((a.stack, a.path, a.reason), []).append(f"{a.pack} {a.rule}")
    return found


def _path_label(outdir: Path | None, stack: str, path: str) -> str:
    return f"`{names.path_name(outdir, stack, path)}`" if outdir is not None else f"`{path}`"


def _compliance(review: StackReview, stack: str, old: Path | None, new: Path | None) -> None:
    before, after = _acks(old), _acks(new)
    for key in sorted(set(after) - set(before)):
        if key[0] == stack:
            rules = ", ".join(sorted(after[key]))
            review.add(Kind.COMPLIANCE, f"acknowledged on {_path_label(new, stack, key[1])} ({rules}): {key[2]}")
    for key in sorted(set(before) - set(after)):
        if key[0] == stack:
            rules = ", ".join(sorted(before[key]))
            review.add(Kind.COMPLIANCE, f"no longer acknowledged on {_path_label(old, stack, key[1])} ({rules}): {key[2]}")


def _namer(base: Path | None, head: Path | None, stack: str) -> Callable[[str], str]:
    def name(logical_id: str) -> str:
        for outdir in (head, base):
            if outdir is not None and names.resource_name(outdir, stack, logical_id) != logical_id:
                return names.labelled(outdir, stack, logical_id)
        return f"`{logical_id}`"

    return name


def review_environments(base: dict[str, Path], head: dict[str, Path]) -> list[Reviewed]:
    reviews = []
    for env in sorted(set(base) | set(head)):
        old_dir, new_dir = base.get(env), head.get(env)
        old_t, new_t = _templates(old_dir), _templates(new_dir)
        regions = _regions(old_dir) | _regions(new_dir)
        for stack in sorted(set(old_t) | set(new_t)):
            review = review_stack(old_t.get(stack, {}), new_t.get(stack, {}), regions.get(stack), name=_namer(old_dir, new_dir, stack))
            if not review.new:
                _compliance(review, stack, old_dir, new_dir)
            if review.removed:
                review.findings.insert(0, Finding(Kind.REPLACED, "**stack removed**: every resource it holds is deleted", True))
            if not review.empty():
                reviews.append(Reviewed(env, stack, review))
    return reviews


def _summary(reviews: list[Reviewed], base: dict[str, Path]) -> list[str]:
    """One line per environment, stack and class, worst first; a new environment is one line."""
    rows: list[tuple[int, str, str]] = []
    new_envs = {r.env for r in reviews} - set(base)
    for env in sorted(new_envs):
        stacks = [r for r in reviews if r.env == env]
        exposed = [f for r in stacks for f in r.review.findings if f.kind == Kind.EXPOSURE and f.urgent]
        types = sum((r.review.types for r in stacks), Counter())
        unconditioned = sum(r.review.unconditioned_trust for r in stacks)
        resources = sum(types.values())
        low, high = (sum(r.review.net[i] for r in stacks) for i in (0, 1))
        cost = f"{signed_range(low, high)} a month for the priced resources (each stack says what it leaves out)"
        first = f" ({exposed[0].text}{', ...' if len(exposed) > 1 else ''})" if exposed else ""
        text = (
            f"**new environment** `{env}`: {len(stacks)} stacks, {resources} resources; "
            f"{len(exposed)} exposure(s) to the internet{first}; {types['AWS::IAM::Role']} roles "
            f"({unconditioned} trust statement(s) without a condition), {types['AWS::EKS::AccessEntry']} cluster access entries; "
            f"cost {cost}"
        )
        rows.append((1 if exposed else 4, env, text))
    for r in reviews:
        if r.env in new_envs:
            continue
        if r.review.new:
            exposed = [f for f in r.review.findings if f.urgent]
            rows.append(
                (
                    1 if exposed else 4,
                    r.title,
                    f"**new stack** {r.title}: {r.review.summary[0]}; {len(exposed)} exposure(s) to the internet",
                )
            )
            continue
        classes: dict[tuple[int, str], list[Finding]] = {}
        for finding in r.review.findings:
            classes.setdefault(_class(finding), []).append(finding)
        for (rank, label), found in classes.items():
            if label == "capacity and cost":
                net = [f.text for f in found if f.text.startswith("net:")]
                quoted = net or [f.text for f in found[:SUMMARY_ITEMS]]
            else:
                quoted = [f.text for f in found[:SUMMARY_ITEMS]]
            more = f" (and {len(found) - len(quoted)} more)" if len(found) > len(quoted) else ""
            rows.append((rank, r.title, f"**{label}** {r.title}: " + "; ".join(quoted) + more))
    return [f"- {text}" for _, _, text in sorted(rows, key=lambda row: (row[0], row[1]))]


def _section_lines(r: Reviewed) -> list[str]:
    lines = [f"## {r.title}" + (" (new stack)" if r.review.new else ""), ""]
    if r.review.summary:
        lines += [f"- {line}" for line in r.review.summary] + [""]
    for kind in Kind:
        found = sorted(r.review.of(kind), key=lambda f: not f.urgent)
        if found:
            lines += [f"### {kind.title}", "", *(f"- {f.text}" for f in found), ""]
    return lines


def _pictures(base: dict[str, Path], head: dict[str, Path]) -> list[str]:
    from tools.diagram import Diagram, changes, diagram_of, mermaid  # noqa: PLC0415

    lines: list[str] = []
    for env in sorted(set(base) | set(head)):
        if env not in base:
            lines += [f"## {env}: its picture (new environment)", "", "```mermaid", mermaid(diagram_of(head[env])).rstrip(), "```", ""]
            continue
        new = diagram_of(head[env]) if env in head else Diagram()
        picture = changes(diagram_of(base[env]), new)
        if picture:
            lines += [f"## {env}: the picture changes", "", "Added parts have a green border, removed ones a dashed red one.", ""]
            lines += ["```mermaid", picture.rstrip(), "```", ""]
    return lines


@dataclass(frozen=True)
class Context:
    """What the page's header says about the run."""

    base_ref: str
    base_sha: str = ""
    head: str = ""  # "`abc1234`" or "`abc1234` with uncommitted changes (N files)"
    outcomes: tuple[tuple[str, str], ...] = ()  # (check, outcome) of the workflow's steps: success, failure, skipped
    stale: tuple[str, ...] = ()  # generated files the head does not match


def render(base: dict[str, Path], head: dict[str, Path], context: Context | str) -> str:
    if isinstance(context, str):
        context = Context(base_ref=context)
    against = f"`{context.base_ref}`" + (f" (`{context.base_sha[:12]}`)" if context.base_sha else "")
    lines = [MARKER, f"# Infrastructure review against {against}", ""]
    if context.head:
        lines += [f"Head: {context.head}.", ""]
    failed = [f"{check} ({outcome})" for check, outcome in context.outcomes if outcome != "success"]
    if failed:
        lines += [f"> **Checks that did not pass: {', '.join(failed)}.** Read the job log; below is what the change does.", ""]
    if context.stale:
        lines += [
            "> **Generated files are stale**: run `make regenerate` and commit the result. Stale: "
            + ", ".join(f"`{s}`" for s in context.stale[:10])
            + (f" and {len(context.stale) - 10} more" if len(context.stale) > 10 else ""),
            "",
        ]
    reviews = review_environments(base, head)
    if not reviews:
        lines.append("No infrastructure change: every environment synthesizes to the same templates and acknowledgments.")
        return "\n".join(lines).rstrip() + "\n"
    lines += ["## Summary", "", *_summary(reviews, base), ""]
    if all(f.kind == Kind.IMAGES for r in reviews for f in r.review.findings) and not any(r.review.summary for r in reviews):
        lines += ["**Image-only change**: only container images change; every other property is the same.", ""]
    for r in sorted(reviews, key=lambda r: (r.rank(), r.env, r.stack)):
        lines += _section_lines(r)
    lines += _pictures(base, head)
    if any(r.review.priced for r in reviews):
        table = load_prices()
        lines.append(
            f"Costs: {table.basis}; {table.hours_per_month:g} hours a month; prices as of {table.as_of.isoformat()} "
            "from `tools/prices.json`, which names its source. What a net line leaves out, it says."
        )
    return "\n".join(lines).rstrip() + "\n"


def fit_comment(text: str, full_page: str, limit: int = COMMENT_LIMIT) -> str:
    """The page as one GitHub comment: whole if it fits, else cut at a section boundary (the
    summary first, always) with a pointer to the full page."""
    if len(text) <= limit:
        return text
    note = f"\n---\n**Cut to fit one comment** ({len(text):,} characters): the whole page is {full_page}.\n"
    budget = limit - len(note)
    cut = text[:budget]
    boundary = max(cut.rfind("\n## "), cut.rfind("\n### "))
    cut = cut[:boundary] if boundary > 0 else cut[: cut.rfind("\n")]
    if cut.count("```") % 2:
        cut += "\n```"
    return cut.rstrip() + "\n" + note


def _head_state() -> str:
    sha = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    status = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.splitlines()
    changed = [line for line in status if not line[3:].startswith(("review.md", "review-comment.md"))]
    if not changed:
        return f"`{sha}`"
    return f"the working tree of `{sha}` **with uncommitted changes** ({len(changed)} file(s), included in this review)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Review what a change does to the synthesized infrastructure.")
    parser.add_argument("--base", default=None, help="git ref to compare against (default: merge-base with main, or HEAD~1 on main)")
    parser.add_argument("--environments", nargs="*", default=None, help="only these environments (default: all)")
    parser.add_argument("--outcome", action="append", default=[], help="CHECK=OUTCOME of a workflow step, shown when not success")
    parser.add_argument("--full-page-url", default="the review.md of `make review`", help="where the whole page is, for a cut comment")
    args = parser.parse_args(argv)
    try:
        return _review(args)
    except (Exception, SystemExit) as exc:  # a change that does not synthesize still gets a page that says why
        text = f"{MARKER}\n# Infrastructure review: not built\n\nThe change does not synthesize:\n\n```\n{str(exc)[-3000:]}\n```\n"
        REVIEW_PATH.write_text(text, encoding="utf-8")
        COMMENT_PATH.write_text(text, encoding="utf-8")
        sys.stderr.write(text)
        return 1


def _review(args: argparse.Namespace) -> int:
    base_ref = args.base or default_base()
    base_result: dict[str, Any] = {}

    def synthesize_base() -> None:
        try:
            base_result["outdirs"], base_result["cached"] = commit_assemblies(base_ref, args.environments)
        except BaseException as exc:
            base_result["error"] = exc

    worker = threading.Thread(target=synthesize_base)
    worker.start()
    with tempfile.TemporaryDirectory() as tmp:
        head = synthesize_all(Path(tmp), args.environments)
        worker.join()
        if "error" in base_result:
            raise base_result["error"]
        stale: list[str] = []
        if args.environments is None:
            from tools.generated import stale as stale_files  # noqa: PLC0415

            stale = [line.split(":", 1)[0] for line in stale_files(head, None) if not line.startswith(" ")]
        outcomes = tuple(tuple(o.rsplit("=", 1)) for o in args.outcome if "=" in o)
        context = Context(base_ref, commit_sha(base_ref), _head_state(), outcomes, tuple(stale))  # type: ignore[arg-type]
        text = render(base_result["outdirs"], head, context)
    REVIEW_PATH.write_text(text, encoding="utf-8")
    COMMENT_PATH.write_text(fit_comment(text, args.full_page_url), encoding="utf-8")
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
