"""The interleaved benchmark harness (benchmarks/interleave.py) and how report.py turns its rounds into ratios.

No wall clock: the harness takes its clock as a parameter, and every side here
advances a virtual clock by a fixed cost per call."""
import importlib.util
import json
import sys

import pytest
from support.paths import REPO


def _load(name):
    # benchmarks/ is not a package: its modules are loaded by path, as conftest.py and hbconn bench do
    spec = importlib.util.spec_from_file_location(f"_test_bench_{name}", REPO / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module      # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


interleave = _load("interleave")
report = _load("report")


class VirtualClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def _side(clock, log, impl, cost, ops=1, **kwargs):
    """A side whose every call costs ``cost`` virtual seconds and is logged."""
    def run():
        log.append(impl)
        clock.now += cost
    return interleave.Side(impl, run, ops=ops, **kwargs)


def test_every_round_runs_each_side_once_in_a_shuffled_order():
    clock, log = VirtualClock(), []
    sides = [_side(clock, log, name, 1.0) for name in ("hbconn", "hummingbot", "order_book")]
    timings = interleave.measure(sides, rounds=300, warmup=0, seed=5, clock=clock)
    # interleaved: the call log is 300 rounds of one call per side, not 300 calls of one side then the next
    rounds = [log[i:i + 3] for i in range(0, len(log), 3)]
    assert len(rounds) == 300 and all(sorted(r) == ["hbconn", "hummingbot", "order_book"] for r in rounds)
    # the order changes between rounds: every side runs first, second and last, none is always first
    for name in ("hbconn", "hummingbot", "order_book"):
        assert set(timings.positions[name]) == {0, 1, 2}
        assert timings.positions[name].count(0) < 200
    assert [r[0] for r in rounds] != [rounds[0][0]] * 300
    assert {name: len(t) for name, t in timings.times.items()} == dict.fromkeys(("hbconn", "hummingbot",
                                                                                  "order_book"), 300)


def test_warm_up_sizes_batches_to_the_slowest_call_and_is_not_recorded():
    clock, log = VirtualClock(), []
    setups = []
    sides = [_side(clock, log, "hbconn", 0.5, ops=10, setup=lambda: setups.append("hbconn") or ()),
             _side(clock, log, "hummingbot", 20.0),
             _side(clock, log, "pure_python", 4.0)]
    timings = interleave.measure(sides, rounds=7, warmup=3, seed=1, clock=clock)
    # each batch lasts as long as the slowest side's single call: 20 s
    assert timings.repeat == {"hbconn": 40, "hummingbot": 1, "pure_python": 5}
    assert timings.warm_call == {"hbconn": 0.5, "hummingbot": 20.0, "pure_python": 4.0}
    assert all(t == [pytest.approx(20.0)] * 7 for t in timings.times.values())   # warm-up rounds dropped
    # the untimed setup runs before every call, warm-up included
    assert setups.count("hbconn") == 3 + 7 * 40 == log.count("hbconn")


def test_repeat_is_capped():
    assert interleave.repeats({"hbconn": 0.001, "hummingbot": 1.0}, max_repeat=20) == {"hbconn": 20, "hummingbot": 1}
    assert interleave.repeats({"hbconn": 0.0, "hummingbot": 1.0}, max_repeat=20)["hbconn"] == 20


def test_a_group_needs_distinct_sides():
    clock, log = VirtualClock(), []
    with pytest.raises(ValueError, match="at least one side"):
        interleave.measure([], rounds=1, warmup=0, seed=0)
    with pytest.raises(ValueError, match="share an impl name"):
        interleave.measure([_side(clock, log, "hbconn", 1), _side(clock, log, "hbconn", 2)], 1, 0, 0)


class FakeBenchmark:
    """pytest-benchmark's fixture as run_group uses it: pedantic calls the round once when disabled."""

    def __init__(self, enabled):
        self.enabled = enabled
        self.group = None
        self.extra_info = {}
        self.calls = []

    def pedantic(self, target, rounds, warmup_rounds, iterations):
        self.calls.append((rounds, warmup_rounds, iterations))
        for _ in range(warmup_rounds + rounds if self.enabled else 1):
            target()


@pytest.mark.parametrize("enabled", [False, True], ids=["smoke pass", "timed"])
def test_run_group_records_every_side_for_the_report(enabled):
    log, checked = [], []
    ours = interleave.Side("hbconn", lambda: log.append("hbconn"), ops=100, check=lambda: checked.append("hbconn"))
    peer = interleave.Side("hummingbot", lambda: log.append("hummingbot"), ops=100,
                           check=lambda: checked.append("hummingbot"))
    bench = FakeBenchmark(enabled)
    interleave.run_group(bench, "g: work", [ours, peer], rounds=4, warmup=2, targets={"hummingbot": 12.0})
    data = bench.extra_info["interleaved"]
    assert bench.group == "g: work" and bench.extra_info["targets"] == {"hummingbot": 12.0}
    assert sorted(checked) == ["hbconn", "hummingbot"]
    if enabled:
        assert bench.calls == [(4, 2, 1)] and data["warmup"] == 2
        assert {k: len(v) for k, v in data["rounds"].items()} == {"hbconn": 4, "hummingbot": 4}
    else:
        # the smoke pass: one round, each side's run once, no warm-up
        assert sorted(log) == ["hbconn", "hummingbot"] and data["warmup"] == 0
        assert data["repeat"] == {"hbconn": 1, "hummingbot": 1} and data["ops"] == {"hbconn": 100, "hummingbot": 100}


# ---- report.py on interleaved rounds ----------------------------------------------

def _run(benchmarks):
    return {"datetime": "2026-12-07T00:00:00", "version": "5.3.1", "machine_info": {}, "benchmarks": benchmarks}


def _interleaved_entry(rounds, ops, targets, group="tracker: frame"):
    return {"name": "test_frame", "group": group, "stats": {"min": 99.0, "median": 99.0, "rounds": 1},
            "extra_info": {"impl": "interleaved", "targets": targets,
                           "interleaved": {"rounds": rounds, "ops": ops, "warmup": 10,
                                           "order": "shuffled every round (seed 22)"}}}


def test_report_divides_the_same_statistic_on_both_sides():
    # hbconn: 2000 ops per batch; hummingbot: 200.  Per op, ours: min 1 us, median 2 us;
    # hummingbot: min 10 us (10x ours), median 22 us (11x ours)
    rounds = {"hbconn": [0.002, 0.004, 0.008], "hummingbot": [0.002, 0.0044, 0.005]}
    run = _run([_interleaved_entry(rounds, {"hbconn": 2000, "hummingbot": 200}, {"hummingbot": 12.0})])
    groups = report._rows(run)
    rows = {r["impl"]: r for r in groups["tracker: frame"]["rows"]}
    assert rows["hbconn"]["median_ns"] == pytest.approx(2000) and rows["hbconn"]["min_ns"] == pytest.approx(1000)
    assert rows["hummingbot"]["median_ns"] == pytest.approx(22000)
    assert rows["hummingbot"]["min_ns"] == pytest.approx(10000)
    assert rows["hbconn"]["ops"] == 2000 and rows["hbconn"]["rounds"] == 3
    text = report.render(groups)
    assert "interleaved in one process: 3 rounds after 10 warm-up rounds" in text
    assert "| hummingbot | 200 | 10,000 | 22,000 | 45,455 | 11.00x | 10.00x | >= 12x | **NOT MET** |" in text
    assert ("**NOT MET**: tracker: frame: hbconn vs hummingbot 11.00x on medians (10.00x on mins) "
            "(target >= 12x on medians)") in text
    assert "0 of 1 targets met" in text


def test_a_target_is_judged_on_medians_even_when_mins_would_meet_it():
    # medians 11x, mins 13x: the target of 12x is NOT met, whatever the fastest rounds say
    rounds = {"hbconn": [0.001, 0.002, 0.002], "hummingbot": [0.013, 0.022, 0.030]}
    groups = report._rows(_run([_interleaved_entry(rounds, {"hbconn": 1, "hummingbot": 1}, {"hummingbot": 12.0})]))
    _, verdicts = report._verdicts(groups["tracker: frame"])
    assert verdicts[0]["ratio"] == pytest.approx(11.0) and verdicts[0]["ratio_min"] == pytest.approx(13.0)
    assert verdicts[0]["met"] is False


def test_a_group_with_a_separately_timed_row_is_not_called_interleaved():
    rounds = {"hbconn": [0.001], "hummingbot": [0.01]}
    separate = {"name": "test_other", "group": "tracker: frame", "stats": {"min": 0.5, "median": 0.5, "rounds": 5},
                "extra_info": {"impl": "pure_python"}}
    for entries in ([_interleaved_entry(rounds, {"hbconn": 1, "hummingbot": 1}, {}), separate],
                    [separate, _interleaved_entry(rounds, {"hbconn": 1, "hummingbot": 1}, {})]):
        group = report._rows(_run(entries))["tracker: frame"]
        assert report._interleaved(group) is False
        assert "not interleaved (one benchmark after another)" in "\n".join(report._group_table("g", group))


def test_merge_keeps_groups_an_older_report_stored(tmp_path):
    # a RESULTS.md written before interleaving (no "method" in its data) still merges and renders
    env = report._environment({"datetime": "2026-11-29T15:05:04"})
    old = {"sim: orders matched": {"run": env,
                                   "rows": [{"impl": "hbconn", "name": "t", "min_ns": 1.0, "median_ns": 2.0,
                                             "rounds": 5, "ops": 1, "targets": {}, "figures": {}}]}}
    results = tmp_path / "RESULTS.md"
    results.write_text(report.render(old))
    run_json = tmp_path / "run.json"
    rounds = {"hbconn": [0.001], "hummingbot": [0.01]}
    run_json.write_text(json.dumps(_run([_interleaved_entry(rounds, {"hbconn": 1, "hummingbot": 1}, {})])))
    assert report.main([str(run_json), "-o", str(results), "--merge"]) == 0
    text = results.read_text()
    assert "### sim: orders matched" in text and "not interleaved (one benchmark after another), 5 rounds" in text
    assert "### tracker: frame" in text
    assert "| hummingbot | 1 | 10,000,000 | 10,000,000 | 100 | 10.00x | 10.00x |" in text
