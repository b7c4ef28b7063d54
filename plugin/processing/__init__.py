"""Processing provider and algorithms of EO Portals, for the toolbox, models, batch mode and qgis_process."""
