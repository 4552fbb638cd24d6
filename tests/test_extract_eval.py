"""The quality gate of issue 4 on the real Hanoi gold set (bench/extract_eval.py, same scoring).

Our profile must stay perfect; our fallback, with the profile disabled, must do at least as
well as plain trafilatura on every field. Speed is a benchmark (docs/benchmarks.md), not a test.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import SOTTTT, requires_shared

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import extract_eval  # noqa: E402

# pytest-xdist: one worker runs this module, so the gold evaluation (module fixture) is made once
pytestmark = [requires_shared(), pytest.mark.shared, pytest.mark.xdist_group("extract-eval")]


@pytest.fixture(scope="module")
def results():
    records = extract_eval.load_gold(SOTTTT / "gold.jsonl")
    return {name: extract_eval.evaluate(records, extract)["counts"] for name, extract in extract_eval.extractors("liferay-hanoi").items()
            if name != "baseline: <title> + page text"}


def test_profile_path_is_perfect_on_the_gold(results):
    c = results["liferay-hanoi profile"]
    assert [c[k] for k in ("title", "published_at", "lead", "author", "with_found", "without_leaked")] == [40, 40, 40, 40, 120, 0]


def test_fallback_does_at_least_as_well_as_plain_trafilatura(results):
    ours, plain = results["generic (profile disabled)"], results["plain trafilatura"]
    for key in ("title", "published_at", "lead", "author", "with_found"):
        assert ours[key] >= plain[key], key
    assert ours["without_leaked"] <= plain["without_leaked"]
    assert (ours["title"], ours["published_at"]) == (40, 40)  # metadata rules, not trafilatura's portlet heading
