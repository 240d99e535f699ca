"""The project's layers, read from the imports of every module with `ast`.

    core            the ground floor: API plumbing, parameters, CSV, lookups; imports no app
    jurisdictions   places and agencies
    policies        the codebook, instruments, positions; its API; its selectors
    agreements      287(g) from ICE's lists: snapshots, agreements, their pages and API
    releases        numbered snapshots of what is published; `?release=N` on the API
    coding          double coding: second codings, their differences, disagreement
    public          the pages
    policyhub       settings and URLs: wires the apps together; no app imports it
    bench           the benchmark, beside the product; nothing imports it

An import may only go down (or stay in its package); no two modules import each other,
directly or round a longer loop; the pages and the API meet only in selectors (the pages
reach no API module, `core.api` included, however many imports away, except through a
selectors module); and what the pages use never imports Django REST framework.
"""

import ast
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
LAYERS = {
    "core": 0,
    "jurisdictions": 1,
    "policies": 2,
    "agreements": 3,
    "releases": 3,
    "coding": 3,
    "public": 4,
    "policyhub": 5,
    "bench": 5,
}
# The API's modules: the pages (public) reach what they share with them only through
# selectors, and the API reaches nothing of the pages.
API_MODULES = ("core.api", "policies.api", "jurisdictions.api", "agreements.api", "releases.api")
# Modules that serve the pages: a DRF exception raised there would reach a page as a 500.
WITHOUT_DRF = (
    "public",
    "releases.views",
    "releases.selectors",
    "jurisdictions.filters",
    "policies.filters",
    "policies.selectors",
    "agreements.views",
    "agreements.selectors",
    "agreements.filters",
)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in LAYERS
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def imports_of(path: Path, known: set[str]) -> set[str]:
    """Every module this file imports, wherever the import statement is (a function-level
    import is an arrow all the same)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # `from policies.positions import store`: the module policies.positions.store
            found.update(
                f"{node.module}.{alias.name}"
                for alias in node.names
                if f"{node.module}.{alias.name}" in known
            )
    return found


def graph() -> dict[str, set[str]]:
    modules = project_modules()
    known = set(modules)
    return {name: imports_of(path, known) for name, path in modules.items()}


def package_of(module: str) -> str:
    return module.split(".")[0]


def within(module: str, prefixes) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def violations(imports: dict[str, set[str]]) -> list[str]:
    found = []
    for module, targets in sorted(imports.items()):
        here = package_of(module)
        for target in sorted(targets):
            there = package_of(target)
            if there not in LAYERS:
                if target.split(".")[0] == "rest_framework" and within(module, WITHOUT_DRF):
                    found.append(f"{module} -> {target}: serves pages, imports DRF")
                continue
            if there != here and LAYERS[there] >= LAYERS[here]:
                found.append(f"{module} -> {target}: up or across ({here} -> {there})")
            if within(module, API_MODULES) and within(target, ["public"]):
                found.append(f"{module} -> {target}: pages and API meet only in selectors")
    for module in sorted(imports):
        if within(module, ["public"]):
            found.extend(
                f"{' -> '.join(path)}: pages and API meet only in selectors"
                for path in paths_to_the_api(imports, module)
            )
    found.extend(f"cycle: {' -> '.join(cycle)}" for cycle in cycles(imports))
    return found


def is_selectors(module: str) -> bool:
    return module.rsplit(".", 1)[-1] == "selectors"


def paths_to_the_api(imports: dict[str, set[str]], start: str) -> list[list[str]]:
    """The shortest chain of imports from `start` to each API module it reaches, not
    counting what it reaches through a selectors module."""
    came_from: dict[str, str | None] = {start: None}
    queue, found = deque([start]), []
    while queue:
        module = queue.popleft()
        for target in sorted(imports.get(module, ())):
            if target in came_from or package_of(target) not in LAYERS:
                continue
            came_from[target] = module
            if within(target, API_MODULES):
                path, step = [], target
                while step is not None:
                    path.append(step)
                    step = came_from[step]
                found.append(path[::-1])
            elif not is_selectors(target):
                queue.append(target)
    return found


def cycles(imports: dict[str, set[str]]) -> list[list[str]]:
    """One loop per strongly connected group of modules (Tarjan's algorithm)."""
    edges = {m: {t for t in targets if t in imports and t != m} for m, targets in imports.items()}
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def test_every_import_goes_down_and_none_goes_round():
    imports = graph()
    assert "core.api" in imports and "policies.positions.queries" in imports
    assert violations(imports) == []


def test_apps_never_import_the_project_package():
    imports = graph()
    assert not [
        (m, t)
        for m, targets in imports.items()
        if package_of(m) != "policyhub"
        for t in targets
        if package_of(t) == "policyhub" and package_of(m) != "bench"
    ]


def test_the_checker_finds_each_kind_of_wrong_import():
    wrong = {
        "core.api": {"policies.models"},
        "jurisdictions.admin": {"policies.admin"},
        "public.views": {"policies.api.positions", "rest_framework.exceptions"},
        "public.queries": {"policies.shapes", "policies.selectors"},
        "policies.shapes": {"core.api"},
        "policies.selectors": {"releases.api"},
        "policies.api.positions": {"public.views"},
        "policies.a": {"policies.b"},
        "policies.b": {"policies.a"},
        "policies.admin": set(),
        "policies.models": set(),
    }
    found = "\n".join(violations(wrong))
    assert "core.api -> policies.models: up" in found
    assert "jurisdictions.admin -> policies.admin: up" in found
    assert "public.views -> policies.api.positions: pages and API meet only in selectors" in found
    # However many imports away; but what a selector imports is the selector's business.
    assert (
        "public.queries -> policies.shapes -> core.api: pages and API meet only in selectors"
        in found
    )
    assert "releases.api: pages" not in found
    assert "policies.api.positions -> public.views: up" in found
    assert "public.views -> rest_framework.exceptions: serves pages, imports DRF" in found
    assert "cycle: policies.a -> policies.b" in found
