"""``hbconn demo``: a market maker trading through the library's connector against the embedded simulator.

The command is :mod:`hummingbot_conn.cli.demo.run`; :mod:`~hummingbot_conn.cli.demo.market_maker` is
the quoting loop on the connector's public API only (the example to copy into a bot);
:mod:`~hummingbot_conn.cli.demo.recorder` keeps what the run heard, :mod:`~hummingbot_conn.cli.demo.view`
turns it into frames and plain lines, :mod:`~hummingbot_conn.cli.demo.screen` lays a frame out for the
terminal. Nothing is imported here, so ``import hummingbot_conn.cli.demo.market_maker`` loads neither the
simulator nor the terminal view.
"""
