#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make deb: the Debian packages built (dpkg-buildpackage -us -uc) in a
# clean copy of the tree; lintian must find no error and no warning.
# usage: deb-build [OUTDIR]      (default: build/deb)
#   DEB_BUILD_OPTIONS  default noautodbgsym (no debug symbol packages)
# More: Documentation/packaging.rst
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

out=$(abs_dir "${1:-build/deb}")
start=$SECONDS

need "run scripts/deps.sh: dpkg-dev debhelper dh-dkms dh-python lintian" \
	dpkg-buildpackage dh dh_dkms dh_python3 lintian
name=$(dpkg-parsechangelog -S Source)
deb_version=$(dpkg-parsechangelog -S Version)
version=$(version "${deb_version%-*}")

rm -f "$out"/*.{deb,dsc,changes,buildinfo,log} "$out"/*.tar.*
work=$(mktemp -d /tmp/sockcancel-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
src=$work/$name-$version
copy_tree "$src"
[ -f "$src/debian/control" ] || die "no debian/ in the copied tree"

# the upstream tarball: the same files without debian/, reproducible
mtime=$(dpkg-parsechangelog -S Timestamp)
tar -C "$work" --exclude="$name-$version/debian" --sort=name \
	--mtime="@$mtime" --owner=0 --group=0 --numeric-owner \
	-cf - "$name-$version" | xz -6 > "$work/${name}_$version.orig.tar.xz"

say "dpkg-buildpackage -us -uc in $src"
export DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS-noautodbgsym}
(cd "$src" && logged "$out/build.log" dpkg-buildpackage -us -uc) ||
	die "dpkg-buildpackage failed (log: $out/build.log)"
build_s=$((SECONDS - start))
find "$work" -maxdepth 1 -type f -exec cp {} "$out/" \;

changes=$(find "$out" -maxdepth 1 -name '*.changes' | head -1)
say "lintian"
lintian_rc=0
lintian --display-info --display-experimental --fail-on error,warning \
	"$changes" > "$out/lintian.log" 2>&1 || lintian_rc=$?
sed 's/^/  /' "$out/lintian.log"

for deb in "$out"/*.deb; do
	echo "$(basename "$deb"): $(stat -c %s "$deb") bytes," \
		"installed $(dpkg-deb -f "$deb" Installed-Size) KiB"
	dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {
		f = $6; for (i = 7; i <= NF; i++) f = f " " $i
		printf "  %8d %s\n", $3, f }'
done
say "$(find "$out" -maxdepth 1 -name '*.deb' | wc -l) packages" \
	"in $out (build $build_s s, all $((SECONDS - start)) s)"
[ "$lintian_rc" -eq 0 ] || die "lintian found errors or warnings (exit $lintian_rc)"
