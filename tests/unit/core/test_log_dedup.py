"""RepeatedLog (hummingbot_conn/log_dedup.py): a repeated message is written once, then counted."""
import logging

import pytest

from hummingbot_conn.log_dedup import RepeatedLog


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def logged(caplog):
    caplog.set_level(logging.DEBUG, logger="test.dedup")
    return lambda: [r.getMessage() for r in caplog.records if r.name == "test.dedup"]


def make(clock, **kwargs) -> RepeatedLog:
    return RepeatedLog(logging.getLogger("test.dedup"), clock=clock, **kwargs)


def test_the_first_occurrence_is_written_and_repeats_are_counted(logged):
    clock = Clock()
    log = make(clock)
    assert log.warning("refused: %s", -2015) is True
    for _ in range(12):
        clock.now += 1.0
        assert log.warning("refused: %s", -2015) is False
    assert logged() == ["refused: -2015"] and log.pending() == 12
    log.flush()
    assert logged() == ["refused: -2015", "refused: -2015 [repeated 12 more times in 12 s]"]
    assert log.pending() == 0
    log.flush()                     # nothing pending: nothing written
    assert len(logged()) == 2


def test_a_new_message_first_writes_the_count_of_the_previous_one(logged):
    clock = Clock()
    log = make(clock)
    log.error("A")
    log.error("A")
    log.error("A")
    log.error("B")
    log.error("B")
    assert logged() == ["A", "A [repeated 2 more times in 0 s]", "B"]
    log.flush()
    assert logged()[-1] == "B [repeated 1 more time in 0 s]"


def test_a_message_repeating_for_long_is_summarised_every_interval(logged):
    clock = Clock()
    log = make(clock, summary_interval=60.0)
    log.warning("down")
    for _ in range(100):            # one a second for 100 s
        clock.now += 1.0
        log.warning("down")
    assert logged() == ["down", "down [repeated 60 more times in 60 s]"]
    assert log.pending() == 40


def test_same_text_at_another_level_is_another_message(logged):
    log = make(Clock())
    log.info("x")
    log.error("x")
    log.info("x")
    assert logged() == ["x", "x"]


def test_the_traceback_goes_with_the_first_occurrence_only(caplog):
    caplog.set_level(logging.DEBUG, logger="test.dedup")
    log = make(Clock())
    for _ in range(3):
        try:
            raise ValueError("boom")
        except ValueError:
            log.exception("failed")
    log.flush()
    records = [r for r in caplog.records if r.name == "test.dedup"]
    assert [r.exc_info is not None and r.exc_info[0] is ValueError for r in records] == [True, False]


def test_the_record_names_the_caller_not_the_helper(caplog):
    caplog.set_level(logging.DEBUG, logger="test.dedup")
    log = make(Clock())
    log.warning("here")
    log.warning("here")
    log.flush()
    assert [r.pathname for r in caplog.records if r.name == "test.dedup"] == [__file__, __file__]


def test_a_bad_format_is_written_not_raised(logged):
    log = make(Clock())
    assert log.warning("%d items", "not a number") is True
    assert logged() == ["%d items ('not a number',)"]


def test_a_disabled_level_is_neither_written_nor_counted(caplog):
    caplog.set_level(logging.WARNING, logger="test.dedup")
    log = make(Clock())
    assert log.debug("chatter") is False and log.pending() == 0


def test_max_messages_bounds_the_memory(logged):
    log = make(Clock(), max_messages=2)
    for text in ("a", "b", "c", "a"):
        log.warning(text)
    assert logged() == ["a", "b", "c", "a"]      # "a" was forgotten, so it is written again


@pytest.mark.parametrize("kwargs", [{"summary_interval": 0}, {"max_messages": 0}])
def test_bad_settings_are_refused(kwargs):
    with pytest.raises(ValueError):
        RepeatedLog(logging.getLogger("test.dedup"), **kwargs)
