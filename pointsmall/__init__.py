"""pointsmall core: members, the points ledger, tiers, staff and audit.

This package never imports Qt, qasync or ``ui``; the desktop client and the
command line are both thin layers over the services defined here.
"""
from __future__ import annotations

__version__ = "0.1.0"
