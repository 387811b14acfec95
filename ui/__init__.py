"""pointsmall desktop client (PySide6 + qasync).

Widgets show what the core's services return; business rules live in
``pointsmall``. Database work runs off the GUI thread through ``ui.worker``.
"""
