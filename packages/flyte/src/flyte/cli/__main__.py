import sys

from flyte.cli import main

sys.exit(main())
