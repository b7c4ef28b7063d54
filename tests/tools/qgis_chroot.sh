#!/usr/bin/env bash
# A Debian sid chroot with a newer QGIS (3.44 in December 2026), in which `make test` runs the QGIS and hardening
# suites a second time. Used by the Makefile; run as root (mmdebstrap, chroot and mount need it).
#
#   qgis_chroot.sh ensure DIR              build DIR when it is missing or was made from another package list
#   qgis_chroot.sh run DIR SRC FIXTURES ARGS...
#                                          copy the checkout SRC (its tracked and new files, the compiled
#                                          translations) and FIXTURES into DIR, run `pytest ARGS...` there
#   qgis_chroot.sh remove DIR              unmount whatever is mounted under DIR, then delete it
#   qgis_chroot.sh version DIR             print the chroot's QGIS and Python versions
#   qgis_chroot.sh exec DIR COMMAND...     run a command inside (e.g. bash, or the venv's python), mounts as for run
#
# DIR is a plain directory tree. /proc, /dev (bound to the host's) and a tmpfs on /dev/shm are mounted only while a
# command runs inside, and unmounted by a trap on every exit. Deleting DIR while /dev is bound would delete the
# host's device nodes, so `remove` unmounts first, refuses when something stays mounted, and deletes with
# --one-file-system (it never descends into another filesystem even if one appears).
#
# Environment: QGIS_CHROOT_MIRROR (Debian mirror; default: the host's first deb.debian.org-like URI),
# QGIS_CHROOT_TOOLS (what pip installs into the chroot's test venv), CI (passed into the chroot).
set -euo pipefail

SUITE=sid
# Debian packages of the chroot: QGIS and what the plugin imports, and the tools the tests start (tinyproxy,
# openssl, xvfb-run for the desktop start, mount for the small-disk tests, lrelease/pylupdate5 for the
# translation tests, git to list the plugin's files).
PACKAGES=(qgis python3-qgis qgis-providers python3-gdal python3-shapely python3-requests python3-yaml python3-venv
	python3-pip ca-certificates xvfb xauth xfonts-base tinyproxy openssl mount git qttools5-dev-tools pyqt5-dev-tools
	locales)
TOOLS=${QGIS_CHROOT_TOOLS:-pytest pytest-qgis==5.0.2 hypothesis pytest-timeout}
VENV=/opt/eo-portals-venv        # inside the chroot
WORK=/eo-portals                 # inside the chroot: the copied checkout and fixtures
HOST_CA=/etc/ssl/certs/ca-certificates.crt

die() { echo "qgis_chroot: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap, chroot, mount)"

# Mount points under DIR, deepest first (so nested mounts, e.g. a test's tmpfs, go before their parents).
mounts_under() {
	local dir; dir=$(realpath -m "$1")
	awk -v d="$dir" '{ gsub(/\\040/, " ", $5); if ($5 == d || index($5, d "/") == 1) print $5 }' /proc/self/mountinfo |
		sort -r
}

unmount_all() {
	local dir=$1 m
	# Processes still running inside (a server a test left behind) would keep the mounts busy: end them.
	local root pid
	root=$(realpath -m "$dir")
	for p in /proc/[0-9]*; do
		pid=${p#/proc/}
		[ "$(readlink "$p/root" 2>/dev/null || true)" = "$root" ] && [ "$pid" != $$ ] && kill -KILL "$pid" 2>/dev/null || true
	done
	for m in $(mounts_under "$dir"); do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || echo "qgis_chroot: could not unmount $m" >&2
	done
	if [ -n "$(mounts_under "$dir")" ]; then
		die "still mounted under $dir: $(mounts_under "$dir" | tr '\n' ' ')"
	fi
}

mount_system() {
	local dir=$1
	mount -t proc proc "$dir/proc"
	mount --bind /dev "$dir/dev"
	mount -t tmpfs -o mode=1777,size=512m tmpfs "$dir/dev/shm"
}

safe_remove() {
	local dir=$1
	[ -e "$dir" ] || return 0
	case "$(realpath -m "$dir")" in /|/dev|/dev/*|/proc|/proc/*|/sys|/sys/*|/usr|/etc|/var|/home|/root) die "refusing to delete $dir";; esac
	unmount_all "$dir"
	rm -rf --one-file-system -- "$dir"
}

in_chroot() {
	local dir=$1; shift
	chroot "$dir" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		LANG=C.UTF-8 LC_ALL=C.UTF-8 "$@"
}

mirror() {
	if [ -n "${QGIS_CHROOT_MIRROR:-}" ]; then echo "$QGIS_CHROOT_MIRROR"; return; fi
	local uri
	uri=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | tr ' ' '\n' |
		grep -v -- '-security' | head -n1 || true)
	[ -n "$uri" ] || uri=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' \
		/etc/apt/sources.list 2>/dev/null || true)
	echo "${uri:-http://deb.debian.org/debian}"
}

# What the chroot was made from: a new package or tool list rebuilds it.
recipe() { printf '%s\n' "suite=$SUITE" "packages=${PACKAGES[*]}" "tools=$TOOLS" "venv=$VENV"; }

cmd_ensure() {
	local dir=$1 stamp="$1/.eo_portals_ready"
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(recipe)" ] && [ -x "$dir$VENV/bin/python" ]; then
		return 0
	fi
	command -v mmdebstrap >/dev/null || die "mmdebstrap is missing (apt-get install mmdebstrap)"
	local new="$dir.new" started=$SECONDS
	safe_remove "$new"
	mkdir -p "$(dirname "$dir")"
	echo "Building the QGIS chroot ($SUITE from $(mirror)) in $dir: a few minutes and about 2 GB, once."
	mmdebstrap --variant=apt --quiet --aptopt='Acquire::Check-Valid-Until "false"' \
		--include="$(IFS=,; echo "${PACKAGES[*]}")" "$SUITE" "$new" "$(mirror)"
	# pip reaches PyPI through the host's certificate authorities (they may include a proxy's).
	install -D -m 0644 "$HOST_CA" "$new/usr/local/share/eo-portals/host-ca.crt"
	cp -L /etc/resolv.conf "$new/etc/resolv.conf" 2>/dev/null || true
	trap 'unmount_all "$new"' EXIT
	mount_system "$new"
	in_chroot "$new" python3 -m venv --system-site-packages "$VENV"
	# shellcheck disable=SC2086
	in_chroot "$new" "$VENV/bin/python" -m pip install -q --disable-pip-version-check \
		--cert /usr/local/share/eo-portals/host-ca.crt $TOOLS
	in_chroot "$new" "$VENV/bin/python" -c \
		"import qgis.core, osgeo.gdal, shapely, requests, yaml, pytest, pytest_qgis, hypothesis"
	unmount_all "$new"
	trap - EXIT
	recipe > "$new/.eo_portals_ready"
	safe_remove "$dir"
	mv "$new" "$dir"
	echo "QGIS chroot ready in $((SECONDS - started)) s: $(cmd_version "$dir")"
}

cmd_version() {
	local dir=$1
	in_chroot "$dir" "$VENV/bin/python" -c \
		"import sys; from qgis.core import Qgis; print('QGIS', Qgis.version(), 'Python', sys.version.split()[0])" \
		2>/dev/null
}

cmd_run() {
	local dir=$1 src=$2 fixtures=$3; shift 3
	[ -f "$dir/.eo_portals_ready" ] || die "$dir is not built (qgis_chroot.sh ensure $dir)"
	local work="$dir$WORK"
	# The copy holds no mount point (mounts live in /proc, /dev and the tests' own tmp dirs), but make sure.
	[ -z "$(mounts_under "$work")" ] || unmount_all "$work"
	rm -rf --one-file-system -- "$work"
	mkdir -p "$work/src"
	# The files git knows (tracked and new, not ignored) and the compiled translations, as a git repository of
	# their own (the translation tests list the plugin's files with git).
	(cd "$src" && { git ls-files -z --cached --others --exclude-standard; find i18n -name '*.qm' -print0; } |
		while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done |
		xargs -0 cp --parents -t "$work/src" --)
	in_chroot "$dir" git -C "$WORK/src" init -q
	in_chroot "$dir" git -C "$WORK/src" add -A
	in_chroot "$dir" git -C "$WORK/src" -c user.name=ci -c user.email=ci@localhost commit -q -m copy
	local fixtures_env=""
	if [ -n "$fixtures" ] && [ -d "$fixtures" ]; then
		cp -a "$fixtures" "$work/fixtures"
		fixtures_env="$WORK/fixtures"
	fi
	trap 'unmount_all "'"$dir"'"' EXIT
	mount_system "$dir"
	set +e
	in_chroot "$dir" /bin/sh -c 'cd "$1" && shift && exec "$@"' sh "$WORK/src" \
		env QT_QPA_PLATFORM=offscreen EO_PORTALS_FIXTURES="$fixtures_env" CI="${CI:-}" \
		"$VENV/bin/python" -m pytest "$@"
	local rc=$?
	set -e
	unmount_all "$dir"
	trap - EXIT
	return $rc
}

cmd_exec() {
	local dir=$1; shift
	[ -f "$dir/.eo_portals_ready" ] || die "$dir is not built (qgis_chroot.sh ensure $dir)"
	trap 'unmount_all "'"$dir"'"' EXIT
	mount_system "$dir"
	set +e
	in_chroot "$dir" env QT_QPA_PLATFORM=offscreen PATH="$VENV/bin:/usr/sbin:/usr/bin:/sbin:/bin" "$@"
	local rc=$?
	set -e
	unmount_all "$dir"
	trap - EXIT
	return $rc
}

[ $# -ge 2 ] || die "usage: qgis_chroot.sh ensure|run|exec|remove|version DIR [...]"
action=$1; shift
# One command at a time per chroot: two test runs would share its copy of the checkout and its mounts.
mkdir -p "$(dirname "$1")"
exec 9>"$1.lock"
flock 9
case "$action" in
	ensure) cmd_ensure "$1" ;;
	run) cmd_run "$@" ;;
	remove) safe_remove "$1" ;;
	version) cmd_version "$1" ;;
	exec) cmd_exec "$@" ;;
	*) die "unknown action $action" ;;
esac
