"""axe-core, run in the page: any serious or critical violation fails the test."""

import warnings

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

# "minor" and "moderate" findings are printed (see them with -s) but do not fail.
BLOCKING_IMPACTS = {"serious", "critical"}

_axe = Axe()


def axe_violations(page: Page) -> list[dict]:
    return _axe.run(page).response["violations"]


def describe(violation: dict) -> str:
    lines = [
        f"{violation['id']} ({violation['impact']}, {len(violation['nodes'])} element(s)): "
        f"{violation['help']}",
        f"  {violation['helpUrl']}",
    ]
    for node in violation["nodes"]:
        lines.append(f"  - {', '.join(map(str, node['target']))}")
        lines.append(f"    {node['html'][:300]}")
        summary = (node.get("failureSummary") or "").replace("\n", "\n      ")
        if summary:
            lines.append(f"      {summary}")
    return "\n".join(lines)


def _split_known(page: Page, violation: dict, inside: str | None) -> tuple[dict, dict]:
    """The violation's elements outside `inside` (a CSS selector), and those within it."""
    if inside is None:
        return violation, {**violation, "nodes": []}
    ours, known = [], []
    for node in violation["nodes"]:
        is_known = page.evaluate(
            "([target, inside]) => !!document.querySelector(target)?.closest(inside)",
            [node["target"][0], inside],
        )
        (known if is_known else ours).append(node)
    return {**violation, "nodes": ours}, {**violation, "nodes": known}


def assert_accessible(page: Page, *, known: dict[str, str] | None = None):
    """`known` maps a rule id to a CSS selector for third-party markup whose violations of
    that rule the project cannot fix; those are reported as warnings on every run, never
    hidden, and fail nothing. Everything else serious or critical fails."""
    known = known or {}
    blocking, tolerated, others = [], [], []
    for violation in axe_violations(page):
        if violation["impact"] not in BLOCKING_IMPACTS:
            others.append(violation)
            continue
        ours, theirs = _split_known(page, violation, known.get(violation["id"]))
        if ours["nodes"]:
            blocking.append(ours)
        if theirs["nodes"]:
            tolerated.append(theirs)
    if others:
        print(f"\naxe, {page.url}, not blocking:\n" + "\n".join(map(describe, others)))
    for violation in tolerated:
        warnings.warn(
            f"axe, {page.url}, known third-party violation (not failing): "
            f"{violation['id']} ({violation['impact']}) on {len(violation['nodes'])} "
            f"element(s) within {known[violation['id']]!r}",
            stacklevel=2,
        )
    assert not blocking, (
        f"axe found {len(blocking)} serious or critical violation(s) on {page.url}:\n"
        + "\n".join(map(describe, blocking))
    )
