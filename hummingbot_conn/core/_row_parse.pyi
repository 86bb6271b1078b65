# Compiled helpers for OrderBook (C-level API only, see _row_parse.pxd);
# the module has no Python-visible names.
