"""The package `make package` builds passes what plugins.qgis.org checks on each upload.

The site's validator (QGIS-Django, plugins/validator.py) refuses a zip over 25 MB, with a path holding ".." or
starting with "/", with .pyc files or __pycache__, .git or __MACOSX folders, without one top folder named
[A-Za-z][A-Za-z0-9-_]+ holding __init__.py, metadata.txt and LICENSE, without the required metadata (name,
description, version, qgisMinimumVersion, author, email, about, tracker, repository), with an author holding
a slash or tracker/repository/homepage that are not URLs. Since 2026 it also runs Bandit and detect-secrets on
the files and blocks on any finding. On top of that the package is for users: no binaries, no translation
sources, no link to a file it does not ship.
"""
from __future__ import annotations

import configparser
import json
import re
import subprocess
import zipfile
from pathlib import Path
from typing import Iterator
from urllib.parse import urlparse

import pytest

from tests.release.checks import ROOT, run_checks

MAX_SIZE = 25_000_000
REQUIRED = ("name", "description", "version", "qgisMinimumVersion", "author", "email", "about", "tracker",
            "repository")
BINARY_SUFFIXES = (".so", ".dll", ".dylib", ".pyd", ".exe", ".pyc", ".pyo", ".a", ".lib", ".o", ".whl", ".egg")
BINARY_MAGIC = (b"\x7fELF", b"MZ", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xcf", b"\xca\xfe\xba\xbe")


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Iterator[Path]:
    """The zip `make package` builds from HEAD (uncommitted changes are not in it, as for a release)."""
    if subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True).returncode != 0:
        pytest.skip("`make package` builds from git HEAD: this checkout is not a git repository")
    target = tmp_path_factory.mktemp("package") / "eo_portals.zip"
    built = subprocess.run(["make", "-s", "--no-print-directory", "package", f"ZIP={target}"], cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    yield target


@pytest.fixture(scope="module")
def unpacked(package, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("unpacked")
    with zipfile.ZipFile(package) as archive:
        archive.extractall(folder)
    return folder / "eo_portals"


def test_the_zip_has_one_top_folder_with_the_files_the_site_requires(package):
    assert package.stat().st_size <= MAX_SIZE
    with zipfile.ZipFile(package) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
    assert {name.split("/")[0] for name in names} == {"eo_portals"}
    assert re.fullmatch(r"[A-Za-z][A-Za-z0-9-_]+", "eo_portals")
    for required in ("__init__.py", "metadata.txt", "LICENSE"):
        assert f"eo_portals/{required}" in names
    for name in names:
        assert ".." not in name and not name.startswith("/")
        parts = name.split("/")
        assert not {"__pycache__", ".git", "__MACOSX", ".pytest_cache", ".hypothesis"} & set(parts), name
        assert not name.endswith(BINARY_SUFFIXES), name
    # what a user does not need: development files and translation sources (the compiled .qm are shipped)
    assert not [n for n in names if n.endswith(".ts") or n.split("/")[1] in ("tests", "bench", "docs", ".ci")]
    assert "eo_portals/i18n/eo_portals_fr.qm" in names


def test_no_binary_is_shipped(unpacked):
    for path in unpacked.rglob("*"):
        if path.is_file():
            with path.open("rb") as handle:
                head = handle.read(4)
            assert not head.startswith(BINARY_MAGIC), f"{path.relative_to(unpacked)} is an executable or library"


def test_the_metadata_has_what_the_site_requires_and_offers_the_plugin_to_qgis_4(unpacked):
    parser = configparser.ConfigParser()
    parser.optionxform = str
    parser.read_string((unpacked / "metadata.txt").read_text(encoding="utf-8"))
    general = dict(parser.items("general"))
    missing = [key for key in REQUIRED if not general.get(key, "").strip()]
    assert missing == []
    assert general["qgisMinimumVersion"] == "3.22"
    assert general["qgisMaximumVersion"] == "4.99"  # QGIS 4 hides a plugin whose maximum is 3.99 (the default)
    assert "supportsQt6" not in general  # obsolete since 2026: the maximum version is what counts
    assert "/" not in general["author"]
    for key in ("tracker", "repository", "homepage"):
        url = urlparse(general[key])
        assert url.scheme in ("http", "https") and url.netloc, key
    for key in ("experimental", "deprecated", "server", "hasProcessingProvider"):
        assert general.get(key, "False").lower() in ("true", "false", "yes", "no"), key
    assert (unpacked / general["icon"]).is_file()


def test_the_readme_links_no_file_the_package_lacks(unpacked):
    text = (unpacked / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)\s]+)", text)
    assert targets, "the README links nothing: did the pattern break?"
    relative = [t for t in targets if not re.match(r"[a-z]+:|#", t)]
    absent = [t for t in relative if not (unpacked / t.split("#")[0]).exists()]
    assert absent == []
    assert any(t.endswith(".png") and t.startswith("https://") for t in targets)  # the pictures, online


def test_bandit_finds_nothing_in_the_package(unpacked):
    result = run_checks("-m", "bandit", "-q", "-r", "-f", "json", str(unpacked))
    report = json.loads(result.stdout)
    findings = [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}" for r in report["results"]]
    assert findings == []
    assert report["metrics"]["_totals"]["loc"] > 5000  # the scan read the plugin, not an empty folder
    assert not report["errors"], report["errors"]


def test_detect_secrets_finds_nothing_in_the_package(unpacked):
    files = sorted(str(p.relative_to(unpacked)) for p in unpacked.rglob("*") if p.is_file())
    result = run_checks("-m", "detect_secrets", "scan", *files, cwd=unpacked)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    findings = [f"{name}:{r['line_number']} {r['type']}" for name, rs in report["results"].items() for r in rs]
    assert findings == []
    assert len(files) > 40
