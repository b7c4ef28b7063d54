"""Processing provider and algorithms of EO Portals (search, and later download), for toolbox, models and qgis_process."""
