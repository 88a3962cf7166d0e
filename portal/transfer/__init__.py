"""Data in and out: CSV imports from a CRM and streamed CSV exports (staff only)."""
