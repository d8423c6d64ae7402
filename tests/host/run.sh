#!/bin/sh
# Builds and runs the host unit tests without ninja, the way build.ninja does it: each tests/host/test_*.c is
# linked with the kernel sources named on its first line ("// sources: ..."), under ASan + UBSan, and run with
# the directory of compiled test DTBs as argv[1].
#   tests/host/run.sh [outdir]          (default: build/host-standalone)
# Env: CC (default clang), FUZZ_SECONDS (if set, also builds fuzz_fdt and fuzzes that long from the DTBs).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build/host-standalone}
cc=${CC:-clang}
flags="-std=gnu11 -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined -fno-sanitize-recover=all -DWREN_HOST_TEST"
incs="-I$top/kernel/include -I$top/kernel -I$top/tests/host"
mkdir -p "$out/dtb"

for dts in "$top"/tests/host/dtb/*.dts; do
    dtc -q -I dts -O dtb -o "$out/dtb/$(basename "$dts" .dts).dtb" "$dts"
done

sources_of() {
    head -n 1 "$1" | sed -n 's|^// sources:||p' | tr ' ' '\n' | sed "/^$/d; s|^|$top/|" | tr '\n' ' '
}

failed=0
for t in "$top"/tests/host/test_*.c; do
    name=$(basename "$t" .c)
    # shellcheck disable=SC2046,SC2086
    $cc $flags $incs "$t" $(sources_of "$t") -o "$out/$name"
    if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "$out/$name" "$out/dtb"; then
        :
    else
        failed=1
    fi
done

if [ -n "${FUZZ_SECONDS:-}" ]; then
    f="$top/tests/host/fuzz_fdt.c"
    # shellcheck disable=SC2046,SC2086
    $cc $flags -fsanitize=fuzzer $incs "$f" $(sources_of "$f") -o "$out/fuzz_fdt"
    mkdir -p "$out/corpus"
    cp "$out"/dtb/*.dtb "$out/corpus/"
    "$out/fuzz_fdt" -max_total_time="$FUZZ_SECONDS" -max_len=65536 "$out/corpus" || failed=1
fi
exit $failed
