"""A failed download's row as a first-time user met it (issue 10, items 2, 3 and 12), driven through the panel:
the default dock width, a folder that cannot be written, Retry after choosing another folder, a full disk.

A read-only file system is simulated at the one place the engine opens its .part file (the tests run as root,
for whom a folder's permissions mean nothing); the free space of a disk at the one place it is asked.
"""
from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from qgis.PyQt.QtCore import QPoint, QRect
from qgis.PyQt.QtWidgets import QApplication, QMessageBox, QPushButton, QTextBrowser, QTextEdit, QToolButton

import plugin.core.download.fetch as fetch_step
from plugin.core.download.job import State
from tests.qgis.test_downloads import (  # noqa: F401 (fixtures)
    A, B, add_slow, dhus, make_dock, md5_of, plugin_env, wait_until,
)
from tests.qgis.test_panel_first_use import WindowIface
from tests.qgis.test_plugin_lifecycle import qgis_window  # noqa: F401 (fixture of test_downloads' fixtures)
from tests.support.qt_wait import spin
from tests.support.shots import save_picture

DOCK_WIDTH = 350  # QGIS's default dock width


@pytest.fixture
def read_only(monkeypatch):
    """Folders whose files cannot be written, as on a read-only disk: add folders to the returned set."""
    folders = set()
    real_open = fetch_step._open_part

    def open_part(path: Path, append: bool):
        if any(Path(path).is_relative_to(folder) for folder in folders):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, append)

    monkeypatch.setattr(fetch_step, "_open_part", open_part)
    return folders


def shown(label) -> str:
    """A label's text as the user reads it (without the invisible break opportunities)."""
    return label.text().replace("\u200b", "")


def in_view(widget, scroll_area) -> bool:
    """Whether `widget` is visible and wholly inside the scroll area's viewport (the user sees all of it)."""
    viewport = scroll_area.viewport()
    top_left = widget.mapTo(viewport, QPoint(0, 0))
    return widget.isVisible() and viewport.rect().contains(QRect(top_left, widget.size()))


def long_folder(base: Path) -> Path:
    folder = base / "Téléchargements" / "Images satellite du projet de suivi des cultures 2023" / "Sentinel-2 L1C"
    folder.mkdir(parents=True)
    return folder


def test_a_failed_row_wraps_its_path_and_keeps_retry_and_remove_in_view_at_the_default_width(
        make_dock, plugin_env, dhus, read_only, tmp_path):
    folder = long_folder(tmp_path)
    read_only.add(folder)
    product, _, _ = add_slow(dhus, A, rate=5_000_000)
    dock, controller = make_dock()
    panel = controller.panel
    panel.folder_widget.setFilePath(str(folder))
    # the Downloads tab alone, at the default dock width (the Search tab's own width is not this test's matter)
    index = dock.tab_index(panel)
    area = dock.tabs.widget(index)
    dock.tabs.removeTab(index)
    area.takeWidget()  # out of the tab's scroll area
    panel.setParent(None)
    assert panel.minimumSizeHint().width() <= DOCK_WIDTH
    panel.resize(DOCK_WIDTH, 600)
    panel.show()
    dock.download_requested.emit([product])
    assert wait_until(lambda: controller.jobs() and controller.jobs()[0].state is State.FAILED)
    job = controller.jobs()[0]
    spin(200)  # the layout settles
    row = panel.row(job.id)
    text = shown(row.state_label)
    assert text == f"Failed: DHuS mirror: cannot write {folder / A}.zip.part: Read-only file system"
    # the row fits the panel: the long path wraps over several lines instead of widening the row
    viewport = panel.list.viewport()
    assert row.width() <= viewport.width()
    assert row.state_label.height() > 2 * row.state_label.fontMetrics().height()
    assert in_view(row.retry_button, panel.list) and in_view(row.remove_button, panel.list)
    assert panel.width() == DOCK_WIDTH
    clear = panel.clear_button
    assert clear.isVisible() and panel.rect().contains(QRect(clear.mapTo(panel, QPoint(0, 0)), clear.size()))
    save_picture(panel, "downloads-failed-row.png", tmp_path)
    panel.hide()
    panel.deleteLater()


def test_a_failure_too_long_for_the_message_bar_shows_its_lead_and_the_whole_text_behind_show_more(
        make_dock, plugin_env, dhus, read_only, tmp_path, qgis_iface):
    """The downloads' message bar entry showed "Download failed: DHuS mirror: cannot write /home/…" cut at the
    bar's edge: like the panel's own messages, it shows a lead that fits and the whole text behind "Show more",
    with its Details button still there."""
    folder = long_folder(tmp_path)
    read_only.add(folder)
    product, _, _ = add_slow(dhus, A, rate=5_000_000)
    dock, controller = make_dock()
    iface = WindowIface(qgis_iface)  # QGIS's message bar, 1000 px wide
    controller.iface = iface
    try:
        controller.panel.folder_widget.setFilePath(str(folder))
        dock.download_requested.emit([product])
        assert wait_until(lambda: iface.bar.currentItem() is not None)
        item = iface.bar.currentItem()
        whole = f"Download failed: DHuS mirror: cannot write {folder / A}.zip.part: Read-only file system"
        assert item.text() != whole and item.text().endswith("…")
        assert whole.startswith(item.text()[:-1])
        shown_text = item.findChild(QTextEdit)
        assert shown_text.document().size().height() <= shown_text.viewport().height() + 1  # one line, not cut
        more = item.findChild(QToolButton, "eoPortalsShowMoreButton")
        assert more is not None and more.text() == "Show more"
        more.defaultAction().trigger()
        viewers = [w for w in QApplication.topLevelWidgets() if w.isVisible() and w.findChild(QTextBrowser)
                   and w.findChild(QTextBrowser).toPlainText() == whole]
        assert viewers, [w.findChild(QTextBrowser).toPlainText() for w in QApplication.topLevelWidgets()
                         if w.findChild(QTextBrowser)]
        assert item.findChild(QPushButton, "eoPortalsDetailsButton").isVisible()
        for viewer in viewers:
            viewer.close()
    finally:
        iface.window.close()
        iface.window.deleteLater()


def test_retry_of_a_job_that_wrote_nothing_goes_to_the_folder_chosen_since(make_dock, plugin_env, dhus, read_only,
                                                                          tmp_path):
    stuck = tmp_path / "read-only"
    stuck.mkdir()
    read_only.add(stuck)
    product, _, content = add_slow(dhus, A, rate=5_000_000)
    _dock, controller = make_dock()
    panel = controller.panel
    panel.folder_widget.setFilePath(str(stuck))
    _dock.download_requested.emit([product])
    assert wait_until(lambda: controller.jobs() and controller.jobs()[0].state is State.FAILED)
    job = controller.jobs()[0]
    writable = tmp_path / "writable"
    panel.folder_widget.setFilePath(str(writable))  # the user fixes the folder
    panel.row(job.id).retry_button.click()
    assert panel.retry_choice is None  # nothing was written: no question to answer
    assert wait_until(lambda: controller.job(job.id).state is State.DONE), controller.job(job.id).error_text
    done = controller.job(job.id)
    assert done.files == [str(writable / f"{A}.zip")] and md5_of(done.files[0]) == content.md5()
    assert list(stuck.iterdir()) == []


def test_retry_of_a_job_with_a_partial_file_says_where_it_is_and_can_move_it(make_dock, plugin_env, dhus, tmp_path):
    product, path, content = add_slow(dhus, B, rate=400_000)
    _dock, controller = make_dock()
    panel = controller.panel
    _dock.download_requested.emit([product])
    assert wait_until(lambda: controller.jobs() and controller.jobs()[0].bytes_done > 300_000, 20)
    job_id = controller.jobs()[0].id
    panel.pause_button.click()
    assert wait_until(lambda: controller.job(job_id).state is State.PAUSED)
    part = plugin_env.folder / f"{B}.zip.part"
    kept = part.stat().st_size
    assert kept > 300_000
    elsewhere = tmp_path / "elsewhere"
    panel.folder_widget.setFilePath(str(elsewhere))
    panel.row(job_id).retry_button.click()
    box = panel.retry_choice
    assert box is not None and box.isVisible()
    assert str(plugin_env.folder) in box.text() and str(elsewhere) in box.text()
    move = next(b for b in box.buttons() if b.text() == "Move it and resume")
    assert {b.text() for b in box.buttons()} >= {"Resume where it is", "Move it and resume",
                                                 "Restart in the new folder"}
    move.click()
    assert wait_until(lambda: controller.job(job_id).folder == str(elsewhere), 5)
    panel.resume_button.click()  # "Pause all" still holds the queue
    assert wait_until(lambda: controller.job(job_id).state is State.DONE, 30), \
        (controller.job(job_id).state, controller.job(job_id).folder, controller.job(job_id).error_text)
    done = controller.job(job_id)
    assert done.files == [str(elsewhere / f"{B}.zip")] and md5_of(done.files[0]) == content.md5()
    assert not part.exists()
    # moved, not fetched again: the last request asked for the bytes after the kept ones
    assert dhus.hits(path)[-1].range_start >= kept - 300_000
    assert isinstance(box, QMessageBox)


def test_a_disk_too_small_says_the_partial_download_is_kept_only_when_something_was_written(
        make_dock, plugin_env, dhus, monkeypatch):
    real_usage = fetch_step.shutil.disk_usage
    monkeypatch.setattr(fetch_step.shutil, "disk_usage", lambda path: real_usage(path)._replace(free=2_000_000))
    product, _, _ = add_slow(dhus, A, rate=5_000_000)
    _dock, controller = make_dock()
    _dock.download_requested.emit([product])
    assert wait_until(lambda: controller.jobs() and controller.jobs()[0].state is State.FAILED)
    job = controller.jobs()[0]
    text = shown(controller.panel.row(job.id).state_label)
    assert text == (f"Failed: DHuS mirror: the disk is too full for this download ({plugin_env.folder}): 3.0 MB needed "
                    "and 17 MB kept free, 2.0 MB free; free some space and retry")
    assert not (plugin_env.folder / f"{A}.zip.part").exists()
    # with bytes already on disk from an earlier run, the same failure says they are kept
    (plugin_env.folder / f"{A}.zip.part").write_bytes(b"\0" * 1000)
    shown_before = len(controller.panel.history[job.id])
    controller.panel.row(job.id).retry_button.click()
    assert wait_until(lambda: len(controller.panel.history[job.id]) > shown_before + 1
                      and controller.job(job.id).state is State.FAILED)
    text = shown(controller.panel.row(job.id).state_label)
    assert text.endswith("free some space and retry (the partial download is kept)"), text
