"""``python -m ui`` starts the desktop client like the ``pointsmall`` command."""
from __future__ import annotations

import sys

from .main import main

sys.exit(main())
