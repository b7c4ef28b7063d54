"""Only the pixels you need: area subsets of cloud-optimised assets, and index statistics over parcels.

    access = Access(http_settings, authenticator)               # one per portal (signing, tokens, proxy, CAs)
    result = subset_product(product, ["B04", "B08", "SCL"], area, folder, access_for=lambda portal: access)
    result.path, result.bytes_read, result.full_size             # one COG; "1.2 MB read instead of 240 MB"

    for point in time_series(products, parcels, "NDVI", None, access_for=...):   # results as they come
        point.parcel, point.date, point.mean, point.median, point.std, point.valid, point.valid_fraction

How (GDAL does all the reading; Qt and QGIS are never imported here):

- A band's asset is found in the product's assets by the band's aliases (`bands.py`); an asset counts as a COG
  when it is a GeoTIFF over http(s). Products without COGs (CDSE and GEODES zips, DHuS) are clipped from the
  downloaded archive instead (`subset_product(..., archive=path)`, bands found by file name in the zip).
- The area (EPSG:4326, possibly in two parts across the antimeridian) is transformed into the asset's own CRS;
  its bounding box, snapped to the grid of the finest chosen band, is the window. Bands on that grid are read
  pixel for pixel (``ReadRaster`` of the window: GDAL fetches only the COG blocks it covers, through
  ``/vsicurl/``); bands of another resolution are resampled onto it (``gdal.Warp``, method changeable; class
  bands such as SCL always nearest).
- Remote reads carry the portal's signing (SAS, THEIA), headers (API key, bearer token, Basic, in a
  ``/vsimem/`` header file, never in a path) and QGIS's proxy, CA bundle and user agent as thread-local GDAL
  options, so parallel reads of different portals never mix settings. Bytes and requests are counted from
  GDAL's own ``VSICURL`` debug lines, in the reading thread only.
- Failures: a 401/403 (expired SAS or signature, token) re-signs and retries; a cut connection retries; a
  server that ignores Range is read once whole into a temporary file (and said so in the result).
- The COG is written to ``<name>.part`` and renamed when complete; the product's name, date, cloud cover and
  portal go in its metadata, each band's name, nodata, scale and offset in the band.
- Statistics: per parcel, the pixels whose centre is inside the parcel (a parcel smaller than a pixel: the
  pixels it touches), minus those the chosen mask classes exclude and those with no data, give mean, median,
  population standard deviation, valid count and valid fraction. The pixel math is plain Python over
  ``array`` buffers (a parcel window is small; `bench/subset_bench.py` measures it).

The steps, one module each: `access` (a portal's access as GDAL options, reading, counting, failures), `assets`
(which files hold the bands), `grid` (the window and the grid bands are read onto), `write` (one product's
subset as a COG), `series` (statistics over parcels, the time series).
"""
from .access import Access, Cancelled, ReadStats, require_gdal
from .assets import BandFile, archive_bands, cog_bands, is_cog_asset
from .series import Parcel, ProductRead, SeriesPoint, SeriesRun, parcel_statistics, time_series
from .write import SubsetResult, human_bytes, safe_file_name, subset_product

__all__ = [
    "Access", "BandFile", "Cancelled", "Parcel", "ProductRead", "ReadStats", "SeriesPoint", "SeriesRun",
    "SubsetResult", "archive_bands", "cog_bands", "human_bytes", "is_cog_asset", "parcel_statistics",
    "require_gdal", "safe_file_name", "subset_product", "time_series",
]
