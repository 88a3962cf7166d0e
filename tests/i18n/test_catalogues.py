"""The German and French catalogues: complete, consistent with the code and the glossary."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from portal import catalogues

GLOSSARY = tomllib.loads((catalogues.HERE / "glossary.toml").read_text())
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]")


def catalogue(language: str):
    with (catalogues.HERE / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def forms(value) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


@pytest.fixture(scope="module")
def marked(tmp_path_factory) -> dict:
    """Every message marked in the code and templates now (extracted afresh)."""
    output = Path(tmp_path_factory.mktemp("pot")) / "messages.pot"
    catalogues.extract(output)
    with output.open("rb") as handle:
        return {(m.context, m.id): m for m in read_po(handle) if m.id}


@pytest.mark.parametrize("language", catalogues.TRANSLATED)
def test_every_marked_message_is_translated(marked, language):
    translations = {(m.context, m.id): m for m in catalogue(language) if m.id}
    missing = [
        key[1]
        for key in marked
        if key not in translations
        or translations[key].fuzzy
        or not all(form.strip() for form in forms(translations[key].string))
    ]
    assert not missing, (
        f"{len(missing)} messages have no {language} translation "
        f"(run scripts/translations.sh, then translate): {missing[:40]}"
    )


def test_the_template_is_up_to_date(marked):
    with catalogues.TEMPLATE.open("rb") as handle:
        committed = {(m.context, m.id) for m in read_po(handle) if m.id}
    assert set(marked) == committed, "run scripts/translations.sh"


@pytest.mark.parametrize("language", catalogues.TRANSLATED)
def test_translations_keep_every_placeholder(language):
    wrong = []
    for message in catalogue(language):
        if not message.id or not message.string:
            continue
        wanted = sorted(PLACEHOLDER.findall(forms(message.id)[-1]))
        for form in forms(message.string):
            if (
                form
                and sorted(PLACEHOLDER.findall(form)) != wanted
                and not (
                    # A plural form for exactly one may say "one" instead of %(num)d.
                    isinstance(message.id, tuple) and form is forms(message.string)[0]
                )
            ):
                wrong.append((message.id, form))
    assert not wrong, wrong[:20]


def _terms(language: str):
    for name, entry in GLOSSARY.items():
        words = re.compile(r"\b(" + "|".join(map(re.escape, entry["en"])) + r")\b", re.I)
        yield name, words, [term.casefold() for term in entry[language]]


@pytest.mark.parametrize("language", catalogues.TRANSLATED)
def test_the_program_words_follow_the_glossary(language):
    terms = list(_terms(language))
    astray = []
    for message in catalogue(language):
        if not message.id or not message.string:
            continue
        english = " ".join(forms(message.id))
        translated = " ".join(forms(message.string)).casefold()
        for name, words, wanted in terms:
            if words.search(english) and not any(term in translated for term in wanted):
                astray.append(f"{name}: {english!r} -> {' | '.join(forms(message.string))!r}")
    assert not astray, f"{len(astray)} messages stray from the glossary:\n" + "\n".join(astray[:40])


def test_the_glossary_covers_the_program_words():
    assert set(GLOSSARY) >= {
        "advocate", "opportunity", "ask", "tier", "badge", "points", "leaderboard", "reference"
    }  # fmt: skip
    for entry in GLOSSARY.values():
        assert entry["en"] and all(entry[language] for language in catalogues.TRANSLATED)
