"""Binance rate limits from data: pools and per-endpoint weights -> throttler ``RateLimit``s.

Both venues count requests the same way (docs/binance_spot.md section 1.4,
docs/binance_usdm_futures.md section 2): IP-wide pools (request weight,
orders per window ...), each endpoint weighing some amount of the weight
pool, order placements also counting one in the order pools.  A venue's
constants hold the numbers as tables; this module turns them into limits.
"""
from typing import Dict, Mapping, Optional, Sequence, Tuple

from hummingbot_conn.web.rate_limit import NORMAL_PRIORITY, LinkedLimitWeightPair, RateLimit

__all__ = ["ONE_SECOND", "ONE_MINUTE", "ONE_DAY", "REQUEST_WEIGHT", "Pool", "EndpointWeight", "build_rate_limits"]

ONE_SECOND = 1
ONE_MINUTE = 60
ONE_DAY = 86400

REQUEST_WEIGHT = "REQUEST_WEIGHT"

#: (pool id, limit, interval seconds, counted per calendar window)
Pool = Tuple[str, int, int, bool]
#: (limit id, weight in the ``REQUEST_WEIGHT`` pool, further pools it counts one in)
EndpointWeight = Tuple[str, int, Tuple[str, ...]]


def build_rate_limits(pools: Sequence[Pool], endpoint_weights: Sequence[EndpointWeight], *, max_request: int,
                      per_request: Sequence[Tuple[str, int]] = (),
                      priorities: Optional[Mapping[str, int]] = None) -> Tuple[RateLimit, ...]:
    """The pools first, then one limit per endpoint linked to ``REQUEST_WEIGHT`` by its weight.

    ``max_request``: each endpoint's own ceiling per minute (the pools are what binds);
    ``per_request``: ``(pool, weight)`` every request also counts in (spot's ``RAW_REQUESTS``);
    ``priorities``: limit id -> throttler priority (cancels before placements), else normal.
    """
    priority_of: Dict[str, int] = dict(priorities or {})
    limits = [RateLimit(pool_id, limit=limit, time_interval=interval, fixed_window=fixed)
              for pool_id, limit, interval, fixed in pools]
    for limit_id, weight, extra_pools in endpoint_weights:
        links = [LinkedLimitWeightPair(REQUEST_WEIGHT, weight)]
        links += [LinkedLimitWeightPair(pool, pool_weight) for pool, pool_weight in per_request]
        links += [LinkedLimitWeightPair(pool, 1) for pool in extra_pools]
        limits.append(RateLimit(limit_id, limit=max_request, time_interval=ONE_MINUTE, linked_limits=links,
                                priority=priority_of.get(limit_id, NORMAL_PRIORITY)))
    return tuple(limits)
