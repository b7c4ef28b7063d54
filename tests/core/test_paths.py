"""Names from portals and archives never escape the download folder."""
import os
import stat
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plugin.core.errors import EOPortalsError
from plugin.core.paths import UnsafePathError, extract_zip, is_within, safe_join, safe_name
from tests.support.fixtures import fixture_path

S2_ZIP = "products/S2A_MSIL1C_20180101T105441_N0206_R051_T31TDH_20180101T124911.zip"


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "C:\\Windows\\win.ini", "..\\..\\boot.ini",
                                  "a/b", "c:evil"])
def test_safe_name_is_one_plain_name(name):
    clean = safe_name(name)
    assert "/" not in clean and "\\" not in clean and ":" not in clean
    assert clean not in ("", ".", "..")


@pytest.mark.parametrize("name", ["CON", "con", "NUL.txt", "COM1", "lpt9.zip", "AUX.tar.gz", "PRN "])
def test_windows_reserved_device_names_are_renamed(name):
    clean = safe_name(name)
    assert clean.startswith("_")
    assert clean[1:].split(".")[0].upper() == name.strip().split(".")[0].upper()


def test_control_characters_trailing_dots_and_empty_names():
    assert safe_name("a\x00b\x1fc\x7fd") == "a_b_c_d"
    assert safe_name("report. . ") == "report"
    assert safe_name(".hidden") == "hidden"
    assert safe_name("") == "download"
    assert safe_name("..", fallback="product") == "product"
    assert safe_name("S2A_MSIL1C_20180101T105441_N0206_R051_T31TDH_20180101T124911") == \
        "S2A_MSIL1C_20180101T105441_N0206_R051_T31TDH_20180101T124911"


def test_long_names_are_cut_to_fit_file_systems_keeping_the_extension():
    clean = safe_name("é" * 300 + ".zip")
    assert len(clean.encode("utf-8")) <= 200
    assert clean.endswith(".zip")


def test_safe_join_keeps_every_part_inside_the_root(tmp_path):
    root = tmp_path / "downloads"
    root.mkdir()
    assert safe_join(root, "../../x.zip") == root / "x.zip"
    assert safe_join(root, "/etc/passwd") == root / "etc" / "passwd"
    assert safe_join(root, "C:\\evil\\x.tif") == root / "C_" / "evil" / "x.tif"
    assert safe_join(root, "product", "a/../../b.tif") == root / "product" / "a" / "b.tif"
    with pytest.raises(UnsafePathError):
        safe_join(root, "../..")


def test_safe_join_refuses_a_folder_that_is_a_link_to_elsewhere(tmp_path):
    root = tmp_path / "downloads"
    root.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, root / "product")
    with pytest.raises(UnsafePathError):
        safe_join(root, "product/x.zip")


@settings(max_examples=300, derandomize=bool(os.environ.get("CI")), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(min_size=0, max_size=40), min_size=1, max_size=4))
def test_any_server_supplied_path_lands_inside_the_folder(tmp_path, parts):
    root = tmp_path / "root"
    root.mkdir(exist_ok=True)
    try:
        path = safe_join(root, *parts)
    except UnsafePathError:
        return  # nothing usable in the name: refused, which is also safe
    assert is_within(root, path)
    assert path != root
    for part in path.relative_to(root).parts:
        assert part not in (".", "..")
        assert part.split(".")[0].upper() not in ("CON", "NUL", "PRN", "AUX", "COM1", "LPT1")


def _evil_zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("../evil.txt", "parent")
        archive.writestr("/abs.txt", "absolute")
        archive.writestr("C:\\drive.txt", "drive")
        archive.writestr("product/../../../up.txt", "up")
        archive.writestr("product/CON.txt", "reserved")
        archive.writestr("product/ok.txt", "fine")
        link = zipfile.ZipInfo("product/link")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")


def test_extract_zip_never_writes_outside_the_folder(tmp_path):
    archive = tmp_path / "evil.zip"
    _evil_zip(archive)
    target = tmp_path / "a" / "b"
    before = set(tmp_path.rglob("*"))
    created = extract_zip(archive, target)
    after = set(tmp_path.rglob("*")) - before
    assert after, "something was extracted"
    for path in after:
        assert is_within(target, path) or path in (tmp_path / "a", target), path
    assert (target / "product" / "ok.txt").read_text() == "fine"
    assert (target / "product" / "_CON.txt").read_text() == "reserved"
    assert (target / "evil.txt").read_text() == "parent"  # '..' dropped: it lands inside
    assert not (target / "product" / "link").exists()  # links are skipped
    assert all(is_within(target, p) for p in created)
    assert not list(target.glob(".*extracting"))


def test_extract_the_real_sentinel2_product_into_its_own_folder(tmp_path):
    # this archive holds GRANULE/ and MTD_MSIL1C.xml at its root, without the .SAFE folder
    name = "S2A_MSIL1C_20180101T105441_N0206_R051_T31TDH_20180101T124911.SAFE"
    created = extract_zip(fixture_path(S2_ZIP), tmp_path, wrap=name)
    assert created == [tmp_path / name]
    assert (tmp_path / name / "MTD_MSIL1C.xml").is_file()
    assert (tmp_path / name / "GRANULE").is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_wrap_keeps_an_archive_that_already_has_one_top_folder(tmp_path):
    archive = tmp_path / "p.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("X.SAFE/MTD.xml", "<x/>")
    assert extract_zip(archive, tmp_path / "out", wrap="ignored.SAFE") == [tmp_path / "out" / "X.SAFE"]


def test_extract_does_not_replace_existing_data_unless_asked(tmp_path):
    archive = tmp_path / "p.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("product/new.txt", "new")
    (tmp_path / "out" / "product").mkdir(parents=True)
    (tmp_path / "out" / "product" / "mine.txt").write_text("user data")
    with pytest.raises(UnsafePathError):
        extract_zip(archive, tmp_path / "out")
    assert (tmp_path / "out" / "product" / "mine.txt").read_text() == "user data"
    extract_zip(archive, tmp_path / "out", overwrite=True)
    assert (tmp_path / "out" / "product" / "new.txt").read_text() == "new"


def test_a_broken_archive_leaves_nothing_half_extracted(tmp_path):
    archive = tmp_path / "broken.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("product/a.txt", "a" * 1000)
        zf.writestr("product/b.txt", "b" * 1000)
    data = bytearray(archive.read_bytes())
    index = data.rfind(b"b" * 1000)
    data[index + 10] ^= 0xFF  # the second member's bytes no longer match its CRC
    archive.write_bytes(bytes(data))
    with pytest.raises(EOPortalsError):
        extract_zip(archive, tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_members_that_clash_once_made_safe_are_refused_not_crashing(tmp_path):
    """Found by hypothesis: 'c:\\' (a folder once made safe) and 'c:\\....' (a file of the same safe name)."""
    import zipfile

    archive = tmp_path / "clash.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("c:\\", "a")
        zipped.writestr("c:\\....", "b")
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(UnsafePathError, match="clashes with another member"):
        extract_zip(archive, folder, overwrite=True)
    assert list(folder.iterdir()) == []  # nothing half-extracted left behind
