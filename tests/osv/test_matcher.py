"""Version matching against OSV advisories: ranges, last_affected, limits, explicit lists, withdrawn."""

from __future__ import annotations

import pytest

from gates.osv.index import Advisory, AdvisoryIndex
from gates.osv.matcher import Range, parse_version


def advisory(vid: str, *, name: str = "demo-pkg", events: list[dict] | None = None, versions: list[str] | None = None,
             kind: str = "ECOSYSTEM", withdrawn: str | None = None, ranges: list[dict] | None = None) -> Advisory:
    affected: dict = {"package": {"name": name, "ecosystem": "PyPI"}}
    if ranges is not None:
        affected["ranges"] = ranges
    elif events is not None:
        affected["ranges"] = [{"type": kind, "events": events}]
    if versions is not None:
        affected["versions"] = versions
    raw = {"id": vid, "modified": "2024-01-01T00:00:00Z", "affected": [affected]}
    if withdrawn:
        raw["withdrawn"] = withdrawn
    return Advisory.from_raw(raw, f"{vid}.yaml")


def hits(adv: Advisory, version: str, name: str = "demo-pkg") -> bool:
    return bool(AdvisoryIndex([adv]).query(name, version))


@pytest.mark.parametrize("version, expected", [
    ("0.1", True), ("1.9.9", True), ("2.0", False), ("2.0.1", False),
    ("2.9", False), ("3.0.0", True), ("3.0.0rc1", False), ("3.0.1", False), ("4.0", False),
])
def test_two_introduced_fixed_pairs(version: str, expected: bool) -> None:
    adv = advisory("X-1", events=[{"introduced": "0"}, {"fixed": "2.0"}, {"introduced": "3.0.0"}, {"fixed": "3.0.1"}])
    assert hits(adv, version) is expected


def test_events_out_of_order_are_sorted() -> None:
    adv = advisory("X-2", events=[{"fixed": "3.0.1"}, {"introduced": "3.0.0"}, {"fixed": "2.0"}, {"introduced": "0"}])
    assert [hits(adv, v) for v in ("1.0", "2.5", "3.0.0", "3.0.1")] == [True, False, True, False]


@pytest.mark.parametrize("version, expected", [("1.10.0", False), ("1.11.0", True), ("1.11.0.post1", False),
                                               ("1.11.1", False), ("0.9", True)])
def test_last_affected_is_inclusive(version: str, expected: bool) -> None:
    adv = advisory("X-3", events=[{"introduced": "1.11.0"}, {"last_affected": "1.11.0"}, {"introduced": "0"},
                                  {"last_affected": "0.9"}])
    assert hits(adv, version) is expected


def test_open_range_affects_everything_after_introduced() -> None:
    adv = advisory("X-4", events=[{"introduced": "1.5"}])
    assert not hits(adv, "1.4.9")
    assert hits(adv, "1.5") and hits(adv, "99.0")


def test_limit_bounds_the_range() -> None:
    adv = advisory("X-5", events=[{"introduced": "0"}, {"limit": "2.0"}])
    assert hits(adv, "1.9") and not hits(adv, "2.0")
    star = advisory("X-6", events=[{"introduced": "0"}, {"limit": "*"}])
    assert hits(star, "50")


def test_semver_range_with_v_prefix_and_prerelease() -> None:
    adv = advisory("X-7", kind="SEMVER", events=[{"introduced": "v1.2.0"}, {"fixed": "1.4.0-rc.1"}])
    assert hits(adv, "1.3.9") and hits(adv, "1.2.0")
    assert not hits(adv, "1.4.0rc1") and not hits(adv, "1.4.0") and not hits(adv, "1.1.0")


def test_explicit_versions_match_exactly_and_normalised() -> None:
    adv = advisory("X-8", versions=["0.12.01", "1.0.0", "2013-01-21T20:33:09+0100"])
    assert hits(adv, "0.12.1")  # pip-audit sends normalised versions
    assert hits(adv, "0.12.01")
    assert hits(adv, "1.0")
    assert hits(adv, "2013-01-21T20:33:09+0100")  # not PEP 440: exact string match only
    assert not hits(adv, "0.12.2")


def test_git_ranges_are_ignored_and_ecosystem_ranges_decide() -> None:
    adv = advisory(
        "X-9",
        ranges=[
            {"type": "GIT", "repo": "https://x", "events": [{"introduced": "0"}, {"fixed": "abc123"}]},
            {"type": "ECOSYSTEM", "events": [{"introduced": "2.3.0"}, {"fixed": "2.31.0"}]},
        ],
    )
    assert hits(adv, "2.30.0") and not hits(adv, "2.2.0") and not hits(adv, "2.31.0")


def test_unparsable_range_is_never_skipped_silently() -> None:
    """Regression: binderhub's ``fixed: 0.2.0-n653`` made every version come back clean for an RCE."""
    adv = advisory("X-10", events=[{"introduced": "0"}, {"fixed": "0.2.0-n653"}], versions=["0.1"])
    assert not Range.compile(adv.raw["affected"][0]["ranges"][0]).valid
    assert hits(adv, "0.1") and hits(adv, "0.3")  # fail closed: undecidable counts as affected
    (entry,) = adv.entries_for("demo-pkg")
    assert entry.undecidable("0.3") == ("fixed: 0.2.0-n653",)
    assert entry.undecidable("0.1") == ()  # the explicit list decides on its own


def test_undecidable_only_when_no_readable_range_decides() -> None:
    adv = advisory("X-10b", ranges=[{"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"fixed": "1.5"}]},
                                    {"type": "ECOSYSTEM", "events": [{"introduced": "2.0"}, {"fixed": "2019-09-12"}]}])
    (entry,) = adv.entries_for("demo-pkg")
    assert entry.undecidable("1.2") == () and entry.undecidable("2.5") == ("fixed: 2019-09-12",)


@pytest.mark.parametrize("version", ["0.dev0", "0a1", "0.0.0.dev0", "0rc1", "0", "0.post1"])
def test_introduced_zero_includes_pre_releases_below_zero(version: str) -> None:
    """Regression: ``introduced: "0"`` missed versions sorting below ``0`` such as ``0.dev0``."""
    adv = advisory("X-10c", events=[{"introduced": "0"}, {"fixed": "5.0"}])
    assert hits(adv, version)


def test_withdrawn_advisory_never_matches_but_is_found_by_id() -> None:
    adv = advisory("X-11", events=[{"introduced": "0"}], versions=["1.34"], withdrawn="2023-06-06T10:37:00Z")
    index = AdvisoryIndex([adv])
    assert index.query("demo-pkg", "1.34") == []
    assert index.query("demo-pkg", None) == []
    assert index.get("X-11") is adv


@pytest.mark.parametrize("spelling", ["Demo_Pkg", "demo.pkg", "DEMO-PKG", "demo__pkg"])
def test_package_names_are_normalised_both_ways(spelling: str) -> None:
    adv = advisory("X-12", name="Demo.Pkg", events=[{"introduced": "0"}, {"fixed": "1.0"}])
    assert hits(adv, "0.5", name=spelling)


def test_other_packages_and_ecosystems_do_not_match() -> None:
    raw = {"id": "X-13", "affected": [{"package": {"name": "demo-pkg", "ecosystem": "npm"},
                                       "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]}
    index = AdvisoryIndex([Advisory.from_raw(raw, "x"), advisory("X-14", name="other")])
    assert index.query("demo-pkg", "1.0") == []


def test_query_without_version_returns_every_live_advisory_of_the_package() -> None:
    index = AdvisoryIndex([advisory("A", events=[{"introduced": "5"}]), advisory("B", versions=["1"])])
    assert sorted(a.id for a in index.query("demo-pkg", None)) == ["A", "B"]


def test_alias_lookup() -> None:
    adv = Advisory.from_raw({"id": "PYSEC-1", "aliases": ["CVE-1"], "affected": []}, "x")
    assert AdvisoryIndex([adv]).get("CVE-1") is adv


def test_parse_version() -> None:
    assert parse_version("v1.0", semver=True) == parse_version("1.0")
    assert parse_version("not a version") is None
