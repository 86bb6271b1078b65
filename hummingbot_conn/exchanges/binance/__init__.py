"""Binance Spot: the reference connector (auth, constants, web utils; the connector itself builds on them)."""
