"""The `jsms` command for operators and admins."""
