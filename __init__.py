"""QGIS entry point of EO Portals: nothing but `classFactory`, so loading the folder costs nothing."""


def classFactory(iface):  # noqa: N802 (name required by QGIS)
    """Create the plugin object for QGIS (the import happens only when QGIS asks for it)."""
    from .plugin.main import EOPortalsPlugin

    return EOPortalsPlugin(iface)
