import sys

from tapgap.cli import main

sys.exit(main())
