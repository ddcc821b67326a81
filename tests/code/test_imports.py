"""Rules about imports in the product (fast tier: reads source files, needs no service)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = sorted(p.name for p in ROOT.iterdir() if p.is_dir() and (p.name.startswith("kraken_") or p.name == "mcp_server"))
DAGSTER_PACKAGES = ("kraken_assets", "kraken_sensors", "kraken_resources", "kraken_ui_ext")


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in a file; relative imports resolved against its package."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            found.append((node.lineno, base))
    return found


def product_files() -> list[Path]:
    return [path for name in PRODUCT for path in sorted((ROOT / name).rglob("*.py"))]


def test_the_product_imports_no_private_dagster_module():
    private = [f"{path.relative_to(ROOT)}:{line}: {module}" for path in product_files()
               for line, module in imported_modules(path) if module.startswith("dagster._")]
    assert private == [], "private Dagster modules change without notice between versions:\n" + "\n".join(private)


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in DAGSTER_PACKAGES}
    for name in DAGSTER_PACKAGES:
        for path in (ROOT / name).rglob("*.py"):
            for _, module in imported_modules(path):
                target = module.split(".")[0]
                if target in graph and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every package that can reach itself, with one path that does."""
    found = []
    for start in sorted(graph):
        paths = [[start]]
        seen = set()
        while paths:
            path = paths.pop()
            for nxt in sorted(graph[path[-1]]):
                if nxt == start:
                    found.append([*path, start])
                    paths = []
                    break
                if nxt not in seen:
                    seen.add(nxt)
                    paths.append([*path, nxt])
    return found


def test_cycle_finder_sees_a_cycle():
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b", "a"], ["b", "a", "b"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_dagster_packages_import_each_other_one_way_only():
    found = cycles(package_graph())
    assert found == [], "import cycles between the Dagster packages:\n" + "\n".join(" -> ".join(c) for c in found)
