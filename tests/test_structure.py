"""The shape of the code: the domain packages build on each other in one direction, no module reaches
for another's private names, and no domain imports another domain's pages or API.

The package is read with ``ast`` (nothing is imported), so type-only imports count as well.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import nesa_collab

PACKAGE = Path(nesa_collab.__file__).parent

#: The domains, lowest first: each may import only the ones before it. The audit log and the outbox
#: are written by every domain, so they import none; ``audit_log`` (the page that reads the log) sits
#: above them all.
LAYERS = ["audit", "notifications", "auth", "network", "cores", "plans", "meetings", "obligations", "support",
          "flags", "audit_log"]
#: Modules of a domain that other domains may not import: its pages and its API.
ENTRY_POINTS = {"views", "api"}
#: Top-level modules and what each may import. Infrastructure imports no domain (``permissions`` is
#: the policy every domain asks; ``web`` is told by ``create_app`` how to find who is asking); the
#: composition (``app``, ``cli``, ``seed``, ``home``, ``models``, ``api``, ``migrations``) may import any.
INFRASTRUCTURE = {"clock", "db", "dates", "errors", "money", "paths", "permissions", "settings", "slugs",
                  "templating", "web", "rulebook", "markdown", "migrate", "zones", "logs", "backup", "headers",
                  "idempotency"}
INFRASTRUCTURE_MAY_USE: dict[str, set[str]] = {}


@dataclass(frozen=True)
class Import:
    module: str  # importing module, dotted, relative to nesa_collab ("cores.views")
    target: str  # imported module, dotted, relative to nesa_collab ("network.services")
    names: tuple[str, ...]
    line: int


def _module_names() -> set[str]:
    out = set()
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        out.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return out


MODULE_NAMES = _module_names()


def _modules() -> dict[str, ast.Module]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = ast.parse(path.read_text(), str(path))
    return out


def _imports(name: str, tree: ast.Module) -> list[Import]:
    """Every import in the module that names something inside nesa_collab."""
    package = name.split(".") if name else []
    is_package = (PACKAGE / Path(*package) / "__init__.py").exists() if package else True
    base = package if is_package else package[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[:len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join([*anchor, *(node.module.split(".") if node.module else [])])
            elif node.module and node.module.startswith("nesa_collab"):
                target = node.module.removeprefix("nesa_collab").lstrip(".")
            else:
                continue
            names = tuple(a.name for a in node.names)
            # "from ..network import services" imports the module nesa_collab.network.services.
            submodules = [n for n in names if f"{target}.{n}".strip(".") in MODULE_NAMES]
            for n in submodules:
                out.append(Import(name, f"{target}.{n}".strip("."), (), node.lineno))
            rest = tuple(n for n in names if n not in submodules)
            if rest:
                out.append(Import(name, target, rest, node.lineno))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("nesa_collab"):
                    out.append(Import(name, alias.name.removeprefix("nesa_collab").lstrip("."), (), node.lineno))
    return out


MODULES = _modules()
IMPORTS = [i for name, tree in MODULES.items() for i in _imports(name, tree)]


def _domain(module: str) -> str | None:
    head = module.split(".")[0]
    return head if head in LAYERS else None


def test_the_structure_test_reads_the_package():
    # The walk finds the domains and their imports (a broken walk would pass everything below).
    assert {"permissions", "network.services", "cores.views", "meetings.api"} <= set(MODULES)
    assert any(i.module == "cores.services" and i.target == "network.services" for i in IMPORTS)
    assert any(i.module == "cores.views" and i.target == "cores.services" for i in IMPORTS)


def test_domains_import_only_the_domains_below_them():
    wrong = []
    for i in IMPORTS:
        source, target = _domain(i.module), _domain(i.target)
        if source and target and source != target and LAYERS.index(target) > LAYERS.index(source):
            wrong.append(f"{i.module}:{i.line} imports {i.target} ({target} is above {source})")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle_between_domain_packages():
    edges = {(_domain(i.module), _domain(i.target)) for i in IMPORTS}
    edges = {(a, b) for a, b in edges if a and b and a != b}
    graph: dict[str, set[str]] = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph.get(start, ()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    cycles = sorted(a for a in graph if reaches(a, a, {a}))
    assert not cycles, f"import cycles through: {cycles}"


def test_no_module_imports_another_modules_private_names():
    wrong = [f"{i.module}:{i.line} imports {n} from {i.target}"
             for i in IMPORTS for n in i.names
             if n.startswith("_") and not n.startswith("__") and i.target != i.module]
    assert not wrong, "\n".join(wrong)


def test_no_domain_imports_another_domains_pages_or_api():
    wrong = []
    for i in IMPORTS:
        source, target = _domain(i.module), _domain(i.target)
        parts = i.target.split(".")
        entry = len(parts) > 1 and parts[1] in ENTRY_POINTS
        imported_entry = any(n in ENTRY_POINTS for n in i.names) and len(parts) == 1
        if source and target and source != target and (entry or imported_entry):
            wrong.append(f"{i.module}:{i.line} imports {i.target} {i.names}")
    assert not wrong, "\n".join(wrong)


def test_infrastructure_imports_no_domain():
    wrong = []
    for i in IMPORTS:
        head = i.module.split(".")[0]
        allowed = INFRASTRUCTURE_MAY_USE.get(head, set())
        if head in INFRASTRUCTURE and _domain(i.target) \
                and _domain(i.target) not in allowed:
            wrong.append(f"{i.module}:{i.line} imports {i.target}")
    assert not wrong, "\n".join(wrong)


def test_no_route_depends_on_the_order_of_the_route_table():
    """Each route's own paths reach it whatever the order: no other route with the same method
    matches a path made from its pattern (so composing the domains' routes needs no care)."""
    import re

    from starlette.routing import Match, Mount, Route

    from nesa_collab.app import all_routes

    def walk(routes, prefix=""):
        for r in routes:
            if isinstance(r, Mount) and r.name != "static":
                yield from walk(r.routes, prefix + r.path)
            elif isinstance(r, Route):
                yield prefix, r

    routes = list(walk(all_routes()))
    samples = {"int": "7", "str": "sample-slug", "slug": "sample-slug", "path": "a/b"}
    clashes = []
    reserved_paths = ["/collaboratives/new", "/schools/new", "/conferences/new"]
    assert all(any(p + r.path == path for p, r in routes) for path in reserved_paths)
    for prefix, route in routes:
        path = prefix + re.sub(r"{(\w+)(?::(\w+))?}", lambda m: samples[m.group(2) or "str"], route.path)
        for method in route.methods - {"HEAD"}:
            scope = {"type": "http", "path": path, "method": method, "root_path": ""}
            for other_prefix, other in routes:
                if other is route or not path.startswith(other_prefix):
                    continue
                match, _ = other.matches({**scope, "path": path[len(other_prefix):]} if other_prefix else scope)
                if match is Match.FULL:
                    clashes.append(f"{method} {path}: {other_prefix}{other.path} also matches")
    assert not clashes, "\n".join(clashes)
