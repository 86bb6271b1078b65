"""The conformance kit (``hummingbot_conn.testing.conformance``) on Binance spot and USDⓈ-M: every
check of ``ConformanceSuite`` runs once per venue (the venues: conftest.py here)."""
import pytest

from hummingbot_conn.testing.conformance import ConformanceSuite, VenueFixture


class TestBinanceSpot(ConformanceSuite):
    @pytest.fixture
    def venue(self, binance_spot_venue) -> VenueFixture:
        return binance_spot_venue


class TestBinancePerpetual(ConformanceSuite):
    @pytest.fixture
    def venue(self, binance_perpetual_venue) -> VenueFixture:
        return binance_perpetual_venue


async def test_the_binance_venues_satisfy_the_fixture_protocol(binance_spot_venue, binance_perpetual_venue):
    assert isinstance(binance_spot_venue, VenueFixture) and isinstance(binance_perpetual_venue, VenueFixture)
