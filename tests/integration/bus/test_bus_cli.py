"""``hbconn feed`` at its edges: no NATS server, bad arguments; each one sentence, never a traceback."""
import subprocess
import sys

from support.nats_server import _free_port


def _feed(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "hummingbot_conn", "feed", *args], capture_output=True, text=True,
                          timeout=timeout)


def test_no_nats_server_is_named_in_one_sentence():
    url = f"nats://127.0.0.1:{_free_port()}"
    done = _feed("--pairs", "BTC-USDT", "--nats", url)
    assert done.returncode == 1
    assert f"no NATS server answers at {url}" in done.stderr and "Traceback" not in done.stderr


def test_bad_arguments_are_refused_in_one_sentence():
    for args, words in ((["--pairs", ",", "--nats", "nats://127.0.0.1:4222"], "at least one pair"),
                        (["--pairs", "BTC-USDT", "--nats", "127.0.0.1:4222"], "not a NATS URL"),
                        (["--pairs", "BTC-USDT", "--nats", "nats://127.0.0.1:4222", "--venue", "okx"],
                         "unknown venue"),
                        (["--pairs", "BTC-USDT", "--nats", "nats://127.0.0.1:4222", "--rest-url", "http://x"],
                         "go together")):
        done = _feed(*args)
        assert done.returncode == 2 and words in done.stderr and "Traceback" not in done.stderr, (args, done.stderr)


def test_the_help_says_what_it_connects_to_without_urls():
    done = _feed("--help")
    assert done.returncode == 0 and "simulator" in done.stdout and "nats://127.0.0.1:4222" in done.stdout
