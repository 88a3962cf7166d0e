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


# Each one-line rule, as code spells it, and the only module allowed to spell it.
ONE_HOME = {
    r"""f?["'](participation|reference|referral|manual|reverse):""": {"recognition/ledger.py"},
    r"ended_on\.is_\(None\)|ended_on is (not )?None": {
        "advocates/employment.py",
        "advocates/models.py",  # Employment.is_current, the same rule on a loaded row
    },
    r"[<>]=?\s*\w+\.threshold\b|\w\.threshold\s*[<>]": {"recognition/tiers.py"},
    r"seats_taken\s*(<|>=)\s*[\w.]*seats\b": {
        "opportunities/seats.py",
        "opportunities/models.py",  # Opportunity.is_full, the same rule on a loaded row
    },
    r"show_on_leaderboard\.is_\(True\)|consents_to\(ConsentAsset\.NAME_TITLE\)": {
        "advocates/visibility.py"
    },
}


def test_one_line_rules_are_spelled_in_one_module_only():
    import re

    sources = {
        str(path.relative_to(ROOT)): path.read_text()
        for path in [*ROOT.rglob("*.py"), *ROOT.rglob("*.html")]
    }
    found = {
        pattern: {name for name, text in sources.items() if re.search(pattern, text)} - homes
        for pattern, homes in ONE_HOME.items()
    }
    assert {pattern: names for pattern, names in found.items() if names} == {}


def test_views_leave_commit_and_roll_back_to_run_service():
    # "Run a service, commit or roll back, show the error": views.run_service, nowhere else.
    import re

    by_hand = re.compile(r"except [\w.]+ as \w+:\s*\n\s*db\.session\.rollback\(\)")
    views = [p for p in ROOT.rglob("*.py") if p.name in ("routes.py", "manage.py", "pages.py")]
    assert [str(p.relative_to(ROOT)) for p in views if by_hand.search(p.read_text())] == []
