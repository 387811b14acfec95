"""Qt item models over the core's data, fetched lazily (like Anki's browser table)."""
