"""Events that other packages react to in the same transaction.

The ledger and the opportunity services announce what happened; tiers (and,
later, badges) subscribe, so the writers need not know who listens.
"""

from blinker import Namespace

_signals = Namespace()

# sender: advocate id; kwargs: entry (the new PointsEntry)
points_changed = _signals.signal("points-changed")
# sender: advocate id; kwargs: participation
participation_completed = _signals.signal("participation-completed")
# sender: advocate id; kwargs: participation (a confirmed seat, however it came)
participation_approved = _signals.signal("participation-approved")
