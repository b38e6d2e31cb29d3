#!/usr/bin/env python3
"""QuickBooks sync command line: `python quickbooks_sync.py --help` (same as `python -m quickbooks`)."""

import sys

from quickbooks.cli import main

if __name__ == "__main__":
    sys.exit(main())
