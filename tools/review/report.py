"""Render a :class:`~tools.review.compare.Diff`: JSON for tools, Markdown for a pull-request comment, text."""

from __future__ import annotations

import json
from typing import Any

from tools.review.compare import Diff, Op, ResourceDiff
from tools.review.cost import Estimate

SIGN = {Op.CREATE: "+", Op.DELETE: "-", Op.UPDATE: "~", Op.REPLACE: "±", Op.SAME: "="}
WORD = {
    Op.CREATE: "create",
    Op.DELETE: "delete",
    Op.UPDATE: "update",
    Op.REPLACE: "replace",
    Op.SAME: "unchanged",
}


def _danger(r: ResourceDiff) -> dict[str, Any]:
    return {
        "urn": r.urn,
        "type": r.type,
        "name": r.name,
        "op": r.op.value,
        "protect": r.protect,
        "stateful": r.stateful,
        "replace_reasons": list(r.replace_reasons),
    }


def _cost(base: Estimate | None, head: Estimate | None) -> dict[str, Any] | None:
    if base is None or head is None:
        return None
    return {
        "base_monthly_usd": base.total,
        "head_monthly_usd": head.total,
        "delta_monthly_usd": round(head.total - base.total, 2),
        "unpriced": sorted({u.what for u in head.unpriced}),
    }


def as_json(
    diff: Diff,
    *,
    stack: str,
    project: str | None,
    base: str,
    head: str,
    costs: tuple[Estimate, Estimate] | None = None,
) -> dict[str, Any]:
    return {
        "stack": stack,
        "project": project,
        "base": base,
        "head": head,
        "summary": diff.summary,
        "danger": [_danger(r) for r in diff.danger],
        "components": [{"component": c, **counts} for c, counts in diff.by_component().items()],
        "changes": [
            {
                "urn": r.urn,
                "type": r.type,
                "name": r.name,
                "component": r.component,
                "op": r.op.value,
                "protect": r.protect,
                "replace_reasons": list(r.replace_reasons),
                "changes": [
                    {"path": c.path, "old": c.old, "new": c.new, "forces_replacement": c.forces_replacement}
                    for c in r.changes
                ],
            }
            for r in diff.resources
            if r.op is not Op.SAME
        ],
        "unknown_types": list(diff.unknown_types),
        "architecture_changed": diff.components_changed,
        "cost": _cost(*costs) if costs else None,
    }


def _value(value: Any, width: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    text = text if len(text) <= width else text[: width - 1] + "…"
    return "`" + text.replace("`", "'") + "`"


def _counts(counts: dict[str, int]) -> str:
    parts = [
        f"{SIGN[op]}{counts[op.value]}"
        for op in (Op.CREATE, Op.UPDATE, Op.REPLACE, Op.DELETE)
        if counts[op.value]
    ]
    return " ".join(parts) or "no change"


def as_markdown(
    diff: Diff,
    *,
    stack: str,
    project: str | None,
    base: str,
    head: str,
    costs: tuple[Estimate, Estimate] | None = None,
    diagram: str | None = None,
) -> str:
    where = f"`{stack}`" + (f" (project `{project}`)" if project else "")
    s = diff.summary
    lines = [f"### Offline diff: {where}, `{base}` → {head if head == 'working tree' else f'`{head}`'}", ""]
    if diff.danger:
        lines += [
            "> [!CAUTION]",
            f"> **{len(diff.danger)} protected or stateful resource(s) would be lost:**",
        ]
        for r in diff.danger:
            why = ", ".join(w for w, on in (("protected", r.protect), ("stateful", r.stateful)) if on)
            reasons = (
                f" — replaced by a change of {', '.join(f'`{p}`' for p in r.replace_reasons)}"
                if r.replace_reasons
                else ""
            )
            lines.append(f"> - **{r.op.value}** `{r.name}` (`{r.type}`, {why}){reasons}")
        lines.append("")
    lines.append(
        f"**{s['create']} to create, {s['update']} to update, {s['replace']} to replace, {s['delete']} to delete**,"
        f" {s['same']} unchanged."
    )
    if costs:
        c = _cost(*costs)
        assert c is not None
        lines.append(
            f"Monthly on-demand estimate: ${c['base_monthly_usd']:,.2f} → ${c['head_monthly_usd']:,.2f}"
            f" (**{c['delta_monthly_usd']:+,.2f} USD**)."
        )
    if diff.unknown_types:
        lines.append(f"No replacement rule for: {', '.join(f'`{t}`' for t in diff.unknown_types)}.")
    changed = {c: n for c, n in diff.by_component().items() if _counts(n) != "no change"}
    if not changed:
        lines += ["", "No resource changes."]
    else:
        lines += ["", "| component | + | ~ | ± | - | = |", "|---|---:|---:|---:|---:|---:|"]
        lines += [
            f"| {c} | {n['create']} | {n['update']} | {n['replace']} | {n['delete']} | {n['same']} |"
            for c, n in changed.items()
        ]
        for component, counts in changed.items():
            lines += ["", f"<details><summary>{component}: {_counts(counts)}</summary>", ""]
            for r in diff.resources:
                if r.component != component or r.op is Op.SAME:
                    continue
                lock = " 🔒" if r.protect else ""
                lines.append(f"- **{WORD[r.op]}** `{r.name}` (`{r.type}`){lock}")
                for change in r.changes:
                    mark = " **(forces replacement)**" if change.forces_replacement else ""
                    lines.append(f"  - `{change.path}`: {_value(change.old)} → {_value(change.new)}{mark}")
            lines += ["", "</details>"]
    if diagram:
        lines += [
            "",
            "<details><summary>Architecture after this change</summary>",
            "",
            "```mermaid",
            diagram,
            "```",
            "",
            "</details>",
        ]
    return "\n".join(lines)


def as_text(
    diff: Diff, *, stack: str, base: str, head: str, costs: tuple[Estimate, Estimate] | None = None
) -> str:
    s = diff.summary
    lines = [f"Offline diff of {stack}: {base} → {head}", ""]
    for r in diff.danger:
        lines.append(f"DANGER {r.op.value}: {r.urn}")
    if diff.danger:
        lines.append("")
    for r in diff.resources:
        if r.op is Op.SAME:
            continue
        lines.append(f" {SIGN[r.op]} {r.type:<60} {r.name}")
        for change in r.changes:
            mark = "  [forces replacement]" if change.forces_replacement else ""
            lines.append(f"     {change.path}: {_value(change.old)} → {_value(change.new)}{mark}")
    lines += [
        "",
        f"{s['create']} to create, {s['update']} to update, {s['replace']} to replace, {s['delete']} to delete,"
        f" {s['same']} unchanged",
    ]
    if costs:
        c = _cost(*costs)
        assert c is not None
        lines.append(
            f"monthly estimate {c['base_monthly_usd']:.2f} → {c['head_monthly_usd']:.2f} USD ({c['delta_monthly_usd']:+.2f})"
        )
    return "\n".join(lines)
