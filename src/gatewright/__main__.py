"""``python -m gatewright`` is the ``gatewright`` command."""

from __future__ import annotations

import sys

from gatewright.cli import main

sys.exit(main())
