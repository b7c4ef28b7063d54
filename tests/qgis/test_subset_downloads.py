""""Area of interest only" from the Downloads tab: the drawn area and a band preset go through the plugin's queue as
subset jobs; the row says what was read instead of the whole files, the file is the exact window of the real COG
fixtures (served on loopback, tests/support/cogs.py), and without a drawn area nothing is queued."""
from __future__ import annotations

import uuid

from shapely import wkt
from shapely.geometry import box

from plugin.core.download.job import State
from tests.core.test_subset import check_subset_is_exact, to_lonlat, to_utm
from tests.qgis.test_downloads import make_dock, plugin_env  # noqa: F401 (fixtures)
from tests.support.cog_server import CogServer
from tests.support.cogs import S2_CLEAR, scene_file, served_product, utc
from tests.support.qt_wait import wait_until


def test_area_of_interest_only_from_the_downloads_tab(make_dock, tmp_path):
    dock, controller = make_dock()
    panel = controller.panel
    area = to_lonlat(box(250040, 2750070, 253330, 2753050), 32629)
    with CogServer() as server:
        products = [served_product(server, S2_CLEAR, utc(2020, 3, day), prefix="/" + uuid.uuid4().hex[:8])
                    for day in (1, 6)]
        panel.area_only_check.setChecked(True)
        assert panel.request_subset(products) == []  # nothing drawn yet
        assert "Draw an area of interest first" in panel.summary_label.text()
        assert dock.form.aoi.set_wkt(area.wkt)
        panel.bands_combo.setCurrentIndex(panel.bands_combo.findData("ndvi"))
        assert panel.subset_options.isVisibleTo(panel)  # resampling and archive choices shown with the option
        panel.resampling_combo.setCurrentIndex(panel.resampling_combo.findData("bilinear"))
        panel.request(products)  # what the Download button of the results calls
        assert wait_until(lambda: len(controller.jobs()) == 2 and all(
            j.state in (State.DONE, State.FAILED) for j in controller.jobs()), timeout=60)
    jobs = controller.jobs()
    assert all(j.state is State.DONE for j in jobs), [j.error_text for j in jobs]
    for job in jobs:
        assert job.subset["bands"] == ["ndvi"] and job.subset["resampling"] == "bilinear"
        assert job.subset["keep_archive"] is True
        sent = wkt.loads(job.subset["area"])  # the area as the panel handed it over (EPSG:4326)
        assert sent.hausdorff_distance(area) < 1e-6  # degrees: a tenth of a metre
        check_subset_is_exact(job.files[0], 1, scene_file(S2_CLEAR, "red"), to_utm(sent, 32629))
        row = panel.row(job.id)
        assert row.describe(job).endswith(" read instead of 4.8 MB")
