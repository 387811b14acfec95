"""``python -m pointsmall ...``: the headless command line (see ``cli.py``)."""
from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":  # spawned worker processes import this module too
    sys.exit(main())
