"""The SOP verdict stored with a plan, read rule by rule for a person deciding on it.

The evaluation lists findings (what blocks, what must be met before departure, what must be
fixed, what is required, what is advised). Every other rule of the policies applied produced
no finding: the movement meets it, or its area or threat level does not reach this route.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jsms.movements.sop import default_policies

# Finding list in the stored evaluation -> what it means for the rule, worst first.
VERDICTS: tuple[tuple[str, str, str], ...] = (
    ("violations", "Blocks", "fail"),
    ("other_violations", "Must be fixed", "fail"),
    ("before_start", "To meet before departure", "warn"),
    ("requirements", "Passes, with requirements", "pass"),
    ("advisories", "Advisory", "warn"),
)
# How one finding of each list is introduced (its message says what to do).
FINDING_WORDS = {
    "Blocks": "Violation",
    "Must be fixed": "Fix",
    "To meet before departure": "Before departure",
    "Passes, with requirements": "Requires",
    "Advisory": "Advice",
}
PASSES = ("Passes", "pass")


@dataclass
class RuleRow:
    """One rule of one policy, with what the evaluation found about it."""

    policy: str
    rule_id: str
    severity: str
    text: str
    verdict: str = PASSES[0]
    css: str = PASSES[1]
    findings: list[dict[str, Any]] = field(default_factory=list)


def _rows_of_policies(labels: list[str]) -> dict[tuple[str, str], RuleRow]:
    rows: dict[tuple[str, str], RuleRow] = {}
    by_label = {policy.label: policy for policy in default_policies()}
    for label in labels:
        policy = by_label.get(label)
        for rule in policy.rules if policy is not None else ():
            rows[(label, rule.id)] = RuleRow(
                label, rule.id, rule.severity, " ".join(rule.text.split())
            )
    return rows


def rule_rows(evaluation: dict[str, Any]) -> list[RuleRow]:
    """Every rule of the policies applied, in policy order, each with its verdict and the
    findings (each finding's message says what this movement lacks or must do)."""
    rows = _rows_of_policies(list(evaluation.get("policies") or []))
    for key, verdict, css in reversed(VERDICTS):  # the worst verdict is written last
        for finding in evaluation.get(key) or []:
            row = rows.setdefault(
                (finding["policy"], finding["rule_id"]),
                RuleRow(
                    finding["policy"],
                    finding["rule_id"],
                    finding.get("severity", ""),
                    " ".join(str(finding.get("rule_text", "")).split()),
                ),
            )
            row.findings.append({**finding, "verdict": verdict, "words": FINDING_WORDS[verdict]})
            row.verdict, row.css = verdict, css
    for row in rows.values():
        order = [v for _, v, _ in VERDICTS]
        row.findings.sort(key=lambda f: order.index(f["verdict"]))
    return list(rows.values())


def counts(rows: list[RuleRow]) -> dict[str, int]:
    """How many rules got each verdict, for the one-line summary above the list."""
    out: dict[str, int] = {}
    for row in rows:
        out[row.verdict] = out.get(row.verdict, 0) + 1
    return out
