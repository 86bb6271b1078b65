"""The README's event table ("How an order ends") cannot drift: each tag it names exists and is the tag
the library fires that event class under, and every event the library fires is in it.

What the library fires is read from the library, not from a list kept here:

* the order lifecycle: a ``ClientOrderTracker`` takes orders to every end (completed buy and sell,
  cancelled, expired, failed) and its publisher's ``trigger_event(tag, event)`` calls are recorded;
* every other event: each ``trigger_event(TAG, EventClass(...))`` call in the package's source, TAG a
  member (``AccountEvent.PositionUpdate``) or a local name assigned members in the same function
  (``tag = AccountEvent.PositionModeChangeSucceeded if success else AccountEvent.PositionModeChangeFailed``).
"""
import ast
import re
from decimal import Decimal
from enum import Enum

import pytest
from support.paths import REPO

import hummingbot_conn.events as events
from hummingbot_conn.core.common_types import OrderType, TradeType
from hummingbot_conn.core.in_flight_order import InFlightOrder, OrderState, OrderUpdate, TradeUpdate
from hummingbot_conn.core.trade_fee import AddedToCostTradeFee
from hummingbot_conn.tracking.client_order_tracker import ClientOrderTracker

ROOT = REPO
README = ROOT / "README.md"
PAIR = "BTC-USDT"
# a row: | `EventClass` | `Enum.Member`[, `Enum.Member`] | when |
_ROW = re.compile(r"^\| `(\w+Event)` \| ((?:`\w+\.\w+`(?:, )?)+) \|", re.MULTILINE)


def _table():
    section = README.read_text(encoding="utf-8").split("### How an order ends", 1)[1].split("\n## ", 1)[0]
    return [(cls, re.findall(r"`(\w+\.\w+)`", tags)) for cls, tags in _ROW.findall(section)]


def _lifecycle_events():
    """(tag, class name) of every event a ClientOrderTracker fires, orders taken to each end."""
    fired = set()
    tracker = ClientOrderTracker(clock=lambda: 1000.0,
                                 trigger_event=lambda tag, event: fired.add((tag, type(event).__name__)))

    def order(cid, side=TradeType.BUY):
        tracker.start_tracking_order(InFlightOrder(cid, PAIR, OrderType.LIMIT, side, Decimal(1), 1.0,
                                                   Decimal(100)))
        tracker.process_order_update(OrderUpdate(PAIR, 2.0, OrderState.OPEN, cid, f"e-{cid}"))

    def fill(cid):
        tracker.process_trade_update(TradeUpdate(f"t-{cid}", cid, f"e-{cid}", PAIR, 3.0, Decimal(100), Decimal(1),
                                                 Decimal(100), AddedToCostTradeFee()))

    order("buy"), fill("buy")
    order("sell", TradeType.SELL), fill("sell")
    for cid, state in (("cancelled", OrderState.CANCELED), ("expired", OrderState.EXPIRED),
                       ("failed", OrderState.FAILED)):
        order(cid)
        tracker.process_order_update(OrderUpdate(PAIR, 4.0, state, cid, f"e-{cid}"))
    return {(f"{type(tag).__name__}.{tag.name}", name) for tag, name in fired}


def _member(node):
    """``Enum.Member`` of an attribute node naming one, else None."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
            and isinstance(getattr(events, node.value.id, None), type) \
            and issubclass(getattr(events, node.value.id), Enum):
        return f"{node.value.id}.{node.attr}"
    return None


def _members(node):
    if isinstance(node, ast.IfExp):
        return _members(node.body) + _members(node.orelse)
    member = _member(node)
    return [member] if member else []


def _source_events():
    """(tag, class name) of each ``trigger_event(TAG, EventClass(...))`` in the package's source."""
    found = set()
    for path in sorted((ROOT / "hummingbot_conn").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]:
            names = {}
            for node in ast.walk(func):
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    if _members(node.value):
                        names[node.targets[0].id] = _members(node.value)
            for node in ast.walk(func):
                if not (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "trigger_event"
                        and len(node.args) == 2 and isinstance(node.args[1], ast.Call)
                        and isinstance(node.args[1].func, ast.Name)):
                    continue
                tag = node.args[0]
                tags = names.get(tag.id, []) if isinstance(tag, ast.Name) else _members(tag)
                assert tags, f"{path.name}:{node.lineno}: a trigger_event whose tag this test cannot read"
                found |= {(t, node.args[1].func.id) for t in tags}
    return found


FIRED = _lifecycle_events() | _source_events()


def test_the_library_is_read_and_each_tag_has_one_class():
    assert len(FIRED) >= 11, FIRED
    tags = [tag for tag, _ in FIRED]
    assert len(tags) == len(set(tags)), sorted(FIRED)


def test_the_table_is_read():
    assert len(_table()) >= 11, _table()


@pytest.mark.parametrize("cls, tags", _table(), ids=[cls for cls, _ in _table()])
def test_each_row_names_a_real_tag_and_the_class_fired_under_it(cls, tags):
    assert isinstance(getattr(events, cls, None), type), f"{cls} is not in hummingbot_conn.events"
    for tag in tags:
        enum_name, member = tag.split(".")
        assert isinstance(getattr(getattr(events, enum_name, None), member, None), Enum), f"{tag} does not exist"
        fired = {name for t, name in FIRED if t == tag}
        assert fired == {cls}, f"the library fires {fired or 'nothing'} under {tag}, the README says {cls}"


def test_every_event_the_library_fires_is_in_the_table():
    listed = {(tag, cls) for cls, tags in _table() for tag in tags}
    assert FIRED <= listed, sorted(FIRED - listed)
