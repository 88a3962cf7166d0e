"""The message catalogues: extract, update, compile, and the pseudo-locale.

`scripts/translations.sh` runs all three pybabel steps; the install step
compiles (the `.mo` files are built, never committed). Messages are marked in
Python with `_` (now), `_l` (lazily: form labels, messages rendered later for
someone else) and `_n`/`_ln` for counts, and in templates with `_()`,
`ngettext()` and `{% trans %}`.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from portal.i18n import PSEUDO_CLOSE, PSEUDO_LOCALE, PSEUDO_OPEN

HERE = Path(__file__).resolve().parent / "translations"
ROOT = HERE.parent.parent
TEMPLATE = HERE / "messages.pot"
TRANSLATED = ("de", "fr")
KEYWORDS = ["_l", "lazy_gettext", "_n:1,2", "_ln:1,2", "lazy_ngettext:1,2", "lazy_pgettext:1c,2"]


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract(output: Path = TEMPLATE) -> None:
    keywords = [f"--keyword={keyword}" for keyword in KEYWORDS]
    with contextlib.chdir(ROOT):  # locations relative to the repository
        _pybabel(
            "extract",
            f"--mapping-file={HERE / 'babel.cfg'}",
            *keywords,
            "--add-location=file",
            "--sort-by-file",
            "--width=100",
            "--project=Advocate Portal",
            "--copyright-holder=Advocate Portal contributors",
            f"--output-file={output}",
            ".",
        )


def update() -> None:
    for language in TRANSLATED:
        _pybabel(
            "update",
            f"--input-file={TEMPLATE}",
            f"--output-dir={HERE}",
            f"--locale={language}",
            "--no-fuzzy-matching",
            "--ignore-obsolete",
            "--width=100",
            "--init-missing",
        )


def compile_all(target: Path = HERE) -> None:
    """Compile the German and French catalogues, and build the pseudo-locale, into `target`."""
    for language in TRANSLATED:
        source = HERE / language / "LC_MESSAGES" / "messages.po"
        with source.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        _write(catalog, target / language)
    _write(pseudo_catalog(), target / PSEUDO_LOCALE)


def pseudo_catalog() -> Catalog:
    """Every message of the template, translated as itself wrapped in ⟦ ⟧."""
    with TEMPLATE.open("rb") as handle:
        template = read_po(handle)
    catalog = Catalog(locale="en_001")
    for message in template:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            string = tuple(f"{PSEUDO_OPEN}{form}{PSEUDO_CLOSE}" for form in message.id)
        else:
            string = f"{PSEUDO_OPEN}{message.id}{PSEUDO_CLOSE}"
        catalog.add(message.id, string, context=message.context)
    return catalog


def _write(catalog: Catalog, folder: Path) -> None:
    out = folder / "LC_MESSAGES"
    out.mkdir(parents=True, exist_ok=True)
    with (out / "messages.mo").open("wb") as handle:
        write_mo(handle, catalog, use_fuzzy=False)


if __name__ == "__main__":
    steps = sys.argv[1:] or ["extract", "update", "compile"]
    for step in steps:
        {"extract": extract, "update": update, "compile": compile_all}[step]()
