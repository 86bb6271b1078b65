# The JSON reader of InFlightOrder (C-level API only, see in_flight_order_json.pxd);
# the module has no Python-visible names: InFlightOrder.from_json and order_from_json use it.
