"""``python -m bot`` runs the same command line as ``l4a-bot``."""

import sys

from fronts.cli import main

sys.exit(main())
