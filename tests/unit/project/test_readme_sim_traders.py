"""The README lists the settings of the simulator's background market (``traders=``) that the
simulators read, no more, no fewer, with their defaults: a user does not guess the keys."""
import ast
import re

from support.paths import REPO

ROOT = REPO
README = ROOT / "README.md"
SERVERS = sorted((ROOT / "hummingbot_conn" / "sim" / "binance").glob("*/server.py"))


def _read_by_the_simulators():
    """{key: default} of every ``traders.get("key", default)`` in the venues' servers."""
    keys = {}
    for path in SERVERS:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "get" \
                    and getattr(node.func.value, "id", None) == "traders":
                key, default = (ast.literal_eval(arg) for arg in node.args)
                assert keys.setdefault(key, default) == default, f"{key}: the venues' defaults differ"
    return keys


def _listed_in_the_readme():
    """{key: default} from the README's line on ``traders=``: `key` (..., default N)."""
    text = README.read_text(encoding="utf-8")
    bullet = re.search(r"^\* `traders=`.*?(?=^\* )", text, re.S | re.M)
    assert bullet, "the README has no bullet on traders="
    return {key: float(default) for key, default in
            re.findall(r"`(\w+)` \([^()]*?default ([\d.]+)\)", " ".join(bullet.group(0).split()))}


def test_the_readme_lists_each_traders_key_the_simulators_read_with_its_default():
    read = _read_by_the_simulators()
    assert len(SERVERS) >= 2 and set(read) >= {"rate", "volatility", "seed_levels"}, read
    assert _listed_in_the_readme() == {key: float(default) for key, default in read.items()}
