"""Timed work: reminders, digests, tier grace periods, housekeeping."""
