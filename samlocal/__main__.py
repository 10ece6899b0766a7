"""``python -m samlocal``: make sam-invoke and make sam-api (samlocal/cli.py)."""

import sys

from samlocal.cli import main

sys.exit(main())
