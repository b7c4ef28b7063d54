"""Accounts: QGIS authentication configurations resolved into core Credentials, secrets registered for masking.

The configurations live in the authentication database of the test profile pytest-qgis creates
(``.qgis-settings`` at the repository root), unlocked with a test master password; each test removes what it
created.
"""
from __future__ import annotations

from typing import List

import pytest
from qgis.core import QgsApplication, QgsAuthMethodConfig

from plugin import accounts, log, settings
from plugin.core.catalog import load_catalog
from plugin.core.credentials import Credentials

@pytest.fixture
def received(qgis_app) -> List[tuple]:
    """(text, tag) of every message QGIS's log receives during the test."""
    messages: List[tuple] = []

    def collect(message, tag, _level):
        messages.append((message, tag))

    QgsApplication.messageLog().messageReceived.connect(collect)
    yield messages
    QgsApplication.messageLog().messageReceived.disconnect(collect)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(env={})


def test_basic_configuration_gives_login_for_an_openid_portal(make_config, clean_portal_settings, catalog):
    authcfg = make_config("Basic", "CDSE login", username="alice@example.org", password="Pa55-word!")
    settings.set_portal_authcfg("cdse", authcfg)
    credentials = accounts.credentials_for(catalog.portal("cdse"))
    assert credentials == Credentials(username="alice@example.org", password="Pa55-word!")
    assert "Pa55" not in repr(credentials)


def test_resolved_password_is_masked_in_the_log_from_then_on(make_config, clean_portal_settings, catalog,
                                                             received):
    authcfg = make_config("Basic", "CDSE login", username="alice", password="Pa55-word-xyz")
    accounts.credentials_for(catalog.portal("cdse"), authcfg)
    log.log_error("token request failed: password=Pa55-word-xyz was refused; raw Pa55-word-xyz")
    assert ("token request failed: password=*** was refused; raw ***", "EO Portals") in received
    assert all("Pa55-word-xyz" not in message for message, _tag in received)


def test_api_key_portal_reads_the_key_from_the_password_of_a_basic_configuration(make_config, clean_portal_settings,
                                                                                   catalog):
    # QGIS 3.22 has no "API Header" method: the dialog's help tells users to put the key in the password field.
    authcfg = make_config("Basic", "GEODES key", username="", password="geodes-key-0123")
    settings.set_portal_authcfg("geodes", authcfg)
    assert accounts.credentials_for(catalog.portal("geodes")) == Credentials(api_key="geodes-key-0123")


def test_api_header_configuration_maps_the_portal_header(catalog):
    # The "API Header" method (QGIS >= 3.26) stores header name -> value pairs in the config map.
    config = QgsAuthMethodConfig("APIHeader")
    config.setConfig("x-api-key", "hdr-key-42")
    config.setConfig("X-Other", "unrelated")
    assert accounts.credentials_from_config(catalog.portal("geodes"), config) == Credentials(api_key="hdr-key-42")
    single = QgsAuthMethodConfig("APIHeader")
    single.setConfig("Authorization-Key", "only-one")
    assert accounts.credentials_from_config(catalog.portal("geodes"), single) == Credentials(api_key="only-one")


def test_methods_the_portals_cannot_use_resolve_to_nothing(make_config, clean_portal_settings, catalog):
    authcfg = make_config("OAuth2", "some oauth", configmap='{"clientId": "x"}')
    assert accounts.credentials_for(catalog.portal("cdse"), authcfg) is None


def test_no_choice_or_a_removed_configuration_gives_no_credentials(make_config, clean_portal_settings, catalog,
                                                                   received):
    assert accounts.credentials_for(catalog.portal("cdse")) is None
    settings.set_portal_authcfg("cdse", "gone123")
    assert accounts.credentials_for(catalog.portal("cdse")) is None
    assert any(tag == "EO Portals" and "gone123 could not be read" in message for message, tag in received)


def test_cdse_stac_uses_the_cdse_account_unless_it_has_its_own(make_config, clean_portal_settings, catalog):
    shared = make_config("Basic", "CDSE login", username="alice", password="one-1111")
    settings.set_portal_authcfg("cdse", shared)
    assert accounts.credentials_for(catalog.portal("cdse_stac")) == Credentials(username="alice", password="one-1111")
    own = make_config("Basic", "CDSE STAC login", username="bob", password="two-2222")
    settings.set_portal_authcfg("cdse_stac", own)
    assert accounts.credentials_for(catalog.portal("cdse_stac")) == Credentials(username="bob", password="two-2222")


def test_credentials_by_portal_lists_only_portals_with_an_account(make_config, clean_portal_settings, catalog):
    settings.set_portal_authcfg("geodes", make_config("Basic", "GEODES key", password="k-777"))
    found = accounts.credentials_by_portal(catalog.select(["earth_search", "geodes", "cdse"]))
    assert found == {"geodes": Credentials(api_key="k-777")}


def test_which_portals_need_an_account(catalog):
    download = {pid for pid, portal in catalog.portals.items() if accounts.needs_account(portal)}
    search = {pid for pid, portal in catalog.portals.items() if accounts.needs_account(portal, for_search=True)}
    assert {"cdse", "cdse_stac", "geodes", "dhus", "theia"} <= download
    assert not {"earth_search", "planetary_computer"} & download
    assert "dhus" in search
    assert not {"cdse", "geodes", "earth_search"} & search
    # Planetary Computer takes an optional subscription key; Earth Search nothing at all
    assert accounts.accepts_account(catalog.portal("planetary_computer"))
    assert not accounts.accepts_account(catalog.portal("earth_search"))


def test_signing_and_subscription_keys_map_onto_what_the_core_sends(catalog):
    basic = QgsAuthMethodConfig("Basic")
    basic.setConfig("username", "access-AK1")
    basic.setConfig("password", "secret-SK1")
    # THEIA signing: access key as user name, secret key as password (core SigningAuth's headers)
    assert accounts.credentials_from_config(catalog.portal("theia"), basic) == \
        Credentials(username="access-AK1", password="secret-SK1")
    # Planetary Computer: the subscription key is the password
    assert accounts.credentials_from_config(catalog.portal("planetary_computer"), basic) == \
        Credentials(api_key="secret-SK1")
    headers = QgsAuthMethodConfig("APIHeader")
    headers.setConfig("access-key", "AK2")
    headers.setConfig("secret-key", "SK2")
    assert accounts.credentials_from_config(catalog.portal("theia"), headers) == \
        Credentials(username="AK2", password="SK2")
    subscription = QgsAuthMethodConfig("APIHeader")
    subscription.setConfig("Ocp-Apim-Subscription-Key", "sub-3")
    subscription.setConfig("X-Other", "x")
    assert accounts.credentials_from_config(catalog.portal("planetary_computer"), subscription) == \
        Credentials(api_key="sub-3")


def test_api_header_method_availability_matches_qgis():
    assert accounts.api_header_available() == ("APIHeader" in QgsApplication.authManager().authMethodsKeys())
