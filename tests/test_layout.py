"""Where code lives: packages depend one way, and no service module grows unbounded."""

from __future__ import annotations

import ast
from pathlib import Path

import portal

ROOT = Path(portal.__file__).parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def _package_imports(package: str) -> dict[str, set[str]]:
    return {str(path.relative_to(ROOT)): _imports(path) for path in (ROOT / package).rglob("*.py")}


def test_advocates_do_not_import_opportunities():
    # opportunities builds on advocates (eligibility, asks); never the other way round.
    offending = {
        module: sorted(name for name in names if name.startswith("portal.opportunities"))
        for module, names in _package_imports("advocates").items()
    }
    assert {module: names for module, names in offending.items() if names} == {}


def test_staff_pages_live_with_their_domain():
    manage = _package_imports("manage")
    routes = (ROOT / "manage" / "routes.py").read_text()
    # portal/manage keeps only the staff home and the navigation's search.
    assert routes.count("@bp.") == 2
    for domain in ("opportunities", "advocates", "recognition", "stories"):
        assert f"portal.{domain}.manage" in manage["manage/__init__.py"]
        assert (ROOT / domain / "manage.py").exists()


def test_service_modules_stay_small():
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text().splitlines())
        for path in ROOT.rglob("*.py")
        if path.name not in ("demo.py", "bulk.py")  # data, not rules
    }
    assert {module: lines for module, lines in sizes.items() if lines > 450} == {}
