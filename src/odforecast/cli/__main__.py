"""``python -m odforecast.cli``: the ``odforecast`` command."""

import sys

from odforecast.cli import main

sys.exit(main())
