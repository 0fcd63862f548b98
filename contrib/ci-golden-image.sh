#!/bin/sh
# CI example: fail the build when a built image differs from its golden
# baseline. Make the golden baseline once from an approved image:
#   imscan baseline -r rules/ --root approved-rootfs -b golden.imdb
set -eu
rootfs=${1:?usage: ci-golden-image.sh ROOTFS [BASELINE]}
golden=${2:-golden.imdb}
imscan check -b "$golden" --root "$rootfs" --format text
