"""`python -m k3stui`."""

import sys

from k3stui.cli import main

sys.exit(main())
