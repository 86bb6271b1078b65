"""The README's examples ("Write a bot", "Perpetuals quick start") cannot drift: each is run
as written, in a fresh process.

It runs from a temporary directory (as the README tells a user to), with the interpreter
running the tests, against the in-process simulator it starts itself on 127.0.0.1 port 0.
"""
import re
import subprocess
import sys

from support.paths import REPO

README = REPO / "README.md"


def _example(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    # the section's own text, up to its first subsection: a subsection (### Event loop, ### Busy
    # polling) may hold a fragment that is not the example
    section = re.split(r"\n##+ ", text.split(f"## {title}", 1)[1], maxsplit=1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    assert len(blocks) == 1, f"the '{title}' section should hold exactly one python block"
    return blocks[0]


def _run(title: str, tmp_path) -> str:
    script = tmp_path / "bot.py"
    script.write_text(_example(title), encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_write_a_bot_example_runs(tmp_path):
    out = _run("Write a bot", tmp_path)
    assert "BuyOrderCreatedEvent(" in out
    assert "OrderCancelledEvent(" in out
    assert "'BTC': Decimal(" in out and "'USDT': Decimal(" in out   # the balances it printed


def test_the_perpetuals_quick_start_runs(tmp_path):
    out = _run("Perpetuals quick start", tmp_path)
    fills = [line for line in out.splitlines() if line.startswith("OrderFilledEvent(")]
    assert len(fills) == 2 and "position='OPEN'" in fills[0] and "position='CLOSE'" in fills[1]
    assert "FundingPaymentCompletedEvent(" in out and "funding_rate=Decimal(" in out
    assert out.splitlines()[-1].endswith(" closed; wallet: 9999.24005000")
    # the position closed: the last position update names no side
    updates = [line for line in out.splitlines() if line.startswith("PositionUpdateEvent(")]
    assert "position_side=None" in updates[-1]
