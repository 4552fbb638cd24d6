"""Every example of docs/api.md, run against a served demo archive, with its output checked."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request

import pytest

from tests.conftest import ROOT, copy_archive, served_archive

DOC = ROOT / "docs" / "api.md"
BLOCKS = re.findall(r"```(sh|python)\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
# pytest-xdist: one worker runs this module, so the archive is served (module fixture) once
pytestmark = pytest.mark.xdist_group("api-docs")


@pytest.fixture(scope="module")
def archive(tmp_path_factory, demo_archive):
    result, shared = demo_archive
    assert result.returncode == 0, result.stderr
    db_path = copy_archive(shared, tmp_path_factory.mktemp("api") / "demo.db")
    with served_archive(db_path) as base:
        yield base


def run_block(kind: str, code: str, base: str) -> str:
    env = {**os.environ, "ARCHIVE": base}
    cmd = ["bash", "-euo", "pipefail", "-c", code] if kind == "sh" else [sys.executable, "-c", code]
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_doc_has_the_examples_the_issue_asks_for():
    assert [k for k, _ in BLOCKS].count("python") >= 2 and len(BLOCKS) >= 6


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_example(archive, index):
    kind, code = BLOCKS[index]
    out = run_block(kind, code, archive)
    if "search.json?q=dai+hoi+dang+bo" in code:
        data = json.loads(out)
        assert data["rows"][0]["title"].startswith("Khai mạc Đại hội Đảng bộ quận Hoàng Mai") and len(data["rows"]) == 3
    elif "Qúy Mão" in code:
        first, second = out.splitlines()
        assert first == "Kỷ niệm 20 năm thành lập quận Hoàng Mai (2003 - 2023) | []"
        assert second.startswith("Phát động Tết trồng cây “Đời đời nhớ ơn Bác Hồ” Xuân Quý Mão 2023 | ")
        assert "without its pair" in second
    elif "cải cách hành chính" in code:
        total, _ = out.split(" ", 1)
        assert int(total) >= 1 and "cải cách hành chính" in out.lower()
    elif "search.json?portal=" in code:
        rows = json.loads(out)["rows"]
        assert rows and all(r["published_at"].startswith("2020") for r in rows)
    elif "articles.json?portal_id=" in code:
        rows = json.loads(out)["rows"]
        assert rows and set(rows[0]) == {"id", "title"}
    elif "next_url" in code:
        expected = json.load(urllib.request.urlopen(archive + "/demo/articles.json?_search=quan&_size=0"))["filtered_table_rows_count"]
        assert int(out) == expected > 10
    elif "articles/3.json" in code:
        data = json.loads(out)
        assert data["article"]["id"] == 3 and [v["version"] for v in data["versions"]] == [1]
    elif "search.atom" in code:
        assert out.count("<entry>") == 5 and out.count("<?xml") == 1
        csv_lines = out.split("</feed>", 1)[1].strip().splitlines()
        assert csv_lines[0].endswith("title,published_at") and any("Đại hội" in line for line in csv_lines[1:])
    else:
        pytest.fail(f"no check written for example {index}: {code[:60]}")
