"""What a first-time user hit in the panel (issue 10), driven the way they did: through its widgets, the map and
the default 350 px dock, against portals replaying their real recorded answers on loopback."""
from __future__ import annotations

import dataclasses
import json
import re

import pytest
from qgis.core import Qgis, QgsMapRendererSequentialJob, QgsMapSettings, QgsProject, QgsRectangle, QgsSettings
from qgis.gui import QgsMessageBar
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor, QFont, QImage
from qgis.PyQt.QtWidgets import QApplication, QTextBrowser, QTextEdit, QToolButton, QVBoxLayout, QWidget

from plugin import log
from plugin import settings as prefs
from plugin.core.reducers import Reducer, reduce_products
from plugin.core.search import Outcome
from plugin.ui.dock import EOPortalsDock
from plugin.ui.results_model import PRODUCT_ROLE, Column
from tests.qgis.test_dock import (  # noqa: F401 (fixtures)
    jpeg_bytes, make_dock, offline, prepare, searched, searched_once, wait_for_search,
)
from tests.support.fixtures import fixture_bytes
from tests.support.portals import many_products, recorded_portals
from tests.support.qt_wait import spin, wait_until

BASE_REAL = "https://catalogue.dataspace.copernicus.eu/odata/v1"


def paged_portal(rp, tmp_path, monkeypatch, failing_skips=(), status=404):
    """CDSE's recorded paging (pages of 10 records, by $skip) as a loopback OData portal "Paged OData"; the pages
    at `failing_skips` answer HTTP `status` (404 by default)."""
    pages = [fixture_bytes(f"cdse_odata/paging/page_{n}.json") for n in range(1, 6)]
    root = rp.server.url + "/paged/odata/v1"

    def answer(request):
        skip = int(request.query.get("$skip", "0"))
        if skip in failing_skips:
            return status, {"Content-Type": "application/json"}, b'{"detail": "Not Found"}'
        return 200, {"Content-Type": "application/json"}, pages[skip // 10].replace(BASE_REAL.encode(), root.encode())

    rp.server.add("GET", "/paged/odata/v1/Products", handler=answer)
    catalog = json.loads(rp.catalog_path.read_text())
    catalog["paged"] = {"title": "Paged OData", "protocol": "odata", "url": root,
                        "collections": {"S1_SAR_GRD": {"collection": "SENTINEL-1"}}}
    path = tmp_path / "paged_catalog.json"
    path.write_text(json.dumps(catalog))
    monkeypatch.setenv("EO_PORTALS_CATALOG", str(path))
    QgsSettings().setValue("eo_portals/search/limit", 10)
    return [len(json.loads(p)["value"]) for p in pages]


# ---- 4. Load more --------------------------------------------------------------------------------------
def test_load_more_lines_count_every_page_and_a_later_failure_keeps_the_earlier_pages(make_dock, tmp_path,
                                                                                       monkeypatch):
    with recorded_portals(tmp_path, ["earth_search"]) as rp:
        sizes = paged_portal(rp, tmp_path, monkeypatch, failing_skips=(20,))
        dock = make_dock()
        prepare(dock, ["paged"], collection="S1_SAR_GRD")
        assert dock.start_search()
        wait_for_search(dock)
        assert re.fullmatch(rf"Paged OData: {sizes[0]} products(, more pages available \(\d+ match\))?",
                            dock.run.status_lines()[0])
        dock.run.load_more_button.click()
        wait_for_search(dock)
        so_far = sizes[0] + sizes[1]
        assert dock.results.model.rowCount() == so_far
        [line] = dock.run.status_lines()
        assert re.fullmatch(rf"Paged OData: {so_far} products(, more pages available \(\d+ match\))?", line), line
        tooltip = dock.run.status_list.item(0).toolTip()
        assert line not in tooltip and "2 page(s)" in tooltip, tooltip
        # the third page fails: the line still counts the two pages that came, and says the next one failed
        dock.run.load_more_button.click()
        wait_for_search(dock)
        assert dock.results.model.rowCount() == so_far
        [line] = dock.run.status_lines()
        assert re.fullmatch(rf"Paged OData: {so_far} products(, more pages available \(\d+ match\))?; "
                            r"the next page failed \(.*404.*\), the earlier pages are kept", line), line
        assert line not in dock.run.status_list.item(0).toolTip()


# ---- 5. a broken catalog file ----------------------------------------------------------------------------
@pytest.mark.parametrize("where", ["EO_PORTALS_CATALOG", "profile"])
def test_a_broken_catalog_file_is_said_when_the_panel_opens_and_before_a_search(where, make_dock, tmp_path,
                                                                              monkeypatch, qgis_iface):
    if where == "profile":  # the catalog.json of the QGIS profile, where the Portals dialog writes
        monkeypatch.delenv("EO_PORTALS_CATALOG", raising=False)
        monkeypatch.setattr(prefs, "profile_folder", lambda: tmp_path / "profile" / "eo_portals")
        broken = prefs.profile_folder() / "catalog.json"
        broken.parent.mkdir(parents=True)
    else:
        broken = tmp_path / "my catalog.json"
        monkeypatch.setenv("EO_PORTALS_CATALOG", str(broken))
    broken.write_text('{\n  "cdse": {"url": "https://example.invalid"},,\n}\n', encoding="utf-8")
    dock = make_dock()
    assert qgis_iface.messageBar().get_messages(1) == []
    dock.show()
    [said] = qgis_iface.messageBar().get_messages(1)
    assert str(broken) in said and "line 2" in said and "built-in portals" in said
    qgis_iface.messageBar().clear_messages()
    prepare(dock, ["earth_search"])
    assert dock.start_search()  # to the built-in hosts, through the test's closed proxy: it fails at once
    dock.run.cancel()
    said = qgis_iface.messageBar().get_messages(1)
    assert said and str(broken) in said[0] and "line 2" in said[0]
    wait_for_search(dock)
    dock.hide()


# ---- 6. "Show on map" ------------------------------------------------------------------------------------
def map_pixel(center, size: int = 101) -> QColor:
    """The colour the map draws at `center` (lon, lat): every layer of the project, in the layer tree's order."""
    settings = QgsMapSettings()
    settings.setLayers(QgsProject.instance().layerTreeRoot().layerOrder())
    settings.setDestinationCrs(settings.layers()[0].crs())
    x, y = center
    settings.setExtent(QgsRectangle(x - 0.01, y - 0.01, x + 0.01, y + 0.01))
    settings.setOutputSize(QSize(size, size))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    return job.renderedImage().pixelColor(size // 2, size // 2)


def test_show_on_map_puts_the_quicklook_above_the_selected_footprint(make_dock, tmp_path, monkeypatch):
    image = QImage(120, 80, QImage.Format.Format_RGB32)
    image.fill(QColor(30, 60, 200))  # blue: nothing like the yellow of a selected footprint
    with recorded_portals(tmp_path, ["planetary_computer"]) as rp:
        rp.server.add("GET", "/previews/quicklook.jpg", jpeg_bytes(image), content_type="image/jpeg")
        monkeypatch.setenv("EO_PORTALS_CATALOG", str(rp.catalog_path))
        dock = make_dock()
        prepare(dock, ["planetary_computer"])
        assert dock.start_search()
        wait_for_search(dock)
        product = dock.results.proxy.index(0, 0).data(PRODUCT_ROLE)
        url = rp.server.url + "/previews/quicklook.jpg"
        product.quicklook = url
        for source in product.sources:
            source.quicklook = url
        shown = []
        dock.quicklook.shown.connect(shown.append)
        dock.results.table.selectRow(0)  # the footprint is selected on the map: filled yellow
        assert wait_until(lambda: shown == [url], 10)
        center = product.footprint.envelope.centroid.coords[0]
        before = map_pixel(center)
        assert before.red() > 200 and before.green() > 200 and before.blue() < 100  # the yellow selection
        dock.quicklook.show_on_map_button.click()
        seen = map_pixel(center)
        assert seen.blue() > 150 and seen.red() < 100, seen.name()  # the quicklook, not the yellow selection


# ---- 9. panel and map agree ------------------------------------------------------------------------------
def test_the_text_filter_and_reduce_apply_to_the_map_and_the_quicklook_pane(make_dock, tmp_path, monkeypatch):
    dock = searched_once(make_dock, tmp_path, monkeypatch)
    results = dock.results
    layer = results.footprints.layer
    total = results.model.rowCount()
    assert layer.featureCount() == total > 2
    # the user looks at one product, then types a tile that is not its own
    results.table.selectRow(0)
    looked_at = results.proxy.index(0, 0).data(PRODUCT_ROLE)
    assert dock.quicklook.product is looked_at
    other_tile = next(p.tile for p in results.products() if p.tile and p.tile != looked_at.tile)
    results.filter_edit.setText(other_tile)
    shown = results.proxy.rowCount()
    assert 0 < shown < total
    assert wait_until(lambda: layer.featureCount() == shown, 5), (layer.featureCount(), shown)
    assert dock.quicklook.product is None and dock.quicklook.title.full_text() == ""
    # the filter cleared: every footprint is back
    results.filter_edit.clear()
    assert wait_until(lambda: layer.featureCount() == total, 5)
    # a second page brings another product of every tile (what the search task delivers on the main thread)
    more = many_products(results.products(), total)
    dock.run._on_outcome(Outcome("planetary_computer", "Planetary Computer", count=len(more)), more)
    wait_for_search(dock)
    total = results.model.rowCount()
    assert layer.featureCount() == total
    # Reduce while the user looks at a product the reduction leaves out
    survivors = {p.identity for p in reduce_products(results.products(), Reducer.LEAST_CLOUDY_PER_TILE)}
    gone = next(p for p in results.products() if p.identity not in survivors)
    results.select_products([gone.identity])
    assert dock.quicklook.product is gone
    results.least_cloudy_action.trigger()
    reduced = results.model.rowCount()
    assert reduced == len(survivors) < total and layer.featureCount() == reduced
    assert dock.quicklook.product is None
    # the reduction is shown
    assert results.reduce_button.isChecked()
    assert results.count_label.text() == f"{reduced} products (least cloudy per tile, of {total} found)"
    results.all_results_action.trigger()
    assert layer.featureCount() == total and not results.reduce_button.isChecked()
    assert results.count_label.text() == f"{total} products"


def test_the_text_filter_finds_what_a_later_answer_adds_to_a_row(make_dock, tmp_path, monkeypatch):
    """The filter keeps each row's text to re-filter fast as the user types: a row merged with another portal's
    answer is read again."""
    dock = searched_once(make_dock, tmp_path, monkeypatch)
    results = dock.results
    results.filter_edit.setText("earth search")
    assert results.proxy.rowCount() == 0
    # Earth Search answers with one of the products (its own record of it): the row now lists both portals
    twin = results.products()[0].copy()
    for version in twin.versions:
        version.sources = [dataclasses.replace(source, portal="earth_search") for source in version.sources]
    dock.run._on_outcome(Outcome("earth_search", "Earth Search", count=1), [twin])
    wait_for_search(dock)
    assert results.proxy.rowCount() == 1
    assert results.proxy.index(0, 0).data(PRODUCT_ROLE).identity == twin.identity
    assert wait_until(lambda: results.footprints.layer.featureCount() == 1, 5)


# ---- 10. one results layer per panel ---------------------------------------------------------------------
def scratch_layers_qgis_asks_about(project) -> list:
    """The layers QGIS names when it asks about "temporary scratch layers" at exit (QgisApp::checkMemoryLayers:
    memory layers holding features, without the skipMemoryLayersCheck property)."""
    return sorted(layer.name() for layer in project.mapLayers().values()
                  if layer.providerType() == "memory" and layer.featureCount()
                  and not int(layer.customProperty("skipMemoryLayersCheck", 0) or 0))


def test_each_search_replaces_the_results_layer_unless_the_user_keeps_it(make_dock, tmp_path, monkeypatch):
    project = QgsProject.instance()
    with recorded_portals(tmp_path, ["planetary_computer"]) as rp:
        monkeypatch.setenv("EO_PORTALS_CATALOG", str(rp.catalog_path))
        dock = make_dock()
        prepare(dock, ["planetary_computer"])
        for _search in range(3):
            assert dock.start_search()
            wait_for_search(dock)
            dock.results.table.selectRow(0)
        layers = [layer for layer in project.mapLayers().values() if layer.providerType() == "memory"]
        assert [layer.id() for layer in layers] == [dock.results.footprints.layer.id()]
        assert scratch_layers_qgis_asks_about(project) == []
        # the user keeps this one: it stays, under a name of its own, and the next search makes a new one
        kept = dock.results.footprints.layer
        dock.results.keep_layer_action.trigger()
        assert kept.name().endswith("(kept)")
        assert not dock.results.keep_layer_action.isEnabled()
        assert dock.start_search()
        wait_for_search(dock)
    names = sorted(layer.name() for layer in project.mapLayers().values() if layer.providerType() == "memory")
    assert len(names) == 2 and kept.name() in names
    assert dock.results.footprints.layer.name() != kept.name()
    assert kept.selectedFeatureCount() <= 1
    # QGIS asks about the layer the user chose to keep (it may want saving), never about the panel's own
    assert scratch_layers_qgis_asks_about(project) == [kept.name()]


def test_closing_the_panel_with_the_plugin_takes_its_results_layer_away_and_leaves_the_kept_one(
        make_dock, tmp_path, monkeypatch):
    """Unloading the plugin (Plugin Reloader, the plugin manager) left the panel's results layer in the project; the
    next panel added another of the same name, out of step with any table."""
    project = QgsProject.instance()
    with searched(make_dock, tmp_path, monkeypatch) as dock:
        kept = dock.results.footprints.layer
        dock.results.keep_layer_action.trigger()
        assert dock.start_search()
        wait_for_search(dock)
        own = dock.results.footprints.layer.id()
        dock.shutdown()  # what the plugin's unload() does
        assert own not in project.mapLayers()
        assert [layer.name() for layer in project.mapLayers().values() if layer.providerType() == "memory"] \
            == [kept.name()]
        assert project.layerTreeRoot().findGroup("EO Portals") is not None  # it holds the kept layer
        project.removeMapLayer(kept.id())

        second = make_dock()  # the plugin loaded again; nothing kept this time
        prepare(second, ["planetary_computer"])
        assert second.start_search()
        wait_for_search(second)
        assert second.results.footprints.layer is not None
        second.shutdown()
    assert [layer for layer in project.mapLayers().values() if layer.providerType() == "memory"] == []
    assert project.layerTreeRoot().findGroup("EO Portals") is None


# ---- 11. the default 350 px dock -------------------------------------------------------------------------
def narrow(dock, height: int = 700):
    """The panel as QGIS docks it by default: 350 px wide, in QGIS's default font (9 pt), shown."""
    dock.setFont(QFont("DejaVu Sans", 9))
    dock.resize(350, height)
    dock.show()
    return dock


def test_at_350_px_the_table_shows_the_portals_and_the_user_chooses_the_columns(make_dock, tmp_path, monkeypatch):
    dock = searched_once(lambda: narrow(make_dock()), tmp_path, monkeypatch)
    table = dock.results.table
    header, width = table.horizontalHeader(), table.viewport().width()
    assert width < 350
    shown = [c for c in range(Column.COUNT) if not table.isColumnHidden(c)]
    assert shown == [Column.DATE, Column.CLOUD, Column.TILE, Column.PORTALS, Column.TITLE]
    # date, cloud and tile whole, the portals column in sight without scrolling
    for column in (Column.DATE, Column.CLOUD, Column.TILE):
        assert header.sectionViewportPosition(column) + header.sectionSize(column) <= width
    assert header.sectionViewportPosition(Column.PORTALS) + 40 < width
    # a right click on the header lists the columns: the user shows the platform again, and it stays so
    menu = dock.results.column_menu()
    [platform] = [a for a in menu.actions() if a.text() == "Platform"]
    assert platform.isCheckable() and not platform.isChecked()
    platform.trigger()
    assert not table.isColumnHidden(Column.PLATFORM)
    dock.hide()
    again = make_dock()
    assert not again.results.table.isColumnHidden(Column.PLATFORM)
    assert again.results.table.isColumnHidden(Column.ORBIT)


def test_at_350_px_the_quicklook_has_room_and_grows_with_the_panel(make_dock):
    dock = narrow(make_dock())
    wait_until(lambda: dock.quicklook.view.height() > 0, 2)
    first = dock.quicklook.view.height()
    assert first >= 170, first
    dock.resize(350, 1000)
    assert wait_until(lambda: dock.quicklook.view.height() > first + 50, 2), (first, dock.quicklook.view.height())
    dock.hide()


def test_at_350_px_a_long_portal_line_wraps_instead_of_being_cut(make_dock, tmp_path, monkeypatch):
    with recorded_portals(tmp_path, ["earth_search"]) as rp:
        paged_portal(rp, tmp_path, monkeypatch, failing_skips=(10,))
        dock = narrow(make_dock(), 800)
        prepare(dock, ["paged"], collection="S1_SAR_GRD")
        assert dock.start_search()
        wait_for_search(dock)
        dock.run.load_more_button.click()
        wait_for_search(dock)
    status = dock.run.status_list
    [line] = dock.run.status_lines()
    assert status.fontMetrics().horizontalAdvance(line) > status.viewport().width()  # it cannot fit on one line
    assert wait_until(lambda: status.visualItemRect(status.item(0)).height() >= 2 * status.fontMetrics().height(), 2)
    rect = status.visualItemRect(status.item(0))
    assert rect.top() >= 0 and rect.bottom() <= status.viewport().height(), (rect, status.viewport().height())
    dock.hide()


class WindowIface:
    """QGIS's interface with a real message bar above a map area 1000 px wide, as in QGIS's window."""

    def __init__(self, qgis_iface):
        self._iface = qgis_iface
        self.window = QWidget()
        self.window.resize(1000, 200)
        layout = QVBoxLayout(self.window)
        self.bar = QgsMessageBar(self.window)
        layout.addWidget(self.bar)
        layout.addStretch(1)
        self.window.show()

    def mapCanvas(self):  # noqa: N802 (QGIS's name)
        return self._iface.mapCanvas()

    def messageBar(self):  # noqa: N802
        return self.bar

    def mainWindow(self):  # noqa: N802
        return self.window

    def activeLayer(self):  # noqa: N802
        return None


def test_a_message_longer_than_the_bar_is_not_cut(make_dock, tmp_path, monkeypatch, qgis_iface):
    folder = tmp_path / "Mes documents" / "QGIS" / "profils" / "défaut" / "eo_portals" / "catalogues partagés"
    folder.mkdir(parents=True)
    broken = folder / "catalogue des portails de l'équipe.json"
    broken.write_text('{\n  "cdse": {"url": "https://example.invalid"},,\n}\n', encoding="utf-8")
    monkeypatch.setenv("EO_PORTALS_CATALOG", str(broken))
    iface = WindowIface(qgis_iface)
    dock = EOPortalsDock(iface)
    try:
        dock.resize(350, 700)
        dock.show()
        spin(100)
        item = iface.bar.currentItem()
        assert item is not None and item.level() == Qgis.MessageLevel.Warning
        shown = item.findChild(QTextEdit)
        assert wait_until(lambda: shown.document().size().height() <= shown.viewport().height(), 2), \
            (item.text(), shown.document().size().height(), shown.viewport().height())
        assert "catalog" in item.text()
        # the whole message, file and line, behind "Show more"
        viewers = [w for w in QApplication.topLevelWidgets() if w.findChild(QTextBrowser) is not None
                   and str(broken) in w.findChild(QTextBrowser).toPlainText()]
        assert viewers and "line 2" in viewers[-1].findChild(QTextBrowser).toPlainText()
        assert isinstance(item.widget(), QToolButton)
    finally:
        dock.shutdown()
        dock.deleteLater()
        iface.window.close()
        iface.window.deleteLater()
        spin(20)


def test_on_a_768_px_laptop_screen_the_table_keeps_rows_in_sight_after_a_search(make_dock, tmp_path, monkeypatch):
    """Real QGIS on a 1366x768 screen gives the dock about 640 px: after a search with three portals, their lines
    took the results' room and the table showed one row of 35. The filters (which scroll) and then the quicklook
    give up height so that several rows show; the Search button and the quicklook stay in sight."""
    portals = ["planetary_computer", "earth_search", "cdse_stac"]
    with recorded_portals(tmp_path, portals) as rp:
        monkeypatch.setenv("EO_PORTALS_CATALOG", str(rp.catalog_path))
        dock = narrow(make_dock(), 640)
        prepare(dock, portals)
        assert dock.start_search()
        wait_for_search(dock)
        spin(100)
    table = dock.results.table
    assert len(dock.run.status_lines()) == 3 and dock.results.proxy.rowCount() > 10
    rows_in_sight = table.viewport().height() // table.verticalHeader().defaultSectionSize()
    assert rows_in_sight >= 4, (rows_in_sight, dock.splitter.sizes())
    assert dock.run.search_button.isVisible() and dock.run.search_button.visibleRegion().boundingRect().height() \
        == dock.run.search_button.height()
    assert dock.quicklook.view.height() >= 100, dock.quicklook.view.height()
    dock.hide()


def test_a_message_cut_to_the_bar_ends_on_a_whole_word(qgis_iface):
    """Real QGIS at 1366x768 showed "Your portal catalog is not used, searches go to th…": the lead of a long
    message ends on a whole word, at any width of the map's message bar."""
    text = ("Your portal catalog is not used, searches go to the built-in portals: The portal catalog file "
            "/home/user/catalog.json is not valid JSON (line 3: Expecting property name enclosed in double quotes).")
    window = QWidget()
    layout = QVBoxLayout(window)
    bar = QgsMessageBar()
    layout.addWidget(bar)
    bar.setFont(QFont("DejaVu Sans", 9))
    try:
        cut = 0
        for width in range(420, 1000, 7):
            window.resize(width, 100)
            lead = log.message_lead(bar, "EO Portals", text)
            if not lead:
                continue
            assert lead.endswith("…"), lead
            words = lead[:-1]
            assert text.startswith(words) and words.strip(), (width, lead)
            assert text[len(words)] in " :,(", (width, lead)
            assert words[-1] not in " ,:", (width, lead)
            cut += 1
        assert cut > 20
    finally:
        window.deleteLater()


def test_after_a_later_page_failed_load_more_is_offered_only_where_trying_again_may_help(make_dock, tmp_path,
                                                                                        monkeypatch):
    """Real QGIS: once the third page failed (HTTP 404), the line still said "more pages available (47 match)" but
    Load more was gone. A page that may come on a second try (a server error) keeps Load more, which asks that
    page again; one that would fail the same way (404) no longer promises more pages."""
    for status, retried in ((503, True), (404, False)):
        with recorded_portals(tmp_path / str(status), ["earth_search"]) as rp:
            sizes = paged_portal(rp, tmp_path, monkeypatch, failing_skips=(20,), status=status)
            dock = make_dock()
            prepare(dock, ["paged"], collection="S1_SAR_GRD")
            assert dock.start_search()
            wait_for_search(dock)
            for _page in range(2):
                dock.run.load_more_button.click()
                wait_for_search(dock)
            assert dock.results.model.rowCount() == sizes[0] + sizes[1]
            [line] = dock.run.status_lines()
            assert "the next page failed" in line and f"{status}" in line, line
            button = dock.run.load_more_button
            assert ("more pages available" in line) is retried, line
            assert (not button.isHidden() and button.isEnabled()) is retried
            if retried:
                asked = len(rp.server.received("GET", "/paged/odata/v1/Products"))
                button.click()
                wait_for_search(dock)
                again = rp.server.received("GET", "/paged/odata/v1/Products")[asked:]
                assert [r.query.get("$skip") for r in again] == ["20"]
            dock.hide()
