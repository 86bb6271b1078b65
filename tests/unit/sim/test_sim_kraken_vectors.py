"""The Kraken simulator's own checksum and signature against Kraken's published vectors.

The simulator judges the connector independently (it shares no code with it), so
its CRC32 book checksum (sim/kraken/book_feed.py) and its API-Sign
(sim/kraken/rest.py) are checked here against the worked examples Kraken
publishes (docs/kraken_spot.md, sections 2 and 5), and against a few inputs
that differ from them by one detail (precision, order, body).
"""
from decimal import Decimal

from hummingbot_conn.sim.kraken import checksum, checksum_text, sign
from hummingbot_conn.sim.kraken.pairs import number

BIDS = [("45283.5", "0.1"), ("45283.4", "1.54582015"), ("45282.1", "0.1"), ("45281.0", "0.1"),
        ("45280.3", "1.54592586"), ("45279.0", "0.0799"), ("45277.6", "0.03310103"), ("45277.5", "0.3"),
        ("45277.3", "1.54602737"), ("45276.6", "0.15445238")]
ASKS = [("45285.2", "0.001"), ("45286.4", "1.54571953"), ("45286.6", "1.54571109"), ("45289.6", "1.54560911"),
        ("45290.2", "0.1589066"), ("45291.8", "1.54553491"), ("45294.7", "0.04454749"), ("45296.1", "0.3538"),
        ("45297.5", "0.09945542"), ("45299.5", "0.18772827")]
PUBLISHED_ASKS_TEXT = ("45285210000045286415457195345286615457110945289615456091145290215890660452918154553491"
                       "452947445474945296135380000452975994554245299518772827")
PUBLISHED_BIDS_TEXT = ("452835100000004528341545820154528211000000045281010000000452803154592586452790799000045277"
                       "633101034527753000000045277315460273745276615445238")


def _levels(rows):
    return [(Decimal(p), Decimal(q)) for p, q in rows]


def test_the_published_book_gives_the_published_string_and_checksum():
    assert checksum_text(_levels(ASKS), _levels(BIDS), 1, 8) == PUBLISHED_ASKS_TEXT + PUBLISHED_BIDS_TEXT
    assert checksum(_levels(ASKS), _levels(BIDS), 1, 8) == 3310070434


def test_the_checksum_depends_on_the_precision_and_on_every_level():
    assert checksum(_levels(ASKS), _levels(BIDS), 2, 8) != 3310070434
    changed = _levels(ASKS)
    changed[9] = (changed[9][0], changed[9][1] + Decimal("0.00000001"))
    assert checksum(changed, _levels(BIDS), 1, 8) != 3310070434
    # levels beyond the tenth do not count
    deeper = _levels(BIDS) + [(Decimal("45000.0"), Decimal("5"))]
    assert checksum(_levels(ASKS), deeper, 1, 8) == 3310070434
    # an empty book is the CRC of the empty string
    assert checksum([], [], 1, 8) == 0


def test_the_published_addorder_signature():
    secret = "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
    body = "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"
    expected = "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ=="
    assert sign(secret, "/0/private/AddOrder", "1616492376594", body) == expected
    assert sign(secret, "/0/private/AddOrder", "1616492376595", body) != expected
    assert sign(secret, "/0/private/CancelOrder", "1616492376594", body) != expected


def test_levels_are_written_at_most_at_the_pairs_decimals_without_exponent():
    assert number(Decimal("45285.20"), 1) == "45285.2"
    assert number(Decimal("0.00100000"), 8) == "0.001"
    assert number(Decimal("1E+3"), 1) == "1000"
    assert number(Decimal("0.000000001"), 8) == "0"
    assert number(Decimal("12.3"), 2) == "12.3"
