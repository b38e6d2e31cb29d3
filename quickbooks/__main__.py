import sys

from quickbooks.cli import main

sys.exit(main())
