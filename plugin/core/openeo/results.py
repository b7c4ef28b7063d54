"""A finished openEO job's results through the existing download engine (resume, verification, retries).

    product = result_product(portal, job_id, client.results(job_id), collection="S2_MSI_L2A")
    job = download_results(catalog, portal, client, product, "/data/openeo")   # a download Job, DONE or FAILED

The results document's assets become the assets of one `Product` whose only source is the back-end; the
download engine fetches them (``.part`` + Range resume, size/checksum check where the document gives one) into
a folder named after the job. Signed result URLs (CDSE) need no header; the others get the back-end's bearer,
on the back-end's own site only.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Optional

from ..auth import Accounts, Authenticator
from ..catalog import Catalog, Portal
from ..download.downloader import Downloader
from ..download.fetch import RetryPolicy
from ..download.job import Control, Job
from ..errors import ErrorKind, PortalError
from ..http import HttpSettings
from ..paths import safe_name
from ..product import Product, Source, Version
from .client import BearerAuth, OpenEOClient, result_assets


def result_product(portal: Portal, job_id: str, document: Dict[str, Any], collection: str = "",
                   title: str = "") -> Product:
    """The job's results as a product with one source (the back-end) holding every result file as an asset."""
    assets = result_assets(document)
    if not assets:
        raise PortalError(portal.title, f"the job {job_id} finished without any result file to download",
                          ErrorKind.PARSE)
    name = safe_name(title or f"openEO_{job_id}", fallback="openEO_job")
    source = Source(portal=portal.id, product_id=job_id, name=name, assets=assets)
    version = Version(name=name, key=(), collection=collection, sources=[source],
                      properties={"openeo:job_id": job_id, "openeo:backend": portal.id})
    return Product(identity=f"openeo:{portal.id}:{job_id}", versions=[version])


class _ResultAccounts(Accounts):
    """The catalog's accounts, except that the back-end's result files get the openEO bearer."""

    def __init__(self, catalog: Catalog, portal: Portal, auth: Authenticator, settings: Optional[HttpSettings]):
        super().__init__(catalog, {}, settings)
        self._portal_id = portal.id
        self._bearer_auth = auth

    def account_id(self, portal: Portal) -> str:
        return portal.id

    def for_portal(self, portal: Portal) -> Authenticator:
        if portal.id == self._portal_id:
            return self._bearer_auth
        return super().for_portal(portal)

    def mask(self, text: str) -> str:
        return self._bearer_auth.mask(super().mask(text))


def download_results(catalog: Catalog, portal: Portal, client: OpenEOClient, product: Product, folder: str, *,
                     settings: Optional[HttpSettings] = None, control: Optional[Control] = None,
                     on_progress: Optional[Callable[[Job], None]] = None,
                     policy: Optional[RetryPolicy] = None) -> Job:
    """Download every result file of `product` into `folder`/<job name>/ now, in this thread."""
    accounts = _ResultAccounts(catalog, portal, BearerAuth(client), settings)
    downloader = Downloader(catalog, accounts, settings or client.settings, policy)
    job = Job(product=product, folder=str(folder), assets=tuple(product.sources[0].assets))
    return downloader.run(job, control, on_progress=on_progress)
