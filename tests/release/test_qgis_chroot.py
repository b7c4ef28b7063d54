"""Deleting the QGIS chroot never deletes through a mount: while the tests run, its /dev is the host's /dev bound
inside, and `rm -rf` would empty the host's /dev. `qgis_chroot.sh remove` unmounts first.

The test binds a folder of its own (with a file standing for the device nodes), never the real /dev.
"""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.release.checks import ROOT

TOOL = ROOT / "tests" / "tools" / "qgis_chroot.sh"


@pytest.fixture
def can_mount():
    if os.name != "posix" or os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("binding a folder needs root on Linux (as `make test` runs in CI)")


def _mounted(path) -> bool:
    with open("/proc/self/mountinfo", encoding="utf-8") as handle:
        return any(line.split()[4] == str(path) for line in handle)


@pytest.mark.usefixtures("can_mount")
def test_remove_unmounts_a_bound_dev_and_leaves_what_it_pointed_to(tmp_path):
    host_dev = tmp_path / "host-dev"
    host_dev.mkdir()
    (host_dev / "null").write_text("stands for a device node", encoding="utf-8")
    chroot = tmp_path / "chroot"
    (chroot / "dev").mkdir(parents=True)
    (chroot / "etc").mkdir()
    (chroot / "etc" / "hostname").write_text("chroot", encoding="utf-8")
    subprocess.run(["mount", "--bind", str(host_dev), str(chroot / "dev")], check=True)
    try:
        assert _mounted(chroot / "dev")
        removed = subprocess.run(["bash", str(TOOL), "remove", str(chroot)], capture_output=True, text=True,
                                 timeout=60)
        assert removed.returncode == 0, removed.stderr
    finally:
        if _mounted(chroot / "dev"):
            subprocess.run(["umount", "-l", str(chroot / "dev")], check=False)
    assert not chroot.exists()
    assert (host_dev / "null").read_text(encoding="utf-8") == "stands for a device node"


@pytest.mark.usefixtures("can_mount")
def test_make_clean_refuses_while_something_is_mounted_in_the_checkout(tmp_path):
    checkout = tmp_path / "checkout"
    (checkout / "build" / "mnt").mkdir(parents=True)
    shutil.copy(ROOT / "Makefile", checkout / "Makefile")
    shutil.copy(ROOT / "metadata.txt", checkout / "metadata.txt")
    keep = tmp_path / "keep"
    keep.mkdir()
    (keep / "file").write_text("kept", encoding="utf-8")
    subprocess.run(["mount", "--bind", str(keep), str(checkout / "build" / "mnt")], check=True)
    try:
        refused = subprocess.run(["make", "-C", str(checkout), "distclean"], capture_output=True, text=True,
                                 timeout=60)
        assert refused.returncode != 0
        assert "Something is mounted under" in refused.stderr
    finally:
        subprocess.run(["umount", "-l", str(checkout / "build" / "mnt")], check=False)
    assert (keep / "file").read_text(encoding="utf-8") == "kept"
