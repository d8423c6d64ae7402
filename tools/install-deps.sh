#!/bin/sh
# Install the Debian 12 packages Wren needs to build, boot and test, skipping those already
# installed. Run as root, or as a user with sudo.
#
# Recommended packages are not installed, so this list must name everything. QEMU's network boot
# ROMs (ipxe-qemu) are not on it on purpose: every QEMU command line the project writes says
# `-nic none` (tests/test_qemu_cmdlines.py), so no ROM is needed, and a fresh machine proves it.
set -e
PACKAGES="clang lld llvm libclang-rt-14-dev clang-format ninja-build python3 python3-jinja2 python3-yaml python3-pytest python3-pexpect
qemu-system-arm device-tree-compiler gdb-multiarch u-boot-qemu gcc-aarch64-linux-gnu picolibc-aarch64-linux-gnu
dosfstools mtools"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing$missing"
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
