"""Binance USDⓈ-M perpetuals (docs/binance_usdm_futures.md): constants, web utils and auth."""
