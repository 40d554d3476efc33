"""SQLite whose writers queue on a lock instead of sleeping in the busy handler (issue 9)."""
