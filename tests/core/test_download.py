"""The download engine against loopback portals: redirects, Range, retries, cuts, checksums, 401, offline,
fallback, assets, signing, full disk, hostile names; and the manager's limits, pause, cancel, retry."""
import errno
import hashlib
import json
import logging
import time
from pathlib import Path

import pytest

import plugin.core.download.fetch as fetch_step
from plugin.core.auth import Accounts
from plugin.core.catalog import load_catalog
from plugin.core.credentials import Credentials
from plugin.core.errors import ErrorKind
from plugin.core.download.downloader import Downloader
from plugin.core.download.fetch import FetchContext, RetryPolicy, fetch_file
from plugin.core.download.job import Job, State
from plugin.core.download.manager import DownloadManager
from plugin.core.download.checksum import hasher_for
from plugin.core.download.plan import FileTarget, plan_source
from plugin.core.http import make_session
from plugin.core.product import Asset, make_product, merge_products
from plugin.core.paths import is_within
from tests.support.download_servers import (
    BytesContent, DownloadServer, OidcProvider, PatternContent, SasIssuer, SigningService, basic_check, header_check,
    max_overlap,
)
from tests.support.replay import wait_until

S2 = "S2A_MSIL1C_20180101T105441_N0206_R051_T31TDH_20180101T124911"
PASSWORD = "dhus-Pa55-never-shown"
CDSE_PASSWORD = "cdse-Pa55-never-shown"
DATA = PatternContent(3_000_000, seed=3)
MD5 = DATA.md5()
BYTES = bytes(DATA.read(0, 1 << 20)) + bytes(DATA.read(1 << 20, 1 << 20)) + bytes(DATA.read(2 << 20, 1 << 20))


@pytest.fixture
def hosts():
    """Two loopback servers: two ports are two hosts for the HTTP client."""
    with DownloadServer() as a, DownloadServer() as b:
        yield a, b


class Env:
    """A catalog pointing at loopback, accounts, a downloader whose back-off sleeps are recorded."""

    def __init__(self, tmp_path, overrides=None, credentials=None, policy=None):
        path = tmp_path / "catalog.json"
        path.write_text(json.dumps(overrides or {}), encoding="utf-8")
        self.catalog = load_catalog(path)
        self.sleeps = []
        self.accounts = Accounts(self.catalog, credentials or {})
        self.downloader = Downloader(self.catalog, self.accounts,
                                     policy=policy or RetryPolicy(sleep=self.sleeps.append))
        self.folder = tmp_path / "downloads"
        self.states = []

    def run(self, product, **job_fields):
        job = Job(product=product, folder=str(self.folder), **job_fields)
        return self.downloader.run(job, on_state=lambda j: self.states.append(j.state))

    def fetch(self, portal_id, target, dest, **kwargs):
        portal = self.catalog.portal(portal_id)
        ctx = FetchContext(session=make_session(), portal=portal, auth=self.accounts.for_portal(portal),
                           policy=self.downloader.policy, **kwargs)
        return fetch_file(target, dest, ctx)


def archive_product(portal, url, *, size=DATA.size, md5=MD5, name=S2 + ".SAFE", online=None, extra=None):
    checksums = {"MD5": md5} if md5 else {}
    checksums.update(extra or {})
    return make_product(portal=portal, product_id=f"{portal}-id", name=name, collection="S2_MSI_L1C",
                        download_url=url, size=size, checksums=checksums, online=online)


def md5_of(path) -> str:
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


def dhus_env(tmp_path, server, **kwargs):
    base = server if isinstance(server, str) else server.url
    overrides = {"dhus": {"url": base + "/dhus", "enabled": True}}
    overrides.update(kwargs.pop("overrides", {}))
    return Env(tmp_path, overrides, {"dhus": Credentials(username="bob", password=PASSWORD)}, **kwargs)


DHUS_PATH = "/dhus/odata/v1/Products('8df46c9e')/$value"


# ---------------------------------------------------------------------------------------------------------
# CDSE: token, redirects across hosts, offline


def cdse_setup(tmp_path, hosts, **route):
    a, b = hosts
    idp = OidcProvider("alice", CDSE_PASSWORD)
    a.add_token_endpoint("/token", idp)
    # the product URL answers with a redirect to another host, which serves the bytes; both want the token
    a.add_redirect("/odata/v1/Products(05edf2bb)/$value", b.url + "/eodata/p.zip", require=idp.check)
    b.add_file("/eodata/p.zip", DATA, require=idp.check, ranges=False, **route)
    env = Env(tmp_path, {"cdse": {"token_url": a.url + "/token"}},
              {"cdse": Credentials(username="alice", password=CDSE_PASSWORD)})
    return env, idp, archive_product("cdse", a.url + "/odata/v1/Products(05edf2bb)/$value")


def test_cdse_bearer_is_sent_again_after_the_cross_host_redirect(tmp_path, hosts):
    a, b = hosts
    env, idp, product = cdse_setup(tmp_path, hosts)
    job = env.run(product)
    assert job.state is State.DONE, job.error_text
    assert job.files == [str(env.folder / f"{S2}.zip")]
    assert md5_of(job.files[0]) == MD5
    assert list(map(str, job.notes)) == [f"{S2}.zip: MD5 verified"]
    first, = a.hits("/odata/v1/Products(05edf2bb)/$value")
    second, = b.hits("/eodata/p.zip")
    assert first.status == 302 and second.status == 200
    assert second.headers["Authorization"] == first.headers["Authorization"] == f"Bearer {idp.issued()[0]}"
    assert env.states == [State.DOWNLOADING, State.VERIFYING, State.DONE]


def test_every_download_of_the_account_uses_one_login(tmp_path, hosts):
    env, idp, product = cdse_setup(tmp_path, hosts)
    for index in range(3):
        job = Job(product=product, folder=str(tmp_path / f"run{index}"))
        assert env.downloader.run(job).state is State.DONE
    assert (idp.logins, idp.refreshes) == (1, 0)


def test_token_expired_mid_download_is_refreshed_once_then_the_download_goes_on(tmp_path, hosts):
    a, b = hosts
    env, idp, product = cdse_setup(tmp_path, hosts, cut_after=1_000_000, cuts=1)
    # the connection drops and, meanwhile, the server ends the token's validity
    b.files["/eodata/p.zip"].on_cut = idp.expire_access_tokens
    job = env.run(product)
    assert job.state is State.DONE, job.error_text
    assert md5_of(job.files[0]) == MD5
    assert [h.status for h in a.hits("/odata/v1/Products(05edf2bb)/$value")] == [302, 401, 302]
    assert (idp.logins, idp.refreshes) == (1, 1)
    assert [g["grant_type"] for g in idp.grants] == ["password", "refresh_token"]
    # CDSE does not resume: the second try starts from zero and never sends Range
    assert [(h.status, h.range_start) for h in b.hits("/eodata/p.zip")] == [(200, None), (200, None)]


def test_a_refused_token_after_refresh_is_an_account_error_without_secrets(tmp_path, hosts, caplog):
    caplog.set_level(logging.DEBUG)
    a, b = hosts
    env, idp, product = cdse_setup(tmp_path, hosts)
    b.files["/eodata/p.zip"].require = lambda headers, query: False
    job = env.run(product)
    assert job.state is State.FAILED
    assert job.error_text.startswith("CDSE: HTTP 401, check your account")
    assert idp.refreshes == 1 and idp.logins == 1
    assert not (env.folder / f"{S2}.zip").exists()
    for secret in [CDSE_PASSWORD] + idp.issued() + idp.refresh_tokens():
        assert secret not in job.error_text and secret not in caplog.text and secret not in " ".join(map(str, job.notes))


def test_cdse_offline_product_is_reported_and_not_requested(tmp_path, hosts):
    a, b = hosts
    env, idp, _ = cdse_setup(tmp_path, hosts)
    product = archive_product("cdse", a.url + "/odata/v1/Products(05edf2bb)/$value", online=False)
    job = env.run(product)
    assert job.state is State.OFFLINE
    assert job.error_text == ("CDSE: the product is offline (in the long-term archive): "
                         "order it on the portal, then retry")
    assert a.hits("/odata/v1/Products(05edf2bb)/$value") == [] and idp.logins == 0


def test_dhus_202_means_offline(tmp_path, hosts):
    a, _ = hosts
    a.add_file(DHUS_PATH, DATA, offline=True, require=basic_check("bob", PASSWORD))
    env = dhus_env(tmp_path, a)
    job = env.run(archive_product("dhus", a.url + DHUS_PATH))
    assert job.state is State.OFFLINE
    assert "offline: the portal is bringing it back from its long-term archive, retry later" in job.error_text
    assert not list(env.folder.glob("*.zip"))


# ---------------------------------------------------------------------------------------------------------
# Range: honoured, refused, not allowed, wrong prefix


def test_resume_from_the_part_with_range(tmp_path, hosts):
    a, _ = hosts
    a.add_file(DHUS_PATH, DATA, require=basic_check("bob", PASSWORD))
    env = dhus_env(tmp_path, a)
    dest = tmp_path / "out" / f"{S2}.zip"
    dest.parent.mkdir()
    (tmp_path / "out" / f"{S2}.zip.part").write_bytes(BYTES[:1_234_567])
    result = env.fetch("dhus", FileTarget("product", a.url + DHUS_PATH, "", DATA.size, {"MD5": MD5}), dest)
    hit, = a.hits(DHUS_PATH)
    assert (hit.status, hit.range_start, hit.bytes_sent) == (206, 1_234_567, DATA.size - 1_234_567)
    assert (result.resumed_from, result.fetched, result.verification) == (1_234_567, DATA.size - 1_234_567,
                                                                          "MD5 verified")
    assert md5_of(dest) == MD5 and not Path(str(dest) + ".part").exists()


def test_server_ignoring_range_restarts_cleanly(tmp_path, hosts):
    a, _ = hosts
    a.add_file(DHUS_PATH, DATA, ranges=False, require=basic_check("bob", PASSWORD))
    env = dhus_env(tmp_path, a)
    dest = tmp_path / f"{S2}.zip"
    Path(str(dest) + ".part").write_bytes(BYTES[:1_000_000])
    result = env.fetch("dhus", FileTarget("product", a.url + DHUS_PATH, "", DATA.size, {"MD5": MD5}), dest)
    hit, = a.hits(DHUS_PATH)
    assert (hit.range_start, hit.status, hit.bytes_sent) == (1_000_000, 200, DATA.size)
    assert dest.read_bytes() == BYTES and result.resumed_from == 0


def test_portal_without_resume_never_sends_range(tmp_path, hosts):
    env, idp, product = cdse_setup(tmp_path, hosts)
    _, b = hosts
    env.folder.mkdir()
    (env.folder / f"{S2}.zip.part").write_bytes(BYTES[:500_000])
    assert env.run(product).state is State.DONE
    hit, = b.hits("/eodata/p.zip")
    assert "Range" not in hit.headers and hit.bytes_sent == DATA.size
    assert md5_of(env.folder / f"{S2}.zip") == MD5


def test_a_part_holding_wrong_bytes_is_caught_by_the_checksum_and_fetched_again(tmp_path, hosts):
    a, _ = hosts
    a.add_file(DHUS_PATH, DATA, require=basic_check("bob", PASSWORD))
    env = dhus_env(tmp_path, a)
    env.folder.mkdir()
    (env.folder / f"{S2}.zip.part").write_bytes(b"\0" * 700_000)  # e.g. an older version of the product
    job = env.run(archive_product("dhus", a.url + DHUS_PATH))
    assert job.state is State.DONE
    assert [(h.status, h.range_start) for h in a.hits(DHUS_PATH)] == [(206, 700_000), (200, None)]
    assert md5_of(job.files[0]) == MD5


def test_a_complete_part_left_before_the_rename_is_verified_without_downloading(tmp_path, hosts):
    a, _ = hosts
    a.add_file(DHUS_PATH, DATA, require=basic_check("bob", PASSWORD))
    env = dhus_env(tmp_path, a)
    env.folder.mkdir()
    (env.folder / f"{S2}.zip.part").write_bytes(BYTES)
    job = env.run(archive_product("dhus", a.url + DHUS_PATH))
    assert job.state is State.DONE and a.hits(DHUS_PATH) == []
    assert md5_of(job.files[0]) == MD5


def test_an_already_downloaded_file_is_verified_and_reused(tmp_path, hosts):
    a, _ = hosts
    a.add_file(DHUS_PATH, DATA, require=basic_check("bob", PASSWORD))
    env = dhus_env(tmp_path, a)
    product = archive_product("dhus", a.url + DHUS_PATH)
    assert env.run(product).state is State.DONE
    assert env.run(product).state is State.DONE
    assert len(a.hits(DHUS_PATH)) == 1


# ---------------------------------------------------------------------------------------------------------
# Retries: 429, 5xx, cut connections


def test_429_waits_as_long_as_retry_after_says(tmp_path, hosts):
    a, _ = hosts
    a.add_file(DHUS_PATH, DATA, require=basic_check("bob", PASSWORD),
               script=[(429, {"Retry-After": "7"}, b'{"detail": "Max session number 4 exceeded"}')])
    env = dhus_env(tmp_path, a)
    job = env.run(archive_product("dhus", a.url + DHUS_PATH))
    assert job.state is State.DONE
    assert env.sleeps == [7.0]
    assert [h.status for h in a.hits(DHUS_PATH)] == [429, 200]


def test_a_retry_after_beyond_reason_fails_with_the_wait_said(tmp_path, hosts):
    a, _ = hosts
    a.add_file(DHUS_PATH, DATA, require=basic_check("bob", PASSWORD), script=[(429, {"Retry-After": "3600"})])
    env = dhus_env(tmp_path, a)
    job = env.run(archive_product("dhus", a.url + DHUS_PATH))
    assert job.state is State.FAILED
    assert job.error_text == "DHuS mirror: the portal asks to wait 60 min (HTTP 429); retry later"
    assert env.sleeps == []


def test_server_errors_back_off_exponentially(tmp_path, hosts):
    a, _ = hosts
    a.add_file(DHUS_PATH, DATA, require=basic_check("bob", PASSWORD), script=[(503,), (502,), (500,)])
    env = dhus_env(tmp_path, a)
    assert env.run(archive_product("dhus", a.url + DHUS_PATH)).state is State.DONE
    assert env.sleeps == [2.0, 4.0, 8.0]


def test_server_errors_end_in_failure_after_the_attempts(tmp_path, hosts):
    a, _ = hosts
    busy = (503, {}, b'{"message": "Service temporarily unavailable"}')
    a.add_file(DHUS_PATH, DATA, require=basic_check("bob", PASSWORD), script=[busy] * 10)
    env = dhus_env(tmp_path, a)
    job = env.run(archive_product("dhus", a.url + DHUS_PATH))
    assert job.state is State.FAILED
    assert job.error_text == "DHuS mirror: server error (HTTP 503): Service temporarily unavailable"
    assert len(a.hits(DHUS_PATH)) == 5 and env.sleeps == [2.0, 4.0, 8.0, 16.0]
    assert not list(env.folder.glob("*.zip"))


def test_unreachable_portal_is_retried_then_reported(tmp_path):
    env = dhus_env(tmp_path, "http://127.0.0.1:9")  # the discard port: nothing listens there
    job = env.run(archive_product("dhus", "http://127.0.0.1:9/dhus/odata/v1/Products('x')/$value"))
    assert job.state is State.FAILED
    assert job.error_text == "DHuS mirror: cannot be reached (Connection refused)"
    assert env.sleeps == [2.0, 4.0, 8.0, 16.0]


def test_cut_connections_resume_without_fetching_a_byte_twice(tmp_path, hosts):
    a, _ = hosts
    route = a.add_file(DHUS_PATH, DATA, require=basic_check("bob", PASSWORD), cut_after=1_000_000, cuts=2)
    env = dhus_env(tmp_path, a)
    job = env.run(archive_product("dhus", a.url + DHUS_PATH))
    assert job.state is State.DONE
    assert [(h.status, h.range_start, h.bytes_sent) for h in a.hits(DHUS_PATH)] == [
        (200, None, 1_000_000), (206, 1_000_000, 1_000_000), (206, 2_000_000, 1_000_000)]
    assert a.bytes_sent(DHUS_PATH) == DATA.size
    assert md5_of(job.files[0]) == MD5
    assert route.cuts == 0


def test_cut_connection_on_a_portal_without_resume_starts_over(tmp_path, hosts):
    env, idp, product = cdse_setup(tmp_path, hosts, cut_after=2_000_000, cuts=1)
    _, b = hosts
    job = env.run(product)
    assert job.state is State.DONE
    assert [(h.status, h.range_start, h.bytes_sent) for h in b.hits("/eodata/p.zip")] == [
        (200, None, 2_000_000), (200, None, DATA.size)]
    assert md5_of(job.files[0]) == MD5


# ---------------------------------------------------------------------------------------------------------
# Verification


def test_wrong_checksum_fails_and_leaves_no_file_that_looks_complete(tmp_path, hosts):
    a, _ = hosts
    a.add_file(DHUS_PATH, DATA, require=basic_check("bob", PASSWORD), corrupt=10)
    env = dhus_env(tmp_path, a)
    job = env.run(archive_product("dhus", a.url + DHUS_PATH))
    assert job.state is State.FAILED
    assert job.error_text == "DHuS mirror: checksum mismatch (MD5): the file is corrupt; it was deleted"
    assert list(env.folder.iterdir()) == []
    assert len(a.hits(DHUS_PATH)) == 2  # downloaded once more before giving up


def test_a_body_corrupted_once_is_downloaded_again(tmp_path, hosts):
    a, _ = hosts
    a.add_file(DHUS_PATH, DATA, require=basic_check("bob", PASSWORD), corrupt=1)
    env = dhus_env(tmp_path, a)
    job = env.run(archive_product("dhus", a.url + DHUS_PATH))
    assert job.state is State.DONE and md5_of(job.files[0]) == MD5
    assert len(a.hits(DHUS_PATH)) == 2


def test_size_announced_by_the_portal_must_match(tmp_path, hosts):
    a, _ = hosts
    a.add_file(DHUS_PATH, DATA, require=basic_check("bob", PASSWORD))
    env = dhus_env(tmp_path, a)
    job = env.run(archive_product("dhus", a.url + DHUS_PATH, size=DATA.size + 10, md5=None))
    assert job.state is State.FAILED
    assert job.error_text == f"DHuS mirror: the portal sent {DATA.size} bytes where {DATA.size + 10} were announced"


def test_blake3_only_is_said_not_verified(tmp_path, hosts):
    a, _ = hosts
    a.add_file(DHUS_PATH, DATA, require=basic_check("bob", PASSWORD))
    env = dhus_env(tmp_path, a)
    job = env.run(archive_product("dhus", a.url + DHUS_PATH, md5=None, extra={"BLAKE3": "2f787caed527ffeb32"}))
    assert job.state is State.DONE
    assert list(map(str, job.notes)) == [f"{S2}.zip: not verified (BLAKE3)"]
    both = env.run(archive_product("dhus", a.url + DHUS_PATH, extra={"BLAKE3": "2f787caed527ffeb32"}))
    assert list(map(str, both.notes)) == [f"{S2}.zip: MD5 verified"]


# ---------------------------------------------------------------------------------------------------------
# Sources: fallback, archives, assets, signing


def test_falls_back_to_the_next_source_in_preference_order(tmp_path, hosts):
    a, b = hosts
    a.add_file("/odata/v1/Products(x)/$value", DATA, script=[(500,)] * 5)
    b.add_file(DHUS_PATH, DATA, require=basic_check("bob", PASSWORD))
    env = dhus_env(tmp_path, b, overrides={"cdse": {"token_url": a.url + "/token"}})
    env.accounts.set_credentials("cdse", None)
    cdse = archive_product("cdse", a.url + "/odata/v1/Products(x)/$value")
    dhus = archive_product("dhus", b.url + DHUS_PATH)
    product, = merge_products([cdse, dhus], portal_order=["earth_search", "planetary_computer", "cdse", "dhus"])
    # CDSE first: no account there, so it fails at once and the DHuS mirror serves the product
    job = env.run(product)
    assert job.state is State.DONE and job.portal == "dhus"
    assert "fell back to DHuS mirror after: CDSE: an account is needed" in str(job.notes[-1])
    # the user prefers the mirror: CDSE is never asked
    product, = merge_products([cdse, dhus], portal_order=["dhus", "cdse"])
    job = env.run(product)
    assert job.state is State.DONE and job.portal == "dhus" and len(job.notes) == 1


def test_a_version_is_fetched_from_its_own_sources_and_saved_under_its_own_name(tmp_path, hosts):
    """One acquisition under two baselines on two portals; each portal serves bytes that carry its product's name.
    Whatever version is downloaded, the file written is named after the product whose bytes it holds, and a
    failing portal never falls back to another version's portal."""
    a, b = hosts
    new_name = S2.replace("N0206", "N0500").replace("20180101T124911", "20230601T101010")
    a.add_file("/cdse.zip", BytesContent(new_name.encode() * 1000))
    b.add_file(DHUS_PATH, BytesContent(S2.encode() * 1000), require=basic_check("bob", PASSWORD))
    env = dhus_env(tmp_path, b, overrides={"cdse": {"token_url": a.url + "/token"}})
    cdse = archive_product("cdse", a.url + "/cdse.zip", name=new_name, size=None, md5=None)
    dhus = archive_product("dhus", b.url + DHUS_PATH, size=None, md5=None)
    product, = merge_products([dhus, cdse], portal_order=["cdse", "dhus"])
    assert [v.name for v in product.versions] == [S2, new_name] and product.title == new_name
    env.accounts.set_credentials("cdse", Credentials(username="alice", password=CDSE_PASSWORD))
    idp = OidcProvider("alice", CDSE_PASSWORD)
    a.add_token_endpoint("/token", idp)
    manager = DownloadManager(env.downloader)
    manager.start()
    try:
        jobs = [manager.add(product, str(env.folder)), manager.add(product, str(env.folder), version=S2 + ".SAFE")]
        assert manager.wait([job.id for job in jobs], timeout=30)
        done = [manager.job(job.id) for job in jobs]
    finally:
        manager.stop()
    for job, name, portal in zip(done, (new_name, S2), ("cdse", "dhus")):
        assert job.state is State.DONE, job.error_text
        assert job.portal == portal and job.files == [str(env.folder / f"{name}.zip")]
        assert Path(job.files[0]).read_bytes()[:len(name)] == name.encode()
    # the newest version's only portal fails: the older version's portal is not a fallback for it
    a.add_file("/cdse.zip", BytesContent(new_name.encode()), script=[(404, {}, b'{"detail": "not found"}')] * 5)
    before = len(b.hits(DHUS_PATH))
    env.folder = tmp_path / "second"
    job = env.run(product.only())
    assert job.state is State.FAILED and "CDSE" in job.error_text
    assert len(b.hits(DHUS_PATH)) == before and not (env.folder / f"{new_name}.zip.part").exists()


def test_every_source_failing_names_each_one(tmp_path, hosts):
    a, b = hosts
    idp = OidcProvider("alice", CDSE_PASSWORD)
    a.add_token_endpoint("/token", idp)
    a.add_file("/cdse.zip", DATA, script=[(404, {}, b'{"detail": "Product not found in catalogue"}')])
    b.add_file(DHUS_PATH, DATA, script=[(403, {}, b"Maximum number of 4 concurrent flows achieved")])
    env = dhus_env(tmp_path, b, overrides={"cdse": {"token_url": a.url + "/token"}})
    env.accounts.set_credentials("cdse", Credentials(username="alice", password=CDSE_PASSWORD))
    product, = merge_products([archive_product("cdse", a.url + "/cdse.zip"),
                               archive_product("dhus", b.url + DHUS_PATH)])
    job = env.run(product)
    assert job.state is State.FAILED
    assert job.error_text == ("CDSE: HTTP 404: Product not found in catalogue; "
                         "DHuS mirror: too many parallel downloads for this account (HTTP 403), retry when others "
                         "have finished: Maximum number of 4 concurrent flows achieved")


def earth_search_product(base):
    prefix = base + "/sentinel-cogs/sentinel-s2-l2a-cogs/31/T/DH/2018/1/S2A_31TDH_20180101_0_L2A"
    assets = {
        "visual": Asset("visual", prefix + "/TCI.tif", media_type="image/tiff; application=geotiff; profile=cloud-optimized",
                        roles=("visual",)),
        "red": Asset("red", prefix + "/B04.tif", media_type="image/tiff; application=geotiff", roles=("data",)),
        "thumbnail": Asset("thumbnail", prefix + "/thumbnail.jpg", media_type="image/jpeg", roles=("thumbnail",)),
        "granule_metadata": Asset("granule_metadata", "s3://sentinel-s2-l2a/tiles/31/T/DH/metadata.xml"),
    }
    return make_product(portal="earth_search", product_id="S2A_31TDH_20180101_0_L2A",
                        name=S2.replace("MSIL1C", "MSIL2A"), collection="S2_MSI_L2A", assets=assets), prefix


def test_chosen_assets_land_in_a_folder_named_after_the_product(tmp_path, hosts):
    a, _ = hosts
    product, prefix = earth_search_product(a.url)
    path = prefix[len(a.url):]
    a.add_file(path + "/TCI.tif", BytesContent(b"II*\0visual"), content_type="image/tiff")
    a.add_file(path + "/B04.tif", BytesContent(b"II*\0red"), content_type="image/tiff")
    env = Env(tmp_path)
    job = env.run(product, assets=("visual", "red", "scl", "granule_metadata"))
    assert job.state is State.DONE, job.error_text
    folder = env.folder / product.title
    assert job.files == [str(folder / "TCI.tif"), str(folder / "B04.tif")]
    assert (folder / "TCI.tif").read_bytes() == b"II*\0visual"
    assert list(map(str, job.notes)) == ["TCI.tif: no checksum given", "B04.tif: no checksum given",
                         "Earth Search has no asset scl",
                         "Earth Search has no asset granule_metadata"]


def test_without_assets_a_portal_with_no_product_archive_is_skipped_with_a_reason(tmp_path, hosts):
    a, _ = hosts
    product, _ = earth_search_product(a.url)
    job = Env(tmp_path).run(product)
    assert job.state is State.FAILED
    assert job.error_text == ("Earth Search: offers no whole-product archive: "
                         "choose the assets to download")
    assert a.hits() == []


def test_geodes_data_zip_asset_is_the_whole_product_with_the_api_key(tmp_path, hosts):
    a, _ = hosts
    urn = "URN:FEATURE:DATA:gdh:25416e3f-1a7f-379a-9b65-a6539b1fd95b:V1"
    a.add_file(f"/api/download/{urn}/files/{MD5}", DATA, require=header_check("X-API-Key", "geodes-key"))
    # the shape of GEODES' recorded item (geodes/search_peps_s2_l1c.json): assets keyed by file name
    assets = {
        f"{S2}_quicklook.jpg": Asset(f"{S2}_quicklook.jpg", a.url + f"/api/quicklook/{urn}/files/1003ae?scope=gdh",
                                     media_type="image/jpeg", roles=("overview",)),
        f"{S2}.zip": Asset(f"{S2}.zip", a.url + f"/api/download/{urn}/files/{MD5}", title=f"{S2}.zip",
                           media_type="application/zip", roles=("data",), size=DATA.size, checksum=("MD5", MD5)),
    }
    product = make_product(portal="geodes", product_id=urn, name=S2, collection="S2_MSI_L1C", assets=assets)
    env = Env(tmp_path, {}, {"geodes": Credentials(api_key="geodes-key")})
    job = env.run(product)
    assert job.state is State.DONE, job.error_text
    assert job.files == [str(env.folder / f"{S2}.zip")] and list(map(str, job.notes)) == [f"{S2}.zip: MD5 verified"]


def test_planetary_computer_assets_share_one_sas_token(tmp_path, hosts):
    a, b = hosts
    issuer = SasIssuer()
    a.add_sas("/api/sas/v1/token", issuer)
    base = "/sentinel2-l2/31/T/DH/2018/01/01/S2A_MSIL2A_20180101T105441_N0206_R051_T31TDH_20180101T124911.SAFE"
    bands = {f"B0{i}": f"{base}/GRANULE/L2A_T31TDH/IMG_DATA/R10m/T31TDH_20180101T105441_B0{i}_10m.tif" for i in (2, 3, 4)}
    for key, path in bands.items():
        b.add_file(path, BytesContent(key.encode() * 1000), require=issuer.check, content_type="image/tiff")
    assets = {key: Asset(key, b.url + path, media_type="image/tiff; application=geotiff; profile=cloud-optimized",
                         roles=("data",)) for key, path in bands.items()}
    product = make_product(portal="planetary_computer", product_id="S2A_MSIL2A_20180101T105441_R051_T31TDH_20201007",
                           name=S2.replace("MSIL1C", "MSIL2A"), collection="S2_MSI_L2A", assets=assets)
    env = Env(tmp_path, {"planetary_computer": {"sas_url": a.url + "/api/sas/v1/token",
                                                "sign_hosts": r"^127\.0\.0\.1$"}})
    job = env.run(product, assets=("B02", "B03", "B04"))
    assert job.state is State.DONE, job.error_text
    assert issuer.requests == {"sentinel-2-l2a": 1}
    assert len({h.query["sig"] for h in b.hits()}) == 1
    assert Path(job.files[2]).read_bytes() == b"B04" * 1000
    # the token expires server-side: the next file gets 401/403 once, a new token, and goes on
    issuer.expire_all()
    job = env.run(product, assets=("B02",))
    assert job.state is State.DONE and issuer.requests == {"sentinel-2-l2a": 1}  # file already there: reused
    Path(job.files[0]).unlink()
    job = env.run(product, assets=("B02",))
    assert job.state is State.DONE and issuer.requests == {"sentinel-2-l2a": 2}


def test_theia_assets_are_fetched_through_signed_urls(tmp_path, hosts):
    a, b = hosts
    service = SigningService("AK", "SK-secret")
    a.add_signing("/sign", service)
    path = "/sentinel2-l2a-theia/T31TCJ/SENTINEL2A_20180101-105441-000_L2A_T31TCJ_C_V2-2_FRE_B2.tif"
    b.add_file(path, BytesContent(b"theia-band"), require=service.check, content_type="image/tiff")
    assets = {"FRE_B2": Asset("FRE_B2", b.url + path, media_type="image/tiff", roles=("data",))}
    product = make_product(portal="theia", product_id="SENTINEL2A_20180101-105441-000_L2A_T31TCJ_C_V2-2",
                           name="SENTINEL2A_20180101-105441-000_L2A_T31TCJ_C_V2-2", collection="S2_MSI_L2A",
                           assets=assets)
    env = Env(tmp_path, {"theia": {"signing_url": a.url + "/sign", "sign_hosts": r"^127\.0\.0\.1$"}},
              {"theia": Credentials(username="AK", password="SK-secret")})
    job = env.run(product, assets=("FRE_B2",))
    assert job.state is State.DONE, job.error_text
    assert Path(job.files[0]).read_bytes() == b"theia-band"
    assert service.requests == 1 and a.hits("/sign")[0].query["url"] == b.url + path


# ---------------------------------------------------------------------------------------------------------
# Disk, names, redirects, secrets


class _FullDisk:
    """A .part handle on a disk that fills up after `room` bytes."""

    def __init__(self, path, append, room):
        self._handle = open(path, "ab" if append else "wb")
        self._room = room

    def write(self, data):
        if len(data) > self._room:
            self._handle.write(data[:self._room])
            self._room = 0
            raise OSError(errno.ENOSPC, "No space left on device")
        self._room -= len(data)
        return self._handle.write(data)

    def __getattr__(self, name):
        return getattr(self._handle, name)


def test_full_disk_says_so_and_keeps_the_part_for_later(tmp_path, hosts, monkeypatch):
    a, _ = hosts
    a.add_file(DHUS_PATH, DATA, require=basic_check("bob", PASSWORD))
    env = dhus_env(tmp_path, a)
    product = archive_product("dhus", a.url + DHUS_PATH)
    monkeypatch.setattr(fetch_step, "_open_part", lambda path, append: _FullDisk(path, append, 1_500_000))
    job = env.run(product)
    assert job.state is State.FAILED
    assert job.error_text == ("DHuS mirror: the disk is full (%s): free some space and retry, the partial download is kept"
                         % env.folder)
    part = env.folder / f"{S2}.zip.part"
    assert part.stat().st_size == 1_500_000
    monkeypatch.undo()
    job = env.run(product)
    assert job.state is State.DONE and md5_of(job.files[0]) == MD5
    assert a.hits(DHUS_PATH)[-1].range_start == 1_500_000


def test_not_enough_space_is_said_before_writing(tmp_path, hosts, monkeypatch):
    a, _ = hosts
    a.add_file(DHUS_PATH, DATA, require=basic_check("bob", PASSWORD))
    env = dhus_env(tmp_path, a)
    usage = fetch_step.shutil.disk_usage(tmp_path)
    monkeypatch.setattr(fetch_step.shutil, "disk_usage", lambda path: usage._replace(free=1_000_000))
    job = env.run(archive_product("dhus", a.url + DHUS_PATH))
    assert job.state is State.FAILED
    assert job.error_text.startswith(f"DHuS mirror: the disk is too full for this download ({env.folder}): 3.0 MB needed "
                                "and 17 MB kept free, 1.0 MB free")
    assert not (env.folder / f"{S2}.zip.part").exists()


def test_hostile_names_never_leave_the_download_folder(tmp_path, hosts):
    a, _ = hosts
    a.add_file("/a/../../../evil.tif", BytesContent(b"1"))  # the server decodes %2F: the route has the slashes
    a.add_file("/a/CON.tif", BytesContent(b"2"))
    assets = {
        "one": Asset("one", a.url + "/a/..%2F..%2F..%2Fevil.tif"),
        "two": Asset("two", a.url + "/a/CON.tif"),
    }
    # a made-up product name (no mission naming) becomes the folder name as is, so it must be sanitised
    product = make_product(portal="earth_search", product_id="x", name="../../../outside", collection="S2_MSI_L2A",
                           assets=assets)
    env = Env(tmp_path)
    before = set(tmp_path.parent.iterdir())
    job = env.run(product, assets=("one", "two"))
    assert set(tmp_path.parent.iterdir()) == before
    for name in job.files:
        assert is_within(env.folder, name), name
    assert [Path(f).name for f in job.files] == ["_.._.._evil.tif", "_CON.tif"]


def test_redirects_to_other_schemes_and_loops_are_refused(tmp_path, hosts):
    a, _ = hosts
    a.add_redirect("/file", "file:///etc/passwd")
    a.add_redirect("/loop", a.url + "/loop")
    env = Env(tmp_path)
    job = env.run(archive_product("earth_search", a.url + "/file"))
    assert job.error_text == "Earth Search: the download was redirected to an unsupported address"
    job = env.run(archive_product("earth_search", a.url + "/loop"))
    assert job.error_text == "Earth Search: too many redirects (more than 10)"
    assert len(a.hits("/loop")) == 11


# ---------------------------------------------------------------------------------------------------------
# The manager: limits, callbacks, pause, cancel, retry


def slow_dhus(tmp_path, server, count, size=600_000, rate=3_000_000, **env_kwargs):
    products = []
    for index in range(count):
        path = f"/dhus/odata/v1/Products('p{index}')/$value"
        server.add_file(path, PatternContent(size, seed=index), rate=rate, require=basic_check("bob", PASSWORD))
        name = S2.replace("T31TDH", f"T31TD{'ABCDEFGHJK'[index]}")
        products.append(archive_product("dhus", server.url + path, size=size, md5=PatternContent(size, seed=index).md5(),
                                        name=name + ".SAFE"))
    return dhus_env(tmp_path, server, **env_kwargs), products


def test_per_portal_and_global_limits(tmp_path, hosts):
    a, b = hosts
    env, products = slow_dhus(tmp_path, a, 5)  # DHuS mirrors: 2 at a time (catalog max_downloads)
    for index in range(4):
        b.add_file(f"/es/{index}.tif", PatternContent(600_000, seed=10 + index), rate=3_000_000)
    es = [make_product(portal="earth_search", product_id=f"es{i}", name=f"S2A_31TDH_2018010{i}_0_L2A",
                       collection="S2_MSI_L2A",
                       assets={"visual": Asset("visual", b.url + f"/es/{i}.tif")}) for i in range(4)]
    manager = DownloadManager(env.downloader, max_downloads=3)
    manager.start()
    try:
        for product in products:
            manager.add(product, str(env.folder))
        for product in es:
            manager.add(product, str(env.folder), assets=("visual",))
        assert manager.wait(timeout=60)
    finally:
        manager.stop()
    assert [j.state for j in manager.jobs()] == [State.DONE] * 9
    assert max_overlap(a.hits()) == 2  # DHuS: at most 2 at a time, and it used both
    assert max_overlap(a.hits() + b.hits()) == 3  # all portals together: the global limit, reached


def test_cdse_and_cdse_stac_share_the_account_limit(tmp_path, hosts):
    a, _ = hosts
    idp = OidcProvider("alice", CDSE_PASSWORD)
    a.add_token_endpoint("/token", idp)
    products = []
    for index in range(4):
        a.add_file(f"/z/{index}.zip", PatternContent(400_000, seed=index), rate=2_000_000, require=idp.check)
        portal = "cdse" if index % 2 else "cdse_stac"
        name = S2.replace("T31TDH", f"T31TD{'ABCD'[index]}") + ".SAFE"
        products.append(archive_product(portal, a.url + f"/z/{index}.zip", size=400_000,
                                        md5=PatternContent(400_000, seed=index).md5(), name=name))
    env = Env(tmp_path, {"cdse": {"token_url": a.url + "/token", "max_downloads": 2}},
              {"cdse": Credentials(username="alice", password=CDSE_PASSWORD)})
    manager = DownloadManager(env.downloader, max_downloads=8)
    manager.start()
    try:
        for product in products:
            manager.add(product, str(env.folder))
        assert manager.wait(timeout=60)
    finally:
        manager.stop()
    assert [j.state for j in manager.jobs()] == [State.DONE] * 4
    assert a.max_in_flight == 2 and idp.logins == 1


def test_callbacks_report_states_and_progress(tmp_path, hosts):
    a, _ = hosts
    env, products = slow_dhus(tmp_path, a, 1, size=900_000, rate=2_000_000)
    states, progress = [], []
    manager = DownloadManager(env.downloader, on_state=lambda j: states.append(j.state),
                              on_progress=lambda *args: progress.append(args), progress_interval=0.05)
    manager.start()
    try:
        job = manager.add(products[0], str(env.folder))
        assert manager.wait([job.id], timeout=30)
    finally:
        manager.stop()
    assert states == [State.QUEUED, State.DOWNLOADING, State.VERIFYING, State.DONE]
    assert len(progress) >= 3
    assert progress[-1][:3] == (job.id, 900_000, 900_000)
    assert all(later[1] >= earlier[1] for earlier, later in zip(progress, progress[1:]))
    assert any(speed > 0 for *_, speed in progress)


def test_pause_all_keeps_the_parts_and_resume_all_continues_them(tmp_path, hosts):
    a, _ = hosts
    env, products = slow_dhus(tmp_path, a, 2, size=1_500_000, rate=1_000_000)
    manager = DownloadManager(env.downloader)
    manager.start()
    try:
        for product in products:
            manager.add(product, str(env.folder))
        parts = [env.folder / f"{p.title}.zip.part" for p in products]
        assert wait_until(lambda: all(p.exists() and p.stat().st_size > 100_000 for p in parts), timeout=10)
        manager.pause_all()
        assert manager.wait(timeout=10)
        assert [j.state for j in manager.jobs()] == [State.PAUSED, State.PAUSED]
        kept = [p.stat().st_size for p in parts]
        assert all(0 < size < 1_500_000 for size in kept)
        manager.add(products[0], str(tmp_path / "later"))  # added while paused: waits too
        assert manager.jobs()[-1].state is State.PAUSED
        manager.resume_all()
        assert wait_until(lambda: all(j.state is State.DONE for j in manager.jobs()), timeout=30)
    finally:
        manager.stop()
    for product, size in zip(products, kept):
        path = f"/dhus/odata/v1/Products('p{products.index(product)}')/$value"
        resumed = [h for h in a.hits(path) if h.range_start]
        assert resumed and resumed[0].range_start >= size
    assert all(md5_of(env.folder / f"{p.title}.zip") == p.sources[0].checksums["MD5"] for p in products)


def test_cancel_stops_the_job_and_removes_its_part(tmp_path, hosts):
    a, _ = hosts
    env, products = slow_dhus(tmp_path, a, 2, size=2_000_000, rate=500_000)
    manager = DownloadManager(env.downloader, max_downloads=1)
    manager.start()
    try:
        running, queued = [manager.add(p, str(env.folder)) for p in products]
        part = env.folder / f"{products[0].title}.zip.part"
        assert wait_until(lambda: part.exists() and part.stat().st_size > 50_000, timeout=10)
        manager.cancel(queued.id)
        manager.cancel(running.id)
        assert manager.wait(timeout=10)
    finally:
        manager.stop()
    assert [j.state for j in manager.jobs()] == [State.CANCELLED, State.CANCELLED]
    assert list(env.folder.iterdir()) == []
    assert a.hits("/dhus/odata/v1/Products('p1')/$value") == []


def test_retry_after_a_failure(tmp_path, hosts):
    a, _ = hosts
    env, products = slow_dhus(tmp_path, a, 1, rate=None)
    a.files["/dhus/odata/v1/Products('p0')/$value"].script = [(500,)] * 5
    manager = DownloadManager(env.downloader)
    manager.start()
    try:
        job = manager.add(products[0], str(env.folder))
        assert manager.wait([job.id], timeout=30)
        assert manager.job(job.id).state is State.FAILED
        manager.retry(job.id)
        assert wait_until(lambda: manager.job(job.id).state is State.DONE, timeout=30)
    finally:
        manager.stop()
    assert manager.job(job.id).error_text == ""


def test_simultaneous_refusals_renew_the_token_once(tmp_path, hosts):
    a, _ = hosts
    idp = OidcProvider("alice", CDSE_PASSWORD)
    a.add_token_endpoint("/token", idp)
    products = []
    for index in range(4):
        content = PatternContent(300_000, seed=index)
        # answers take 0.3 s: the four requests are all on their way before the first refusal comes back
        a.add_file(f"/z/{index}.zip", content, delay=0.3, require=idp.check)
        name = S2.replace("T31TDH", f"T31TD{'ABCD'[index]}") + ".SAFE"
        products.append(archive_product("cdse", a.url + f"/z/{index}.zip", size=content.size, md5=content.md5(),
                                        name=name))
    env = Env(tmp_path, {"cdse": {"token_url": a.url + "/token"}},
              {"cdse": Credentials(username="alice", password=CDSE_PASSWORD)})
    env.accounts.for_portal(env.catalog.portal("cdse")).token()  # logged in earlier
    idp.expire_access_tokens()  # the server ends the session; the plugin does not know yet
    manager = DownloadManager(env.downloader, max_downloads=4)
    manager.start()
    try:
        for product in products:
            manager.add(product, str(env.folder))
        assert manager.wait(timeout=30)
    finally:
        manager.stop()
    assert [j.state for j in manager.jobs()] == [State.DONE] * 4
    assert sum(1 for h in a.hits() if h.status == 401) == 4
    assert (idp.logins, idp.refreshes) == (1, 1)


def test_removing_a_running_job_returns_at_once_and_cleans_up(tmp_path, hosts):
    a, _ = hosts
    env, products = slow_dhus(tmp_path, a, 1, size=3_000_000, rate=300_000)
    manager = DownloadManager(env.downloader)
    manager.start()
    try:
        job = manager.add(products[0], str(env.folder))
        part = env.folder / f"{products[0].title}.zip.part"
        assert wait_until(lambda: part.exists() and part.stat().st_size > 0, timeout=10)
        started = time.monotonic()
        manager.remove(job.id)  # called from the QGIS main thread: must not wait for the worker
        assert time.monotonic() - started < 0.1
        assert wait_until(lambda: manager.job(job.id) is None, timeout=10)
    finally:
        manager.stop()
    assert not part.exists()


# ---------------------------------------------------------------------------------------------------------
# Plans for products parsed by the STAC adapter from real recorded answers


def recorded(portal_id, body, collection):
    from shapely.geometry import box

    from plugin.core.portals import stac
    from plugin.core.query import SearchQuery

    catalog = load_catalog(env={})
    portal = catalog.portal(portal_id)
    query = SearchQuery.create(box(-180, -90, 180, 90), "2015-01-01", "2026-01-01", collection)
    return stac.parse(portal, query, body, stac.build_request(portal, query)).products, catalog


def test_cdse_stac_recorded_item_whole_product_and_chosen_files():
    from tests.support.fixtures import fixture_json

    item = fixture_json("cdse_stac/item_s2_l2a.json")
    (product,), catalog = recorded("cdse_stac", json.dumps({"type": "FeatureCollection", "features": [item]}).encode(),
                                   "S2_MSI_L2A")
    portal = catalog.portal("cdse_stac")
    whole = plan_source(product, product.sources[0], portal)
    target, = whole.files
    assert target.url == "https://download.dataspace.copernicus.eu/odata/v1/Products(7d10d1f8-e4a8-40d8-af15-4c227639d61a)/$value"
    assert target.relative == "S2A_MSIL2A_20220217T183431_N0510_R027_T13VEK_20240516T022440.zip"
    assert (target.size, target.checksums) == (981355618, {"MD5": "3ae2f90d5e19911094dafdc192fe86ad"})
    # single files are zipper ".../Nodes(<file>)/$value" links: named after the asset key and media type
    files = plan_source(product, product.sources[0], portal, ("TCI_10m", "SCL_20m")).files
    assert [f.relative for f in files] == ["S2A_MSIL2A_20220217T183431_N0510_R027_T13VEK_20240516T022440/TCI_10m.jp2",
                                           "S2A_MSIL2A_20220217T183431_N0510_R027_T13VEK_20240516T022440/SCL_20m.jp2"]
    algorithm, expected, hasher = hasher_for(files[0].checksums)
    hasher.close()
    assert (algorithm, expected) == ("SHA3256", "11860e42005c87603518300f88648e124759d889d5720e34467d0222551fe6d9")
    assert Downloader(catalog).limit_key(portal) == "cdse"  # counts against the CDSE account's 4


def test_geodes_recorded_offline_product_is_reported_without_a_request(tmp_path):
    from tests.support.fixtures import fixture_bytes

    products, catalog = recorded("geodes", fixture_bytes("geodes/search_peps_s2_l1c.json"), "S2_MSI_L1C")
    product = products[0]
    source = product.sources[0]
    assert source.online is False  # "Is online: false" in the recorded asset description
    # moved to a closed loopback port, so that a regression could never reach the real portal
    source.download_url = "http://127.0.0.1:9/api/download/x"
    job = Downloader(catalog).run(Job(product=product, folder=str(tmp_path)))
    assert job.state is State.OFFLINE
    assert job.error_text == ("GEODES: the product is offline (in the long-term archive): order it on the portal, "
                         "then retry")


def test_earth_search_recorded_l1c_assets_are_s3_only(tmp_path):
    from tests.support.fixtures import fixture_bytes

    products, catalog = recorded("earth_search", fixture_bytes("earth_search/items_s2_l1c.json"), "S2_MSI_L1C")
    job = Downloader(catalog).run(Job(product=products[0], folder=str(tmp_path), assets=("visual", "red")))
    assert job.state is State.FAILED
    assert job.error_text == "Earth Search: has none of the chosen assets over HTTP (visual, red)"
    assert list(tmp_path.iterdir()) == []


def test_files_of_a_product_into_a_read_only_folder_fail_with_a_clear_reason(tmp_path, hosts):
    """A product fetched as separate files (STAC assets) makes its own folder first: on a read-only disk that
    failure is said like any other write failure (kind DISK, the folder named), not as an unexpected error."""
    from tests.support.faulty_portal import CaseUnavailable, SmallDisk, _run

    a, _ = hosts
    product, prefix = earth_search_product(a.url)
    a.add_file(prefix[len(a.url):] + "/TCI.tif", BytesContent(b"II*\0visual"), content_type="image/tiff")
    try:
        disk = SmallDisk.mount(tmp_path / "disk", "1m")
    except CaseUnavailable as exc:
        pytest.skip(str(exc))
    try:
        _run("mount", "-o", "remount,ro", str(disk.path))
        env = Env(tmp_path)
        env.folder = disk.path / "downloads"
        job = env.run(product, assets=("visual",))
        assert job.state is State.FAILED
        failure = job.errors[-1]
        assert failure.kind is ErrorKind.DISK and failure.code == "cannot_write", job.error_text
        assert str(disk.path) in job.error_text and "Read-only file system" in job.error_text
        assert "unexpected" not in job.error_text
    finally:
        disk.unmount()
