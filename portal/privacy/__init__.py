"""The advocate's rights over their data: download it all, and have the account erased."""
