import sys

from hummingbot_conn.cli import main

sys.exit(main())
