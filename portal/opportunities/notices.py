"""What advocates are told about their applications, in their own language.

Each message is a lazy string: `notify` writes it in the recipient's language.
"""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln

from portal.i18n import format_number
from portal.opportunities.models import ParticipationStatus


def applied(status: ParticipationStatus, title: str) -> tuple[str, object, object]:
    """(kind, subject, message) telling an applicant where they stand, in their language."""
    if status == ParticipationStatus.APPROVED:
        return (
            "application_approved",
            _l("You're in: %(title)s", title=title),
            _l("You're in: your seat for “%(title)s” is confirmed.", title=title),
        )
    if status == ParticipationStatus.WAITLISTED:
        return (
            "application_waitlisted",
            _l("On the waitlist: %(title)s", title=title),
            _l(
                "All seats for “%(title)s” are taken, so you're on the waitlist. "
                "We'll tell you if a seat opens.",
                title=title,
            ),
        )
    return (
        "application_received",
        _l("Application received: %(title)s", title=title),
        _l(
            "We received your application for “%(title)s”. The program team will get back to you.",
            title=title,
        ),
    )


def decided(target: ParticipationStatus, title: str, message: str = "") -> LazyString:
    """A manager's decision on an application, with their message when they wrote one."""
    if target == ParticipationStatus.APPROVED:
        if message:
            return _l(
                "Your application for “%(title)s”: approved. %(message)s",
                title=title,
                message=message,
            )
        return _l("Your application for “%(title)s”: approved.", title=title)
    if target == ParticipationStatus.WAITLISTED:
        if message:
            return _l(
                "Your application for “%(title)s”: waitlisted. %(message)s",
                title=title,
                message=message,
            )
        return _l("Your application for “%(title)s”: waitlisted.", title=title)
    if message:
        return _l(
            "Your application for “%(title)s”: declined. %(message)s", title=title, message=message
        )
    return _l("Your application for “%(title)s”: declined.", title=title)


def decided_subject(target: ParticipationStatus, title: str) -> LazyString:
    return {
        ParticipationStatus.APPROVED: _l("Approved: %(title)s", title=title),
        ParticipationStatus.WAITLISTED: _l("Waitlisted: %(title)s", title=title),
    }.get(target) or _l("Declined: %(title)s", title=title)


def completed(title: str, points: int) -> LazyString:
    return _ln(
        "Thank you for “%(title)s”! %(count)s point was added.",
        "Thank you for “%(title)s”! %(count)s points were added.",
        points,
        title=title,
        count=LazyString(format_number, points),
    )


def under_review_again(title: str) -> LazyString:
    return _l("Your application for “%(title)s” is under review again.", title=title)


def under_review_again_subject(title: str) -> LazyString:
    return _l("Under review again: %(title)s", title=title)


def team_application(name: str, title: str) -> LazyString:
    """For the program team: someone applied."""
    return _l("%(name)s applied to “%(title)s”.", name=name, title=title)
