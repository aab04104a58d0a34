"""Shortcut: ``python tools/refresh_notebooks.py [NOTEBOOK ...]`` = ``python tools/notebooks.py refresh``."""

import sys

from notebooks import main

if __name__ == "__main__":
    sys.exit(main(["refresh", *sys.argv[1:]]))
