"""The README's "Write a bot" example cannot drift: it is run as written, in a fresh process.

It runs from a temporary directory (as the README tells a user to), with the interpreter
running the tests, against the in-process simulator it starts itself on 127.0.0.1 port 0.
"""
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def _example() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Write a bot", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    assert len(blocks) == 1, "the 'Write a bot' section should hold exactly one python block"
    return blocks[0]


def test_the_write_a_bot_example_runs(tmp_path):
    script = tmp_path / "bot.py"
    script.write_text(_example(), encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "BuyOrderCreatedEvent(" in out
    assert "OrderCancelledEvent(" in out
    assert "'BTC': Decimal(" in out and "'USDT': Decimal(" in out   # the balances it printed
