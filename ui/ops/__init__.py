"""Thin async operations per domain area (like Anki's ``aqt/operations``).

Each runs a core service on the worker (writes on the single write thread,
reads beside it) and, when it is done, announces what changed on
``ctx.changes`` so every open view refreshes itself. Widgets call these,
never the database.
"""
