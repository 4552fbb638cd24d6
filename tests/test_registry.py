"""The shipped registry and its validation: one clear line naming entry and field, exit 2."""

import csv
import json

import pytest
from click.testing import CliRunner

from archive.cli import cli
from crawler.registry import RegistryError, load_registry
from tests.conftest import SHARED, requires_shared, write_registry

GOOD = {"id": "hanoi-hoang-mai", "name": "Quận Hoàng Mai", "level": "quận", "province": "Hà Nội",
        "base_url": "https://hoangmai.hanoi.gov.vn", "platform": "liferay-hanoi"}


def test_shipped_registry_enables_every_portal_unknown_cms_on_the_generic_platform():
    portals = load_registry()
    assert len(portals) == 56
    assert {p.province for p in portals.values()} == {"Hà Nội", "TP. Hồ Chí Minh"}
    assert all(portal.enabled for portal in portals.values())
    generic = [p for p in portals.values() if p.platform == "generic"]
    assert len(generic) == 50  # every seed row whose CMS has no profile; the seed's claim is kept
    assert all(p.platform_hint for p in generic)
    assert portals["hcmc-go-vap"].platform_hint == "sharepoint;liferay-hcmc"
    assert portals["hanoi-ba-dinh"].platform == "liferay-hanoi"


@requires_shared()
def test_registry_holds_every_hanoi_and_hcmc_row_of_the_seed():
    with open(SHARED / "portals" / "registry-seed.csv", encoding="utf-8") as handle:
        seed = {row["id"]: row for row in csv.DictReader(handle) if row["province"] in {"Hà Nội", "TP. Hồ Chí Minh"}}
    portals = load_registry()
    assert len(seed) == 55 and set(seed) <= set(portals)
    for pid, row in seed.items():
        assert (portals[pid].name, portals[pid].level, portals[pid].base_url) == (row["name"], row["level"], row["base_url"])


@pytest.mark.parametrize(
    "change,expected",
    [
        ({"colour": "red"}, "portal #1 (hanoi-hoang-mai): field 'colour': unknown key"),
        ({"name": None}, "portal #1 (hanoi-hoang-mai): field 'name': missing"),
        ({"base_url": "htp:/hoangmai"}, "portal #1 (hanoi-hoang-mai): field 'base_url': 'htp:/hoangmai' is not an http(s) URL with a host"),
        ({"platform": "wordpress"}, "portal #1 (hanoi-hoang-mai): field 'platform': unknown platform 'wordpress'"),
        ({"level": "phường"}, "portal #1 (hanoi-hoang-mai): field 'level': 'phường' is not one of"),
        ({"id": "Hoang Mai"}, "portal #1 (Hoang Mai): field 'id': 'Hoang Mai' is not a slug"),
        ({"disabled_reason": 3}, "portal #1 (hanoi-hoang-mai): field 'disabled_reason': must be a str"),
        ({"platform": ""}, "portal #1 (hanoi-hoang-mai): field 'platform': must be a non-empty string"),
        ({"enabled": "yes"}, "portal #1 (hanoi-hoang-mai): field 'enabled': must be a bool"),
        ({"closed": "2025-7-1"}, "portal #1 (hanoi-hoang-mai): field 'closed': '2025-7-1' is not a date (YYYY-MM-DD"),
        ({"closed": "2025-02-30"}, "portal #1 (hanoi-hoang-mai): field 'closed': '2025-02-30' is not a date (YYYY-MM-DD"),
        ({"closed": 2025}, "portal #1 (hanoi-hoang-mai): field 'closed': must be a str or date"),
    ],
)
def test_broken_entry_is_one_line_naming_entry_and_field(tmp_path, change, expected):
    entry = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    path = write_registry(tmp_path / "portals.toml", [entry])
    with pytest.raises(RegistryError) as info:
        load_registry(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {expected}")


def test_duplicate_id_and_invalid_toml(tmp_path):
    with pytest.raises(RegistryError, match=r"portal #2 \(hanoi-hoang-mai\): field 'id': duplicate id"):
        load_registry(write_registry(tmp_path / "dup.toml", [GOOD, GOOD]))
    broken = tmp_path / "broken.toml"
    broken.write_text('[[portal]]\nid = "x\n', encoding="utf-8")
    with pytest.raises(RegistryError, match="invalid TOML"):
        load_registry(broken)


def test_cli_exits_2_with_one_line_on_a_broken_registry(tmp_path):
    path = write_registry(tmp_path / "portals.toml", [{**GOOD, "base_url": "not a url"}])
    for args in (["portals"], ["crawl", "hanoi-hoang-mai"]):
        result = CliRunner().invoke(cli, [*args, "--registry", str(path)])
        assert result.exit_code == 2, result.output
        assert result.output.strip().splitlines() == [f"Error: {path}: portal #1 (hanoi-hoang-mai): field 'base_url': 'not a url' is not an http(s) URL with a host"]


def test_portals_command_lists_table_and_json():
    runner = CliRunner()
    table = runner.invoke(cli, ["portals"])
    assert table.exit_code == 0
    assert "hanoi-ba-dinh" in table.output and "Quận Ba Đình" in table.output
    assert table.output.strip().splitlines()[-1].startswith("56 portals, 56 enabled, 53 closed")
    rows = json.loads(runner.invoke(cli, ["portals", "--json", "--enabled"]).output)
    assert [r["id"] for r in rows][:2] == ["hanoi-sotttt", "hanoi-ba-dinh"]
    assert rows[1]["start_urls"] == ["https://badinh.hanoi.gov.vn/"]


def test_a_portal_with_no_platform_or_the_legacy_unknown_is_generic(tmp_path):
    bare = {k: v for k, v in GOOD.items() if k != "platform"}
    legacy = {**GOOD, "id": "hanoi-legacy", "platform": "unknown"}
    portals = load_registry(write_registry(tmp_path / "portals.toml", [bare, legacy]))
    assert [(p.platform, p.enabled) for p in portals.values()] == [("generic", True), ("generic", True)]
    assert portals["hanoi-legacy"].profile().is_generic


def test_portals_command_shows_why_a_portal_is_disabled(tmp_path):
    entry = {**GOOD, "enabled": False, "disabled_reason": "host answers 403 to crawlers since 2024"}
    bare = {**GOOD, "id": "hanoi-bare", "enabled": False}
    result = CliRunner().invoke(cli, ["portals", "--registry", str(write_registry(tmp_path / "portals.toml", [entry, bare]))])
    assert result.exit_code == 0
    assert "no: host answers 403 to crawlers since 2024" in result.output
    assert "no: enabled = false in the registry (no disabled_reason given)" in result.output


def test_unknown_or_disabled_portal_is_refused_before_crawling(tmp_path):
    runner = CliRunner()
    unknown = runner.invoke(cli, ["crawl", "hanoi-hoang", "--db", str(tmp_path / "a.db")])
    assert unknown.exit_code == 2
    assert "unknown portal id 'hanoi-hoang' (did you mean hanoi-hoang-mai?)" in unknown.output
    entry = {**GOOD, "enabled": False, "disabled_reason": "host gone"}
    registry = write_registry(tmp_path / "portals.toml", [entry])
    disabled = runner.invoke(cli, ["crawl", "hanoi-hoang-mai", "--db", str(tmp_path / "a.db"), "--registry", str(registry)])
    assert disabled.exit_code == 2
    assert "portal hanoi-hoang-mai is disabled" in disabled.output
    assert not (tmp_path / "a.db").exists()  # nothing half-written


def test_closed_portals_in_the_shipped_registry_and_both_date_forms(tmp_path):
    portals = load_registry()
    closed = {pid for pid, p in portals.items() if p.closed}
    assert len(closed) == 53 and portals["hanoi-ba-dinh"].closed == "2025-07-01"
    assert "hanoi-sotttt" not in closed  # a department, not an abolished district
    assert all(p.level != "sở" for pid, p in portals.items() if pid in closed)
    path = tmp_path / "portals.toml"
    path.write_text(write_registry(tmp_path / "q.toml", [GOOD]).read_text(encoding="utf-8") + "closed = 2025-07-01\n", encoding="utf-8")
    assert load_registry(path)["hanoi-hoang-mai"].closed == "2025-07-01"  # a TOML date, unquoted
    assert load_registry(write_registry(tmp_path / "s.toml", [{**GOOD, "closed": "2025-07-01"}]))["hanoi-hoang-mai"].to_row()["closed"] == "2025-07-01"


def test_seed_tool_closes_the_abolished_districts(tmp_path, capsysbinary):
    import tomllib

    from crawler.tools.seed_registry import main

    seed = tmp_path / "seed.csv"
    seed.write_text(
        "id,name,level,province,base_url,platform,evidence,notes\n"
        "hanoi-a,Quận A,quận,Hà Nội,https://a.hanoi.gov.vn,unknown,weak,district abolished 2025-07-01; host unverified\n"
        "hcmc-b,Quận B,quận,TP. Hồ Chí Minh,https://b.hochiminhcity.gov.vn,unknown,weak,\"district level abolished 2025-07-01 (merged)\"\n"
        "hanoi-c,Huyện C,huyện,Hà Nội,https://c.hanoi.gov.vn,unknown,weak,still online\n", encoding="utf-8")
    assert main([str(seed)]) == 0
    entries = {e["id"]: e for e in tomllib.loads(capsysbinary.readouterr().out.decode("utf-8"))["portal"]}
    assert entries["hanoi-a"]["closed"] == entries["hcmc-b"]["closed"] == "2025-07-01"
    assert "closed" not in entries["hanoi-c"] and "closed" not in entries["hanoi-sotttt"]
