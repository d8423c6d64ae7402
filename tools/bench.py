#!/usr/bin/env python3
"""Run the benchmark suite and write <build>/bench.json.

    tools/bench.py [--build build/bench]

Measures only a release build (configured with --release): a debug build's figures are not the benchmark, so
for one it refuses and exits 1. `ninja -C build bench` in a debug configuration builds a release configuration
of its own in build/bench/ and runs this on it.

Boots the kernel once under `qemu -icount shift=0,sleep=off` (one guest instruction = one
nanosecond of virtual time, so the figures are instruction counts and the same build gives
the same numbers every run) with an initrd whose /bin/init is tests/guest/bench, collects the
"bench: <key> <value>" lines it prints, adds the kernel's sizes, writes bench.json and
prints a table. Every figure is instructions per operation unless the key ends in _bytes (a size),
_per_insn (a rate per instruction) or _pct (a percentage).
"""
import argparse
import io
import json
import os
import re
import subprocess
import sys
import tarfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "gen"))
sys.path.insert(0, os.path.join(REPO, "tools"))
import elfsyms      # noqa: E402

QEMU = ["qemu-system-aarch64", "-M", "virt,gic-version=3", "-cpu", "cortex-a72", "-smp", "1", "-m", "1G",
        "-icount", "shift=0,sleep=off", "-nographic", "-no-reboot", "-nic", "none"]
PROGRAMS = {"bin/init": "bench", "bin/nop": "nop", "bin/schemebench": "schemebench", "bin/threadbench": "threadbench"}

# What each key measures, for the table and docs/benchmarks.md.
DESCRIPTIONS = {
    "boot_to_init": "instructions from reset to the first instruction of /bin/init",
    "boot_to_shell": "instructions from reset to the shell's first prompt (real /bin/init, /bin/sh and the RTC service)",
    "null_syscall": "get_pid round trip from EL0",
    "yield_rtt": "two processes yielding to each other, per round trip",
    "ipc_call_rtt": "call() with a 64-byte payload to a server process answering with reply_receive, per round trip",
    "ipc_send_recv": "send then receive of a 64-byte message on a channel within one process",
    "port_connect_accept": "port_connect to a server process waiting in port_accept, then both close their ends, per connection",
    "pipe_rtt": "64 bytes to a child process through one pipe and back through another, per round trip",
    "pipe_64k": "64 KiB written into a pipe with one write() and read by a child process (4 KiB pipe buffer), per 64 KiB",
    "pipe_bytes_per_insn": "pipe throughput of pipe_64k in bytes per instruction (higher is better)",
    "file_read_4k": "4 KiB read() from a 256 KiB file of the kernel's file scheme (the ramfs), with an lseek to 0 every 64 reads, per read",
    "scheme_read_4k": "the same 4 KiB reads from a user-space scheme server (a forked process that memcpys the bytes from its own memory, through <wren/scheme_server.h>), per read",
    "scheme_read_1m": "1 MiB read() from that user-space scheme server (the client's pages granted to the server, which memcpys into them), per read",
    "scheme_read_bytes_per_insn": "throughput of scheme_read_1m in bytes per instruction (higher is better; compare pipe_bytes_per_insn)",
    "blk_read_4k": "4 KiB read() of /scheme/disk/0, the virtio-blk driver (/bin/vblk) serving an 8 MiB drive (one device request per read), per read",
    "blk_read_bytes_per_insn": "1 MiB sequential read()s of /scheme/disk/0 (eight 32 KiB device requests in flight per read), in bytes per instruction (higher is better)",
    "event_wake": "from a channel send in one process to the return of event_wait in another process blocked in it",
    "spawn_wait": "spawn /bin/nop (from the ramfs) and wait for it",
    "fork_wait": "fork, the child exits, the parent waits",
    "page_fault": "first touch of an anonymous page (demand-zero fault)",
    "page_fault_2m": "first touch of an aligned 2 MiB of a large anonymous mapping (maps and zeroes a 2 MiB page)",
    "mmap_touch_munmap": "mmap 4 KiB, touch it, munmap",
    "shm_map_touch_munmap": "mmap 4 KiB of a shared-memory object (its page already there), touch it, munmap",
    "ipc_call_rtt_cross_cpu": "ipc_call_rtt with the client pinned to CPU 0 and the server to CPU 1 (-smp 4: instructions of all CPUs)",
    "ipi_rtt": "a cross-CPU call to CPU 1 (SGI 1) and its answer, per round trip, with CPU 1 waiting for the kernel lock the caller holds (-smp 4)",
    "ipc_pairs_1_per_call": "one client/server pair on one CPU (each call handed straight to the server) calling 64 bytes while the other CPUs idle: instructions of the whole machine per call (-smp 4)",
    "ipc_pairs_4_per_call": "four independent such pairs at once, pair i on CPU i: instructions of the whole machine per call of any pair; above ipc_pairs_1_per_call by what the pairs spend waiting for each other's kernel entries (-smp 4)",
    "cpu_busy_min_pct": "four CPU-bound processes (not pinned) on four CPUs: the lowest CPU's busy share of a 20 ms window, from its idle counter (-smp 4; 100 = no CPU idled; higher is better)",
    "process_min_bytes": "memory a minimal process costs (spawned, not yet run)",
    "thread_create_join": "pthread_create of a thread that returns at once, then pthread_join (one CPU)",
    "futex_wake_rtt": "two threads of one process handing a turn back and forth with futex_wake and futex_wait, per round trip (one CPU)",
    "mutex_contended": "two threads taking one pthread mutex in turn, each yielding while it holds it, so every lock waits in futex_wait and every unlock wakes: per lock and unlock (one CPU)",
    "fat_write_cold_bytes_per_insn": "a 4 MiB file written new through the fatfs server (64 KiB writes, clusters allocated as it grows; FAT32 image in a ramfs file; the server's block cache is write-back, so the sync is not counted), bytes per instruction",
    "fat_write_bytes_per_insn": "the same 4 MiB written again over itself (its blocks in the server's cache), bytes per instruction",
    "fat_read_cold_bytes_per_insn": "that file read in 64 KiB reads by a freshly started fatfs (every block read from the image file into the cache), bytes per instruction",
    "fat_read_bytes_per_insn": "read again with the cache warm (each read granted the client's pages; one copy from the cache into them), bytes per instruction",
    "fat_create_small": "create a file on the fatfs server, write 100 bytes, close (200 files in one directory), per file",
    "kernel_image_bytes": "size of the kernel Image",
    "kernel_text_bytes": "size of the kernel's text segment",
}

# Figures that wait on QEMU's I/O thread, which reads the disk image in real time while the guest's instructions
# keep count: they move by some percent between runs (tests/test_bench.py allows that for these keys only).
HOST_TIMED = {"blk_read_4k", "blk_read_bytes_per_insn"}


def program_path(build, prog):
    """A system program (initrd-root/bin) or a guest test (tests/bin: the benchmark and /bin/nop are those), by
    where its source is: a build directory from before the guest tests moved keeps stale copies in initrd-root/bin."""
    guest = os.path.isdir(os.path.join(REPO, "tests", "guest", prog))
    path = os.path.join(build, "tests" if guest else "initrd-root", "bin", prog)
    if os.path.exists(path):
        return path
    sys.exit("bench: %s is not built in %s (ninja -C %s bench_inputs)" % (prog, build, build))


def build_type(build):
    """The build's configuration (build.ninja's build_type), or None if it has no build.ninja."""
    try:
        with open(os.path.join(build, "build.ninja")) as f:
            m = re.search(r"^build_type = (\w+)$", f.read(), re.M)
    except OSError:
        return None
    return m.group(1) if m else None


def require_release(build):
    """Refuse anything but a release build: its figures are the benchmark; a debug build's (assertions, -O1) are
    not, and printing them as if they were is how the wrong figures get quoted."""
    kind = build_type(build)
    if kind != "release":
        sys.exit("bench: %s is %s, not a release build; its figures would not be the benchmark's.\n"
                 "Run `ninja -C build bench` (in a debug configuration it builds and measures a release one in "
                 "build/bench/), or configure one yourself: ./configure.py --release --builddir DIR && ninja -C DIR "
                 "bench" % (build, "a %s build" % kind if kind else "no configured build (no build.ninja)"))


def build_initrd(build, programs=PROGRAMS, name="bench-initrd.tar", empty_files=(), files=None):
    """A reproducible ustar initrd of `programs` (archive path -> program in the build), empty files and `files`
    (archive path -> bytes)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for arcname, prog in sorted(programs.items()):
            path = program_path(build, prog)
            info = tar.gettarinfo(path, arcname)
            info.uid = info.gid = info.mtime = 0
            info.uname = info.gname = ""
            with open(path, "rb") as f:
                tar.addfile(info, f)
        for arcname in empty_files:
            info = tarfile.TarInfo(arcname)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(b""))
        for arcname, data in sorted((files or {}).items()):
            info = tarfile.TarInfo(arcname)
            info.mode = 0o644
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    out = os.path.join(build, name)
    with open(out, "wb") as f:
        f.write(buf.getvalue())
    return out


def run(build, timeout, smp=1, programs=PROGRAMS, name="bench-initrd.tar", extra=(), files=None):
    cmd = list(QEMU)
    cmd[cmd.index("-smp") + 1] = str(smp)
    cmd = cmd + ["-kernel", os.path.join(build, "Image"), "-initrd",
                 build_initrd(build, programs, name, files=files)] + list(extra)
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout)
    out = p.stdout.decode("utf-8", "replace")
    if p.returncode != 0 or "bench: done" not in out:
        sys.exit("bench: the benchmark run failed (QEMU exit %d):\n%s" % (p.returncode, out))
    figures = {}
    for key, value in re.findall(r"^bench: (\w+) ([0-9.]+)\r?$", out, re.M):
        figures[key] = float(value) if "." in value else int(value)
    return figures


SMP_PROGRAMS = {"bin/init": "smpbench"}

# The block-device boot: tests/guest/blkbench as init, the virtio-blk driver, one 8 MiB drive of zeros.
BLK_PROGRAMS = {"bin/init": "blkbench", "bin/vblk": "vblk"}


def blk_drive(build):
    img = os.path.join(build, "bench-disk.img")
    with open(img, "wb") as f:
        f.truncate(8 << 20)
    return ["-global", "virtio-mmio.force-legacy=false", "-drive", "if=none,file=%s,format=raw,id=d0" % img,
            "-device", "virtio-blk-device,drive=d0"]


# The file-system boot: tests/guest/fatbench runs /bin/fatfs over an empty FAT32 image in the ramfs.
FAT_PROGRAMS = {"bin/init": "fatbench", "bin/fatfs": "fatfs"}


def fat_image(build):
    """A 16 MiB FAT32 image with 4 KiB clusters (fewer clusters than fatgen103 asks of FAT32; fatfs serves it as
    FAT32, as Linux does, for its FAT fields) made with --invariant (fixed id and times), so every run reads the same bytes."""
    path = os.path.join(build, "bench-fat.img")
    if os.path.exists(path):
        os.unlink(path)
    subprocess.run(["mkfs.fat", "-C", "-F", "32", "-s", "8", "--invariant", "-n", "BENCH", path, "16384"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(path, "rb") as f:
        return f.read()


# The second boot: the real init and shell; /etc/sh-bench makes the shell print the counter at its first prompt.
SHELL_PROGRAMS = {"bin/init": "init", "bin/sh": "sh", "bin/rtc": "rtc"}  # the default boot: init starts the RTC service


def run_shell(build, timeout):
    """boot_to_shell: counter ticks (16 instructions each) until the shell prompts; then it is told to power off."""
    cmd = QEMU + ["-kernel", os.path.join(build, "Image"), "-initrd", build_initrd(build, SHELL_PROGRAMS, "bench-shell-initrd.tar", ["etc/sh-bench"])]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = b""
    ticks = None
    try:
        while True:
            data = p.stdout.read1(4096)
            if not data:
                break
            out += data
            m = re.search(rb"^bench: sh_ready_counter (\d+)\r?$", out, re.M)
            if m and ticks is None and b"$ " in out[m.end():]:
                ticks = int(m.group(1))
                p.stdin.write(b"poweroff\n")
                p.stdin.flush()
        p.wait(timeout=timeout)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    if p.returncode != 0 or ticks is None:
        sys.exit("bench: the shell boot failed (QEMU exit %s):\n%s" % (p.returncode, out.decode("utf-8", "replace")))
    return {"boot_to_shell": ticks * 16}


def kernel_sizes(build):
    with open(os.path.join(build, "kernel.elf"), "rb") as f:
        syms = elfsyms.symbol_values(f.read())
    return {"kernel_image_bytes": os.path.getsize(os.path.join(build, "Image")),
            "kernel_text_bytes": syms["_etext"] - syms["_head_start"]}


def table(figures):
    lines = ["%-20s %14s  %s" % ("key", "value", "what")]
    for key in sorted(figures):
        lines.append("%-20s %14s  %s" % (key, figures[key], DESCRIPTIONS.get(key, "")))
    return "\n".join(lines)


def markdown(figures, config):
    rows = ["| key | value | what it measures |", "|---|---:|---|"]
    for key in sorted(figures):
        rows.append("| `%s` | %s | %s |" % (key, figures[key], DESCRIPTIONS.get(key, "")))
    return """# Benchmarks

Generated by `tools/bench.py --update-docs` (`ninja -C build bench` runs the same suite without touching this
file); `tests/test_bench.py` fails when these figures no longer match what the code measures.

`ninja -C build bench` always measures a release build: in the default (debug) configuration it configures and
builds one of its own in `build/bench/` (`./configure.py --release --builddir build/bench` with the same toolchain
and options), runs the suite there and writes `build/bench.json`; in a release configuration it measures that
build. `tools/bench.py --build DIR` refuses a debug build (exit 1), so a debug build's figures are never printed as
the benchmark. To update this file: `ninja -C build bench` once, then `tools/bench.py --build build/bench
--update-docs`.

Configuration: `%s`, QEMU `%s`. Under `-icount shift=0,sleep=off` one guest instruction advances virtual time
by exactly 1 ns, and the benchmark (`tests/guest/bench/bench.c`) reads the generic timer's counter (62.5 MHz: 16
instructions per tick), so every figure is **instructions per operation** (the mean over hundreds to thousands of
operations after a warm-up) and two runs of one build give identical numbers. Keys ending in `_bytes` are sizes; keys ending in `_per_insn` are rates per instruction; keys ending in `_pct` are percentages.

%s

The `blk_` figures come from a boot of their own: `tests/guest/blkbench` as init, `/bin/vblk` and one 8 MiB
virtio-blk drive (modern transport). They are the exception to identical runs: the device model reads the image
on QEMU's I/O thread in real time, and the driver watches the used ring for up to 2 ms (yielding between looks) before it sleeps on the
interrupt (drivers/vblk/disk.c), so how many instructions a request spends waiting depends on the host; they move
by some percent from run to run.

`boot_to_shell` comes from a second boot with the real `/bin/init`, `/bin/sh` and `/bin/rtc` (init starts the RTC
service right after the shell, as in the default boot): the shell prints the counter just
before its first prompt when `/etc/sh-bench` exists.

The `fat_*` figures come from a boot of their own: `tests/guest/fatbench` as `/bin/init` runs `/bin/fatfs` over a
16 MiB FAT32 image (`mkfs.fat --invariant`, 4 KiB clusters) in the ramfs, so they count the client, the server, its
block cache and the ramfs file under it ([docs/fatfs.md](fatfs.md)).

The IPC and pipe figures do not depend on where the benchmark's buffers fall: moving its stack by 24, 40 or 136
bytes leaves `ipc_call_rtt`, `ipc_send_recv` and `pipe_rtt` unchanged to the instruction. (They used to move by up
to 15%%, when receive and pipe writes walked the page tables for every page a buffer touched before copying.)

`tools/profile.py KEY` shows where one operation of a benchmark spends its instructions, function by function.
""" % (config, " ".join(QEMU[1:]), "\n".join(rows))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(REPO, "build", "bench"))
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--out", help="where to write the JSON (default: <build>/bench.json)")
    ap.add_argument("--update-docs", action="store_true", help="also rewrite docs/benchmarks.md")
    args = ap.parse_args()
    require_release(args.build)
    figures = run(args.build, args.timeout)
    # The multiprocessor figures: a second boot with 4 CPUs (the single-CPU figures above stay on one).
    figures.update(run(args.build, args.timeout, smp=4, programs=SMP_PROGRAMS, name="bench-smp-initrd.tar"))
    figures.update(run(args.build, args.timeout, programs=BLK_PROGRAMS, name="bench-blk-initrd.tar",
                       extra=blk_drive(args.build)))
    figures.update(run(args.build, args.timeout, programs=FAT_PROGRAMS, name="bench-fat-initrd.tar",
                       files={"fat.img": fat_image(args.build)}))
    figures.update(run_shell(args.build, args.timeout))
    figures.update(kernel_sizes(args.build))
    text = json.dumps(figures, indent=2, sort_keys=True) + "\n"
    with open(args.out or os.path.join(args.build, "bench.json"), "w") as f:
        f.write(text)
    print(text + "\n" + table(figures))
    if args.update_docs:
        with open(os.path.join(args.build, "build.ninja")) as f:
            config = re.search(r"^configure_args = (.*)$", f.read(), re.M).group(1)
        config = re.sub(r"--builddir(=| )\S+", "", config).strip()  # where it was built does not matter
        with open(os.path.join(REPO, "docs", "benchmarks.md"), "w") as f:
            f.write(markdown(figures, "./configure.py " + config if config else "./configure.py"))


if __name__ == "__main__":
    main()
