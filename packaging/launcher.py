"""The frozen app's entry point: the same dispatch as `python -m app` (window or command)."""

import sys

from app.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
