"""Ctrl+C as a user presses it: ``hbconn sim`` and ``hbconn demo`` stop cleanly, without a traceback."""
import signal
import subprocess
import sys
import tempfile
import urllib.request


def _default_sigint() -> None:
    # a shell without job control starts background jobs with SIGINT ignored; a terminal does not
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "hummingbot_conn", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=tempfile.gettempdir(),
                            preexec_fn=_default_sigint)


def _read_until(proc: subprocess.Popen, marker: str) -> list[str]:
    lines = []
    while True:
        line = proc.stdout.readline()
        assert line, (lines, proc.stderr.read())
        lines.append(line.rstrip("\n"))
        if marker in line:
            return lines


def test_sim_answers_a_ping_logs_it_with_verbose_and_stops_on_ctrl_c():
    proc = _start("sim", "--symbols", "BTCUSDT", "--traders-rate", "0", "--verbose")
    try:
        lines = _read_until(proc, "Ctrl+C to stop")
        rest = next(line.split()[1] for line in lines if line.startswith("REST:"))
        with urllib.request.urlopen(f"{rest}/ping", timeout=10) as resp:
            assert resp.status == 200 and resp.read() == b"{}"
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "simulator stopped" in out
    assert "GET /api/v3/ping -> 200" in err          # --verbose logs requests
    assert "Traceback" not in err


def test_demo_on_ctrl_c_cancels_our_orders_and_prints_the_summary():
    # early: the first fault is due at a third of the 60 s, long after this Ctrl+C
    proc = _start("demo", "--duration", "60", "--no-ui")
    try:
        _read_until(proc, "Created ")         # trading has begun: we have orders out
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert "Traceback" not in err and "Traceback" not in out, err
    assert proc.returncode == 130, (out, err)
    summary = out[out.index("Summary after"):]
    assert "(interrupted)" in summary
    assert "every book equal: yes; balances equal: yes" in summary, summary
    assert "Cancelled " in out                # our orders did not outlive the run
    # it just stops: no fault is injected on the way out, and the log says so
    assert "Fault " not in out and "on purpose" not in out, out
    assert "2 pending faults not injected; cancelling our orders" in out, out


def test_sim_whose_reader_went_away_stops_quietly():
    # `hbconn sim | head -1`: the pipe closes under us; stopping must not print a traceback
    proc = _start("sim", "--symbols", "BTCUSDT", "--traders-rate", "0")
    try:
        _read_until(proc, "Ctrl+C to stop")
        proc.stdout.close()                   # the reader leaves, as `head` does
    finally:
        proc.send_signal(signal.SIGINT)
        err = proc.stderr.read()
        proc.wait(timeout=20)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert proc.returncode in (0, 1), err
