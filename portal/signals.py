"""Events that other packages react to in the same transaction.

A package announces what happened; the packages above it subscribe, so the
writers need not know who listens: people and companies (auth, advocates)
tell recognition when what a leaderboard copies changed, opportunities tell
tiers and badges about approvals and completions, the ledger tells them
about points.
"""

from blinker import Namespace

_signals = Namespace()

# sender: advocate id; kwargs: entry (the new PointsEntry)
points_changed = _signals.signal("points-changed")
# sender: advocate id; kwargs: participation
participation_completed = _signals.signal("participation-completed")
# sender: advocate id; kwargs: participation (a confirmed seat, however it came)
participation_approved = _signals.signal("participation-approved")
# sender: user id: their active state, visibility choices or current job changed
advocate_changed = _signals.signal("advocate-changed")
# sender: account id; kwargs: industry, region (values), after either changed
account_changed = _signals.signal("account-changed")
# sender: advocate id: they finished the welcome step and joined the program
advocate_joined = _signals.signal("advocate-joined")
# sender: advocate id; kwargs: employment (the new job), previous (the job it followed)
advocate_moved = _signals.signal("advocate-moved")
# sender: user id; kwargs: email: they signed in through single sign-on
signed_in_with_sso = _signals.signal("signed-in-with-sso")
# sender: advocate id; kwargs: event (the new TierEvent)
tier_changed = _signals.signal("tier-changed")
# sender: advocate id; kwargs: award (the new BadgeAward)
badge_awarded = _signals.signal("badge-awarded")
# sender: advocate id; kwargs: closed_types (opportunity types no longer open to asks),
# fewer_asks (the cap went down), quiet_until (a quiet period now set)
consent_withdrawn = _signals.signal("consent-withdrawn")
# sender: request id; kwargs: ask (the ReferenceAsk just accepted or declined)
reference_answered = _signals.signal("reference-answered")
# sender: request id; kwargs: request (its outcome just recorded)
reference_fulfilled = _signals.signal("reference-fulfilled")
# sender: referral id; kwargs: referral, previous (the stage it left)
referral_stage_changed = _signals.signal("referral-stage-changed")
