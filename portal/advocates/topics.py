"""What an advocate can be asked about: the topics of consent ("open to ...").

Every ask names a topic: an opportunity's type for an invitation, and the
kinds of later asks. The packages that ask register their topics here, so
consent (`advocates.consent`) and the profile form list every topic without
depending on the packages that own them.
"""

from __future__ import annotations

from collections.abc import Iterable

_TOPICS: dict[str, str] = {}


def register(choices: Iterable[tuple[str, str]]) -> None:
    """Add (value, label) topics; registering the same value again relabels it."""
    for value, label in choices:
        _TOPICS[value] = label


def choices() -> list[tuple[str, str]]:
    return list(_TOPICS.items())


def values() -> set[str]:
    return set(_TOPICS)


def label(topic: str) -> str:
    return _TOPICS.get(topic) or topic.replace("_", " ").capitalize()
