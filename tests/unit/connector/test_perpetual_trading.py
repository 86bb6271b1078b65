"""PerpetualTrading, Position, FundingInfo: hummingbot's semantics without W-21."""
import asyncio
import logging
from decimal import Decimal

import pytest

from hummingbot_conn.common import PositionMode, PositionSide
from hummingbot_conn.connector import FundingInfo, FundingInfoUpdate, PerpetualTrading, Position


def _position(pair="BTC-USDT", side=PositionSide.LONG, amount="0.5"):
    return Position(pair, side, Decimal("1.5"), Decimal("60000"), Decimal(amount), Decimal("10"))


def _funding(pair="BTC-USDT"):
    return FundingInfo(pair, Decimal("60010"), Decimal("60000"), 1_700_003_600, Decimal("0.0001"))


def test_position_keys_by_mode_and_the_w21_hedge_key_without_side():
    trading = PerpetualTrading(["BTC-USDT"])
    assert trading.position_mode == PositionMode.ONEWAY
    assert trading.position_key("BTC-USDT") == "BTC-USDT"
    assert trading.position_key("BTC-USDT", PositionSide.LONG) == "BTC-USDT"
    assert trading.position_key("BTC-USDT", PositionSide.SHORT, PositionMode.HEDGE) == "BTC-USDTSHORT"
    trading.set_position_mode(PositionMode.HEDGE)
    assert trading.position_key("BTC-USDT", PositionSide.LONG) == "BTC-USDTLONG"
    for side in (None, PositionSide.BOTH):
        with pytest.raises(ValueError, match="needs side LONG or SHORT"):
            trading.position_key("BTC-USDT", side)
        with pytest.raises(ValueError, match="needs side LONG or SHORT"):
            trading.get_position("BTC-USDT", side)
    with pytest.raises(TypeError):
        trading.set_position_mode("HEDGE")


def test_positions_are_set_read_and_removed_per_side():
    trading = PerpetualTrading(["BTC-USDT"])
    trading.set_position_mode(PositionMode.HEDGE)
    long_, short = _position(), _position(side=PositionSide.SHORT, amount="-0.2")
    trading.set_position(trading.position_key("BTC-USDT", PositionSide.LONG), long_)
    trading.set_position(trading.position_key("BTC-USDT", PositionSide.SHORT), short)
    assert trading.get_position("BTC-USDT", PositionSide.LONG) is long_
    assert trading.get_position("BTC-USDT", PositionSide.SHORT).amount == Decimal("-0.2")
    assert dict(trading.account_positions) == {"BTC-USDTLONG": long_, "BTC-USDTSHORT": short}
    with pytest.raises(TypeError):
        trading.account_positions["x"] = long_          # a read-only view
    assert trading.remove_position("BTC-USDTLONG") is long_
    assert trading.remove_position("BTC-USDTLONG") is None
    with pytest.raises(TypeError):
        trading.set_position("k", {"amount": 1})


def test_position_updates_ignore_none_and_refuse_non_finite_values_atomically():
    position = _position()
    position.update_position(amount=Decimal("0.7"), unrealized_pnl=None)
    assert (position.amount, position.unrealized_pnl) == (Decimal("0.7"), Decimal("1.5"))
    with pytest.raises(ValueError):
        position.update_position(entry_price=Decimal("61000"), amount=Decimal("NaN"))
    assert (position.entry_price, position.amount) == (Decimal("60000"), Decimal("0.7"))
    with pytest.raises(TypeError):
        Position("BTC-USDT", "LONG", Decimal(0), Decimal(0), Decimal(0), Decimal(1))
    with pytest.raises(TypeError):
        Position("BTC-USDT", PositionSide.LONG, Decimal(0), Decimal(0), 0.5, Decimal(1))  # floats: refused
    assert "amount=0.7" in repr(position)


def test_leverage_defaults_to_one_and_must_be_a_positive_int():
    trading = PerpetualTrading(["BTC-USDT", "ETH-USDT"])
    assert trading.get_leverage("BTC-USDT") == 1
    trading.set_leverage("BTC-USDT", 20)
    assert (trading.get_leverage("BTC-USDT"), trading.get_leverage("ETH-USDT")) == (20, 1)
    for bad in (0, -3, 2.5, True, "5"):
        with pytest.raises(ValueError):
            trading.set_leverage("BTC-USDT", bad)
    assert trading.get_leverage("BTC-USDT") == 20
    trading.remove_trading_pair("BTC-USDT")
    assert trading.get_leverage("BTC-USDT") == 1


def test_funding_info_is_a_live_read_only_view_of_snapshots():
    trading = PerpetualTrading(["BTC-USDT", "ETH-USDT"])
    assert not trading.is_funding_info_initialized()
    first = _funding()
    trading.initialize_funding_info(first)
    trading.initialize_funding_info(_funding("ETH-USDT"))
    assert trading.is_funding_info_initialized()
    view = trading.funding_info
    assert view is trading.funding_info                        # no copy per read (W-21)
    assert trading.apply_funding_info_update(FundingInfoUpdate("BTC-USDT", mark_price=Decimal("60100"),
                                                               rate=Decimal("-0.0002")))
    now = view["BTC-USDT"]
    assert (now.mark_price, now.rate, now.index_price, now.next_funding_utc_timestamp) == \
        (Decimal("60100"), Decimal("-0.0002"), Decimal("60010"), 1_700_003_600)
    assert first.mark_price == Decimal("60000")               # a held snapshot never changes
    assert trading.get_funding_info("BTC-USDT") is now
    with pytest.raises(TypeError):
        view["BTC-USDT"] = first
    with pytest.raises(KeyError, match="no funding info for XRP-USDT"):
        trading.get_funding_info("XRP-USDT")


def test_bad_or_early_funding_updates_are_dropped_with_a_log(caplog):
    trading = PerpetualTrading(["BTC-USDT"])
    assert not trading.apply_funding_info_update(FundingInfoUpdate("BTC-USDT", rate=Decimal("0.1")))
    trading.initialize_funding_info(_funding())
    with caplog.at_level(logging.ERROR):
        assert not trading.apply_funding_info_update(FundingInfoUpdate("BTC-USDT", mark_price=Decimal("NaN"),
                                                                       rate=Decimal("0.5")))
    assert "Invalid funding info update" in caplog.text
    assert trading.get_funding_info("BTC-USDT") == _funding()   # nothing half-applied


async def test_funding_stream_is_applied_until_stop_which_forgets_funding_info(caplog):
    trading = PerpetualTrading(["BTC-USDT"])
    trading.start()
    trading.initialize_funding_info(_funding())
    stream = trading.funding_info_stream
    stream.put_nowait({"not": "an update"})                    # hostile input: logged, loop goes on
    stream.put_nowait(FundingInfoUpdate("BTC-USDT", next_funding_utc_timestamp=1_700_007_200))
    for _ in range(20):
        await asyncio.sleep(0)
        if trading.get_funding_info("BTC-USDT").next_funding_utc_timestamp == 1_700_007_200:
            break
    assert trading.get_funding_info("BTC-USDT").next_funding_utc_timestamp == 1_700_007_200
    assert "Unexpected error updating funding info." in caplog.text
    trading.stop()
    assert dict(trading.funding_info) == {} and not trading.is_funding_info_initialized()
    trading.add_trading_pair("ETH-USDT")
    trading.add_trading_pair("ETH-USDT")
    assert trading._trading_pairs == ["BTC-USDT", "ETH-USDT"]
    assert trading.funding_payment_span == [0, 0]


def test_funding_info_validates_and_updates_in_place_like_hummingbot():
    info = _funding()
    info.update(FundingInfoUpdate("BTC-USDT", index_price=Decimal("1")))
    assert info.index_price == Decimal("1")
    with pytest.raises(ValueError):
        info.rate = Decimal("Infinity")
    with pytest.raises(TypeError):
        FundingInfo("BTC-USDT", Decimal(1), Decimal(1), 1.5, Decimal(0))
    with pytest.raises(ValueError):
        info.update(FundingInfoUpdate("BTC-USDT", index_price=Decimal("2"), rate=Decimal("NaN")))
    assert info.index_price == Decimal("1")
