"""A string enum whose members carry a human label."""

from __future__ import annotations

from enum import StrEnum


class LabeledEnum(StrEnum):
    """`MEMBER = "value", _l("Label")`: stored by value, shown by its label, which is
    a lazy string: translated when shown, in the reader's language."""

    label: str

    def __new__(cls, value: str, label: str | None = None) -> LabeledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label if label is not None else value.replace("_", " ").capitalize()
        return member

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls]
