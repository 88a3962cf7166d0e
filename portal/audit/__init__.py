"""The audit trail: who on the staff changed what, and when (see audit.trail)."""
