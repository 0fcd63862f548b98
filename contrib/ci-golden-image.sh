#!/bin/sh
# CI example: fail the build when a built image differs from its golden
# baseline. Make the golden baseline once from an approved image:
#   imscan baseline -r rules/ --root approved-rootfs -b golden.imdb
# The built image is a copy, never the same files: --portable compares
# only what a copy keeps (imscan(1), PORTABLE COMPARISONS); add
# --portable=mtime where the build keeps modification times.
set -eu
rootfs=${1:?usage: ci-golden-image.sh ROOTFS [BASELINE]}
golden=${2:-golden.imdb}
imscan check -b "$golden" --root "$rootfs" --portable --format text
