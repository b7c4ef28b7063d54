# EO Portals: development tasks. GNU make, Debian 12 (as root, or as a user with sudo).
#
#   make test          install what is missing, run every test: all on Debian's QGIS (3.22, shapely 1.8) with the
#                      plugin-site and Qt6 gates, core on shapely 2, QGIS + hardening on Debian sid's QGIS (3.44)
#   make qgis-chroot   build the Debian sid chroot with the newer QGIS (once; `make test` does it when missing)
#   make run           start QGIS on a throw-away profile (build/profiles) with the plugin enabled
#   make package       build/eo_portals-<version>.zip for plugins.qgis.org (committed files + compiled translations)
#   make deploy        copy the plugin into your default QGIS profile
#   make translations  refresh i18n/*.ts from the sources and compile them
#   make bench | screenshots | clean | distclean | qgis-chroot-remove
#
# Variables you can set: EO_PORTALS_FIXTURES (recorded portal answers; default ../shared/fixtures when it
# exists), PYTEST_ARGS (e.g. "-k lifecycle -x"), TEST_TIMEOUT (seconds per test), PYTHON2 (the Python of the
# shapely-2 venv), QGIS_PROFILE_DIR (target of `make deploy`), QGIS_CHROOT (where the sid chroot lives),
# QGIS_MATRIX ("sid", the default, also runs the suites on sid's QGIS; empty: Debian's QGIS only).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
PLUGIN := eo_portals
VERSION := $(shell sed -n 's/^version=//p' $(ROOT)/metadata.txt)

# Debian packages the tests, `make run` and the translations need (installed without recommends: xvfb-run needs
# xauth, which is only recommended).
APT_PACKAGES := qgis python3-qgis qgis-providers python3-gdal xvfb xauth python3-venv python3-shapely python3-yaml \
	python3-requests pyqt5-dev-tools qttools5-dev-tools tinyproxy openssl git mmdebstrap
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Test venv: Debian's Python with its QGIS, GDAL and shapely 1.8, plus the test tools from PyPI.
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
TEST_TOOLS := pytest pytest-qgis==5.0.2 hypothesis pytest-timeout jsonschema
# Core venv: no system packages (so no QGIS, no Qt), shapely 2 from PyPI.
PYTHON2 ?= $(shell p=$$(command -v python3 2>/dev/null || true); \
	if [ -n "$$p" ] && [ "$$(readlink -f "$$p")" != "$$(readlink -f /usr/bin/python3)" ]; then echo "$$p"; \
	else echo /usr/bin/python3; fi)
VENV2 := $(ROOT)/.venv-shapely2
PY2 := $(VENV2)/bin/python
CORE_TOOLS := "shapely>=2" requests pyyaml pytest hypothesis pytest-timeout jsonschema
# openEO back-end software the openEO tests start on loopback (never used by the plugin): openeo-driver's dummy
# back-end, pinned with its whole dependency set in tests/requirements-openeo.txt.
VENV_OPENEO := $(ROOT)/.venv-openeo
# openeo-processes-dask 2026.9.1 (the engine of openEO's LocalConnection and several back-ends) for
# tests/core/test_openeo_local.py, which runs the plugin's time-series graph and compares its numbers with the local
# series; pinned in tests/requirements-openeo-local.txt.
VENV_OPENEO_LOCAL := $(ROOT)/.venv-openeo-local
# Optional, large: titiler-openeo 0.19 (a second openEO back-end) for tests/core/test_openeo_titiler.py, pinned in
# tests/requirements-titiler.txt; `make test` does not build it (the test skips without it).
VENV_TITILER := $(ROOT)/.venv-titiler
# Gates venv: no system packages; PyQt6 (the Qt6 gate) and the scanners plugins.qgis.org runs on each upload.
# The tests in tests/release run them through this Python (EO_PORTALS_CHECKS_PYTHON).
VENV_CHECKS := $(ROOT)/.venv-checks
PY_CHECKS := $(VENV_CHECKS)/bin/python
CHECK_TOOLS := PyQt6==6.11.0 bandit==1.9.4 detect-secrets==1.5.0

# The newer QGIS: a Debian sid chroot (QGIS 3.44, Python 3.14 in December 2026) in which the QGIS and hardening
# suites run again. It lives outside the checkout, so CI's fresh clones on the same machine reuse it (built once,
# ~2 min and 2 GB; rebuilt when tests/tools/qgis_chroot.sh changes its package list); a new machine builds it.
QGIS_CHROOT ?= /var/cache/eo-portals/qgis-sid
QGIS_MATRIX ?= sid
CHROOT_TESTS := tests/qgis tests/hardening
CHROOT_TOOL := $(ROOT)/tests/tools/qgis_chroot.sh

TEST_TIMEOUT ?= 300
PYTEST_ARGS ?=
PYTEST_OPTS := -p no:cacheprovider --timeout=$(TEST_TIMEOUT) -ra $(PYTEST_ARGS)

# The recorded portal answers; never copied into the repository.
EO_PORTALS_FIXTURES ?= $(wildcard $(ROOT)/../shared/fixtures)
FIXTURES := $(if $(strip $(EO_PORTALS_FIXTURES)),$(abspath $(EO_PORTALS_FIXTURES)))

# Translations: sources in i18n/eo_portals_<lang>.ts (French first), compiled .qm are build outputs.
TS_FILES := $(sort $(wildcard $(ROOT)/i18n/$(PLUGIN)_*.ts))
QM_FILES := $(TS_FILES:.ts=.qm)
LRELEASE := $(firstword $(wildcard /usr/lib/qt5/bin/lrelease) lrelease)
PYLUPDATE := pylupdate5

# What a user installs: the committed files minus the development ones and the translation sources (the compiled
# .qm are added). The README's pictures stay in docs/: the shipped README links them on the repository.
PACKAGE_EXCLUDES := tests bench docs .ci .github Makefile .gitignore .gitattributes i18n/*.ts
PACKAGE_PATHSPEC := . $(foreach p,$(PACKAGE_EXCLUDES),':(exclude)$(p)')
ZIP := $(ROOT)/build/$(PLUGIN)-$(VERSION).zip

# `make run`: a profile of its own, so your own QGIS settings are never touched.
RUN_PROFILES := $(ROOT)/build/profiles
RUN_PROFILE := $(PLUGIN)
RUN_PROFILE_DIR := $(RUN_PROFILES)/profiles/$(RUN_PROFILE)
QGIS_PROFILE_DIR ?= $(HOME)/.local/share/QGIS/QGIS3/profiles/default

.PHONY: help deps venv venv2 venv-openeo venv-openeo-local venv-titiler venv-checks qgis-chroot qgis-chroot-remove test test-qgis test-core run deploy package \
	translations compile-translations bench screenshots clean distclean

help:
	@sed -n 's/^#   //p' $(ROOT)/Makefile

## Debian packages: apt only runs when something is missing.
deps:
	@missing=""; \
	for pkg in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' "$$pkg" 2>/dev/null | grep -q '^install ok installed$$' || missing="$$missing $$pkg"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null; then \
		echo "Missing:$$missing. This is not a Debian system: install QGIS >= 3.22 and these tools yourself." >&2; exit 1; \
	fi; \
	if [ -n "$(SUDO)" ] && ! command -v sudo >/dev/null; then \
		echo "Missing:$$missing. Run 'make' as root once, or install sudo." >&2; exit 1; \
	fi; \
	echo "Installing Debian packages:$$missing"; \
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q; \
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing

venv: $(VENV)/.eo_portals_ready
$(VENV)/.eo_portals_ready: $(ROOT)/Makefile | deps
	/usr/bin/python3 -m venv --system-site-packages $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check $(TEST_TOOLS)
	$(PY) -c "import qgis.core, osgeo.gdal, shapely, requests, yaml, pytest, pytest_qgis, hypothesis"
	touch $@

venv2: $(VENV2)/.eo_portals_ready
$(VENV2)/.eo_portals_ready: $(ROOT)/Makefile | deps
	@echo "Core venv from $(PYTHON2) ($$($(PYTHON2) --version 2>&1)), without system packages"
	$(PYTHON2) -m venv --clear $(VENV2)
	$(PY2) -m pip install -q --disable-pip-version-check $(CORE_TOOLS)
	$(PY2) -c "import shapely, sys; sys.exit('shapely ' + shapely.__version__ + ' is not 2.x' if int(shapely.__version__.split('.')[0]) < 2 else 0)"
	touch $@

venv-checks: $(VENV_CHECKS)/.eo_portals_ready
$(VENV_CHECKS)/.eo_portals_ready: $(ROOT)/Makefile | deps
	/usr/bin/python3 -m venv --clear $(VENV_CHECKS)
	$(PY_CHECKS) -m pip install -q --disable-pip-version-check $(CHECK_TOOLS)
	$(PY_CHECKS) -c "import PyQt6.QtCore, bandit, detect_secrets"
	touch $@

## The sid chroot (root only: mmdebstrap, chroot, mount). Never delete it with rm: /dev is bound inside while
## tests run; `make qgis-chroot-remove` unmounts first and refuses while anything stays mounted.
qgis-chroot: | deps
	$(SUDO) bash $(CHROOT_TOOL) ensure $(QGIS_CHROOT)

qgis-chroot-remove:
	$(SUDO) bash $(CHROOT_TOOL) remove $(QGIS_CHROOT)

# A venv of back-end software the tests start (never used by the plugin), from its pinned requirements:
# $(call server_venv,<venv>,<requirements file>,<modules that must import>)
COMMA := ,
define server_venv
	/usr/bin/python3 -m venv --clear $(1)
	$(1)/bin/python -m pip install -q --disable-pip-version-check -r $(2)
	$(1)/bin/python -c "import $(3)"
	touch $@
endef

venv-titiler: $(VENV_TITILER)/.eo_portals_ready
$(VENV_TITILER)/.eo_portals_ready: $(ROOT)/tests/requirements-titiler.txt | deps
	$(call server_venv,$(VENV_TITILER),$<,titiler.openeo$(COMMA) uvicorn)

venv-openeo: $(VENV_OPENEO)/.eo_portals_ready
$(VENV_OPENEO)/.eo_portals_ready: $(ROOT)/tests/requirements-openeo.txt | deps
	$(call server_venv,$(VENV_OPENEO),$<,openeo_driver.dummy.local_app)

venv-openeo-local: $(VENV_OPENEO_LOCAL)/.eo_portals_ready
$(VENV_OPENEO_LOCAL)/.eo_portals_ready: $(ROOT)/tests/requirements-openeo-local.txt | deps
	$(call server_venv,$(VENV_OPENEO_LOCAL),$<,openeo.local.processing$(COMMA) openeo_pg_parser_networkx$(COMMA) \
		odc.stac$(COMMA) xvec)

## Tests: every run always happens; the target fails when any fails or collects nothing (pytest exit 5).
test: venv venv2 venv-openeo venv-openeo-local venv-checks compile-translations $(if $(QGIS_MATRIX),qgis-chroot)
	@cd $(ROOT); \
	if [ -n "$(FIXTURES)" ] && [ -d "$(FIXTURES)" ]; then echo "Recorded portal answers: $(FIXTURES)"; \
	else echo "Recorded portal answers not found (set EO_PORTALS_FIXTURES): the tests that replay them are skipped."; fi; \
	run() { \
		local label="$$1"; shift; "$$@"; local rc=$$?; \
		if [ $$rc -eq 5 ]; then echo "!! $$label: pytest collected no tests" >&2; \
		elif [ $$rc -ne 0 ]; then echo "!! $$label: failed (pytest exit $$rc)" >&2; fi; \
		return $$rc; }; \
	set +e; \
	runs=$(if $(QGIS_MATRIX),3,2); \
	echo "== 1/$$runs all tests: QGIS $$($(PY) -c 'from qgis.core import Qgis; print(Qgis.version())'), shapely $$($(PY) -c 'import shapely; print(shapely.__version__)'), plugin-site and Qt6 gates"; \
	run "QGIS tests (Debian Python)" env QT_QPA_PLATFORM=offscreen EO_PORTALS_FIXTURES="$(FIXTURES)" \
		EO_PORTALS_CHECKS_PYTHON="$(PY_CHECKS)" $(PY) -m pytest tests $(PYTEST_OPTS); first=$$?; \
	echo "== 2/$$runs core tests without QGIS: $$($(PY2) --version), shapely $$($(PY2) -c 'import shapely; print(shapely.__version__)')"; \
	run "core tests (shapely 2)" env EO_PORTALS_FIXTURES="$(FIXTURES)" \
		$(PY2) -m pytest tests/core $(PYTEST_OPTS); second=$$?; \
	third=0; \
	if [ -n "$(QGIS_MATRIX)" ]; then \
		echo "== 3/3 QGIS and hardening tests in $(QGIS_CHROOT): $$($(SUDO) bash $(CHROOT_TOOL) version $(QGIS_CHROOT))"; \
		run "QGIS tests (Debian sid)" $(SUDO) env CI="$${CI:-}" bash $(CHROOT_TOOL) run $(QGIS_CHROOT) $(ROOT) "$(FIXTURES)" \
			$(CHROOT_TESTS) $(PYTEST_OPTS); third=$$?; \
	fi; \
	set -e; \
	if [ $$first -ne 0 ] || [ $$second -ne 0 ] || [ $$third -ne 0 ]; then exit 1; fi; \
	echo "All tests passed ($$runs runs)."

## Translations: `translations` refreshes the .ts sources (keeping existing translations) and compiles them;
## `test`, `package`, `run` only compile. pylupdate5 extracts the texts; without it (Qt 6 only systems)
## pylupdate6 from PyQt6 does (on PATH, or the gates venv's); both read the same calls (tests/release/test_qt6.py).
translations: deps
	@cd $(ROOT); \
	sources=$$(find plugin -name '*.py' -not -path 'plugin/core/*' | sort); \
	forms=$$(find plugin -name '*.ui' | sort); \
	targets="$(TS_FILES)"; [ -n "$$targets" ] || targets="i18n/$(PLUGIN)_fr.ts"; \
	mkdir -p i18n; \
	if command -v $(PYLUPDATE) >/dev/null; then \
		$(PYLUPDATE) -verbose $$sources $$forms -ts $$targets; \
	else \
		tool=$$(command -v pylupdate6 || echo $(VENV_CHECKS)/bin/pylupdate6); \
		if [ ! -x "$$tool" ]; then \
			echo "Neither $(PYLUPDATE) (Debian pyqt5-dev-tools) nor pylupdate6 (PyQt6: make venv-checks) is installed." >&2; \
			exit 1; fi; \
		echo "$(PYLUPDATE) is missing (a Qt 6 only system): extracting with $$tool"; \
		for ts in $$targets; do "$$tool" --ts "$$ts" $$sources $$forms; done; \
	fi
	@$(MAKE) --no-print-directory -C $(ROOT) compile-translations

compile-translations: $(QM_FILES)
%.qm: %.ts | deps
	$(LRELEASE) -silent $< -qm $@

## Run QGIS with the plugin (a symlink to this checkout) enabled in a profile of its own.
run: deps compile-translations
	mkdir -p $(RUN_PROFILE_DIR)/python/plugins $(RUN_PROFILE_DIR)/QGIS
	ln -sfn $(ROOT) $(RUN_PROFILE_DIR)/python/plugins/$(PLUGIN)
	/usr/bin/python3 -c "import sys; from qgis.PyQt.QtCore import QSettings; \
		s = QSettings(sys.argv[1], QSettings.Format.IniFormat); s.setValue('PythonPlugins/$(PLUGIN)', True); s.sync(); \
		sys.exit(s.status())" $(RUN_PROFILE_DIR)/QGIS/QGIS3.ini
	qgis --profiles-path $(RUN_PROFILES) --profile $(RUN_PROFILE)

## Plugin zip: committed files only (git archive HEAD), plus the compiled translations; one top folder.
package: compile-translations
	@cd $(ROOT); stage=build/package; rm -rf $$stage $(ZIP); mkdir -p $$stage/$(PLUGIN); \
	if [ -n "$$(git status --porcelain --untracked-files=no)" ]; then \
		echo "Note: uncommitted changes are not in the package (it is made from HEAD)."; fi; \
	git archive --format=tar HEAD -- $(PACKAGE_PATHSPEC) | tar -x -C $$stage/$(PLUGIN); \
	$(if $(QM_FILES),mkdir -p $$stage/$(PLUGIN)/i18n; cp $(QM_FILES) $$stage/$(PLUGIN)/i18n/;) \
	repository=$$(sed -n 's/^repository=//p' metadata.txt); \
	sed -i -E "s#\]\((docs/[^)]+)\)#]($$repository/raw/HEAD/\1)#g" $$stage/$(PLUGIN)/README.md; \
	(cd $$stage && find $(PLUGIN) -type f | LC_ALL=C sort | /usr/bin/python3 -c \
		"import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED); \
		[z.write(name.rstrip('\n')) for name in sys.stdin]; z.close()" $(ZIP)); \
	rm -rf $$stage; \
	echo "Built $(ZIP)"

## Copy the plugin into your default QGIS profile (the working tree's files, as the package would hold them).
deploy: compile-translations
	@cd $(ROOT); target="$(QGIS_PROFILE_DIR)/python/plugins/$(PLUGIN)"; \
	rm -rf "$$target"; mkdir -p "$$target"; \
	git ls-files -z --cached --others --exclude-standard -- $(PACKAGE_PATHSPEC) | \
	while IFS= read -r -d '' f; do if [ -e "$$f" ]; then cp --parents -- "$$f" "$$target/"; fi; done; \
	for q in $(QM_FILES); do mkdir -p "$$target/i18n"; cp -- "$$q" "$$target/i18n/"; done; \
	echo "Copied to $$target; enable 'EO Portals' in Plugins > Manage and Install Plugins."

bench: venv compile-translations
	@cd $(ROOT); shopt -s nullglob; scripts=(bench/*.py); \
	if [ $${#scripts[@]} -eq 0 ]; then echo "No bench/*.py scripts to run." >&2; exit 1; fi; \
	for s in "$${scripts[@]}"; do echo "== $$s"; \
		env QT_QPA_PLATFORM=offscreen EO_PORTALS_FIXTURES="$(FIXTURES)" $(PY) "$$s"; done

# docs/*.png: the search panel and QGIS's window (tests/tools/screenshots.py), then the other tabs as the tests
# drive them (the Downloads tab with rows in several states, a failed row at 350 px, a time series, an openEO job).
SHOT_TESTS := tests/qgis/test_downloads.py::test_downloads_tab_screenshot_with_rows_in_several_states \
	tests/qgis/test_download_rows.py::test_a_failed_row_wraps_its_path_and_keeps_retry_and_remove_in_view_at_the_default_width \
	tests/qgis/test_series_panel.py::test_series_of_the_drawn_area_over_the_results \
	tests/qgis/test_jobs_panel.py::test_a_time_series_result_is_drawn_in_the_series_chart
screenshots: venv compile-translations
	cd $(ROOT) && env QT_QPA_PLATFORM=offscreen EO_PORTALS_FIXTURES="$(FIXTURES)" $(PY) tests/tools/screenshots.py
	cd $(ROOT) && env QT_QPA_PLATFORM=offscreen EO_PORTALS_FIXTURES="$(FIXTURES)" EO_PORTALS_SCREENSHOTS=$(ROOT)/docs \
		$(PY) -m pytest $(PYTEST_OPTS) -q $(SHOT_TESTS)

## clean keeps the venvs and the `make run` profile (it may hold your test accounts); distclean removes all.
# Nothing may be mounted under the checkout when it is deleted (a chroot's bound /dev would take the host's
# device nodes with it): clean and distclean refuse then.
clean:
	@if awk '{print $$5}' /proc/self/mountinfo | grep -q '^$(ROOT)/'; then \
		echo "Something is mounted under $(ROOT): not deleting anything (see 'findmnt | grep $(ROOT)')." >&2; exit 1; fi
	rm -rf $(ROOT)/build/$(PLUGIN)-*.zip $(ROOT)/.pytest_cache $(ROOT)/.hypothesis $(QM_FILES)
	find $(ROOT) -name __pycache__ -type d -not -path '$(ROOT)/.venv*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(ROOT)/build $(VENV) $(VENV2) $(VENV_CHECKS) $(VENV_OPENEO) $(VENV_OPENEO_LOCAL) $(VENV_TITILER)
	@echo "The QGIS chroot in $(QGIS_CHROOT) is kept (shared by checkouts); 'make qgis-chroot-remove' deletes it."
