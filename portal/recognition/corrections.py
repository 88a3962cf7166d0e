"""A manager's corrections of the ledger: manual awards and deductions, and reversals.

The staff pages call these; they add one rule to `ledger.award_manual` and
`ledger.reverse_entry` (which loaders replaying recorded history call
directly): a deduction or a reversal never takes an advocate below zero
points unless the manager confirms it. The advocate is locked before their
total is read (`ledger.lock_advocate`), so two corrections at once are
checked one after the other, each against the other's result.
"""

from __future__ import annotations

from flask_babel import gettext as _

from portal.audit import trail
from portal.errors import AlreadyExists, Conflict, InvalidState
from portal.i18n import format_number
from portal.recognition import ledger
from portal.recognition.models import PointsEntry


class BelowZero(Conflict):
    """A correction would take an advocate below zero points; a manager must confirm it."""


def check_not_below_zero(advocate_id: int, points: int, *, confirmed: bool) -> None:
    """Raise BelowZero when adding `points` takes the advocate below zero, unless confirmed.

    The advocate stays locked until the transaction ends, so the total read
    here is still the total when the entry is written.
    """
    if points >= 0 or confirmed:
        return
    ledger.lock_advocate(advocate_id)
    total = ledger.total_for(advocate_id)
    if total + points < 0:
        raise BelowZero(
            _(
                "This takes the advocate below zero: from %(total)s to %(after)s points.",
                total=format_number(total),
                after=format_number(total + points),
            )
        )


def award_manual(
    advocate_id: int,
    points: int,
    *,
    reason: str,
    by_id: int,
    token: str,
    below_zero: bool = False,
) -> PointsEntry:
    """A manager's award (or, with negative points, deduction) from the staff pages.

    Raises AlreadyExists when the same form was sent before, and BelowZero for a
    deduction below zero points that `below_zero` doesn't confirm.
    """
    if ledger.entry_for_key(ledger.manual_key(by_id, token)) is not None:
        raise AlreadyExists(_("This award was already added (the form was sent twice)."))
    check_not_below_zero(advocate_id, points, confirmed=below_zero)
    entry = ledger.award_manual(advocate_id, points, reason=reason, by_id=by_id, token=token)
    _record("points.awarded", entry, by_id)
    return entry


def reverse_entry(
    entry: PointsEntry, *, reason: str, by_id: int, below_zero: bool = False
) -> PointsEntry:
    """A manager reverses one entry from the staff pages.

    Raises InvalidState for a reversal or a repeat, and BelowZero when it takes
    the advocate below zero points and `below_zero` doesn't confirm it.
    """
    if entry.is_reversal:
        raise InvalidState(_("A reversal can't itself be reversed; add a new award instead."))
    if ledger.entry_for_key(ledger.reversal_key(entry.id)) is not None:
        raise InvalidState(_("This entry was already reversed."))
    check_not_below_zero(entry.advocate_id, -entry.points, confirmed=below_zero)
    correction = ledger.reverse_entry(entry, reason=reason, by_id=by_id)
    _record("points.reversed", correction, by_id)
    return correction


def _record(action: str, entry: PointsEntry, by_id: int) -> None:
    trail.record(
        action,
        "points_entry",
        entry.id,
        by_id=by_id,
        after={"advocate_id": entry.advocate_id, "points": entry.points},
        details={"corrects_id": entry.corrects_id} if entry.corrects_id else None,
    )
