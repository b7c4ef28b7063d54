"""The pure-Python core of EO Portals: no Qt, no QGIS.

Everything here runs in a plain Python process (tests, benchmarks, Processing algorithms).
"""
