"""Every hint that names an extra to install is right for the way users get the package today.

No wheel is published to a package index yet: from a clone, ``pip install
'hummingbot-conn[metrics]'`` looks the name up on the index and fails; the
command that works is ``pip install '.[metrics]'``. So wherever the index's
name is given (README, docs/, error messages in the package), the clone's
command stands next to it. The ``bench`` extra is only of use in a checkout
(its suites are not in the wheel): its hints give the clone's command only.
"""
import re

import pytest
from support.paths import REPO

ROOT = REPO
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md")), *sorted((ROOT / "hummingbot_conn").rglob("*.py")),
         *sorted((ROOT / "hummingbot_conn").rglob("*.md"))]


def _flat(text: str) -> str:
    # quotes, backticks, line breaks and string concatenations out of the way: the words a user reads
    return re.sub(r"\s+", " ", re.sub(r"[`\\\"]|\"\s*\"", "", text))


def _hints(extra: str):
    for path in FILES:
        text = _flat(path.read_text(encoding="utf-8"))
        for match in re.finditer(rf"hummingbot-conn\[{extra}\]", text):
            yield path.relative_to(ROOT), text[max(0, match.start() - 120):match.end() + 60]


def test_the_files_are_read():
    assert len(FILES) > 50
    assert len(list(_hints("metrics"))) >= 4          # README, docs/metrics.md, the CLI, the package


@pytest.mark.parametrize("path, around", list(_hints("metrics")), ids=lambda v: str(v)[:40])
def test_each_index_name_of_the_metrics_extra_stands_next_to_the_clones_command(path, around):
    assert "pip install '.[metrics]'" in around, (path, around)


def test_the_bench_extra_is_installed_from_the_checkout():
    assert list(_hints("bench")) == []
    from hummingbot_conn.cli import bench

    assert "pip install '.[bench]'" in bench.__doc__
