"""The QGIS layer of EO Portals (widgets, tasks, Processing) over the pure core in `plugin/core`."""
