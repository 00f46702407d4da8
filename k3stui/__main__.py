"""`python -m k3stui`."""

import sys

try:  # Ctrl-C while Python loads k3stui: a quiet exit, not a traceback
    from k3stui.cli import main
except KeyboardInterrupt:
    sys.exit(130)

sys.exit(main())
