#!/usr/bin/env python3
"""Configure the Wren build: check the tools, then write <builddir>/build.ninja.

    ./configure.py                      clang + lld, debug build, QEMU virt with GICv2
    ./configure.py --toolchain gnu      the GNU aarch64 cross compiler instead
    ./configure.py --release --gic 3 --el2 --memory 2G

build.ninja is build.ninja.in with its @VARIABLES@ filled in and one build statement per
source file appended. Ninja re-runs this script (with the same arguments) when
build.ninja.in, this script or the set of source files changes.
"""

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys

SRC = os.path.dirname(os.path.abspath(__file__))

# Debian package that provides each tool, so a missing one is a one-line fix.
DEBIAN_PACKAGE = {
    "clang": "clang", "ld.lld": "lld", "llvm-objcopy": "llvm", "llvm-ar": "llvm",
    "aarch64-linux-gnu-gcc": "gcc-aarch64-linux-gnu", "aarch64-linux-gnu-ld": "binutils-aarch64-linux-gnu",
    "aarch64-linux-gnu-objcopy": "binutils-aarch64-linux-gnu", "aarch64-linux-gnu-ar": "binutils-aarch64-linux-gnu",
    "ninja": "ninja-build", "qemu-system-aarch64": "qemu-system-arm", "dtc": "device-tree-compiler",
    "gdb-multiarch": "gdb-multiarch",
}
# User programs link Debian's picolibc build (headers, libc.a; libm is part of libc.a).
PICOLIBC_DIR = "/usr/lib/picolibc/aarch64-linux-gnu"
PICOLIBC_PACKAGE = "picolibc-aarch64-linux-gnu"
PY_PACKAGE = {"jinja2": "python3-jinja2", "yaml": "python3-yaml", "pytest": "python3-pytest",
              "pexpect": "python3-pexpect"}


def fail(msg):
    sys.stderr.write("configure: error: %s\n" % msg)
    sys.exit(1)


def find_tool(name, required=True):
    path = shutil.which(name)
    if not path and required:
        fail("'%s' not found; install the Debian package '%s' (or run tools/install-deps.sh)"
             % (name, DEBIAN_PACKAGE.get(name, name)))
    return path


def python_has(python, modules):
    code = "import " + ", ".join(modules)
    return subprocess.run([python, "-c", code], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def ensure_generator_python():
    """The generator needs Jinja2 and PyYAML. If this interpreter (say, a pyenv build) lacks
    them but Debian's /usr/bin/python3 has them, re-run ourselves with that one."""
    if python_has(sys.executable, ["jinja2", "yaml"]):
        return
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3") \
            and python_has("/usr/bin/python3", ["jinja2", "yaml"]):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    missing = [m for m in ("jinja2", "yaml") if not python_has(sys.executable, [m])]
    fail("Python module(s) %s missing for %s; install %s"
         % (", ".join(missing), sys.executable, " ".join(PY_PACKAGE[m] for m in missing)))


def find_test_python():
    """pytest may live in a different interpreter than the one running us (see README)."""
    for py in (sys.executable, "/usr/bin/python3"):
        if py and os.path.exists(py) and python_has(py, ["pytest", "yaml", "jinja2"]):
            return py
    return None


def make_parser():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--builddir", default="build", help="output directory (default: build)")
    p.add_argument("--toolchain", choices=["clang", "gnu"], default="clang",
                   help="clang + lld (default) or the GNU aarch64-linux-gnu- cross tools")
    p.add_argument("--cross-prefix", default="aarch64-linux-gnu-", help="prefix of the GNU cross tools")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--debug", dest="build_type", action="store_const", const="debug",
                      help="assertions on, -O1 (default)")
    mode.add_argument("--release", dest="build_type", action="store_const", const="release",
                      help="assertions off, -O2")
    p.set_defaults(build_type="debug")
    p.add_argument("--gic", choices=["2", "3"], default="2", help="QEMU virt GIC version for run/debug")
    p.add_argument("--el2", action="store_true", help="QEMU enters the kernel at EL2 (virtualization=on)")
    p.add_argument("--memory", default="1G", help="QEMU RAM size (default 1G)")
    p.add_argument("--smp", default="4", help="QEMU CPU count for ninja run (default 4, as the BPI-R4 has)")
    p.add_argument("--cpu", default="cortex-a72", help="QEMU CPU model (default cortex-a72)")
    p.add_argument("--bootargs", default="", help="kernel command line, e.g. 'trace=syscalls'")
    p.add_argument("--picolibc", default=PICOLIBC_DIR, help="picolibc for user programs (default: %s)" % PICOLIBC_DIR)
    return p


def parse_args(argv):
    return make_parser().parse_args(argv)


# What `ninja bench` needs built: the kernel, the benchmark and /bin/nop it spawns, the init and shell it boots.
BENCH_INPUTS = "Image kernel.elf initrd-root/bin/init initrd-root/bin/sh initrd-root/bin/rtc tests/bin/bench tests/bin/nop tests/bin/schemebench tests/bin/threadbench tests/bin/smpbench"


def bench_edge(args):
    """`ninja bench` measures a release build only (tools/bench.py refuses anything else). A release configuration
    measures itself; a debug one configures a release build of its own in <builddir>/bench, with every other option
    the same (toolchain, picolibc, ...), builds what the benchmark needs there, and measures that."""
    if args.build_type == "release":
        return BENCH_INPUTS, "$python $srcdir/tools/bench.py --build $$PWD"
    p = make_parser()
    same = []
    for action in p._actions:
        if action.dest in ("help", "builddir", "build_type") or not action.option_strings:
            continue
        value = getattr(args, action.dest)
        if value == p.get_default(action.dest):
            continue
        same += [action.option_strings[0]] if value is True else [action.option_strings[0], str(value)]
    configure = " ".join(shlex.quote(a).replace("$", "$$")
                         for a in same + ["--release", "--builddir"]) + " $$PWD/bench"
    cmd = ("echo \"bench: a debug configuration; measuring the release build in $$PWD/bench instead\" && "
           "$python $srcdir/configure.py %s && ninja -C bench %s && "
           "$python $srcdir/tools/bench.py --build $$PWD/bench --out $$PWD/bench.json"
           % (configure, BENCH_INPUTS))
    return "", cmd


def picolibc_vars(args):
    """Where user programs find the C library, and the extra compile flags it needs."""
    root = args.picolibc
    # lib/ is built with assertions, lib/release/ without: follow the build type.
    libdir = os.path.join(root, "lib", "release" if args.build_type == "release" else "")
    libc = os.path.join(libdir, "libc.a")
    if not os.path.exists(os.path.join(root, "include", "stdio.h")) or not os.path.exists(libc):
        fail("picolibc not found in %s; install the Debian package '%s' (or run tools/install-deps.sh)"
             % (root, PICOLIBC_PACKAGE))
    # picolibc's errno is thread-local; programs are static, so the cheapest TLS model fits.
    flags = ["-isystem", os.path.join(root, "include"), "-ftls-model=local-exec"]
    if args.toolchain == "clang":
        # Debian compiles picolibc with aarch64-linux-gnu-gcc, which defines __linux, and the
        # headers size dev_t, ino_t, uid_t and struct stat by it: user code must agree.
        flags.append("-D__linux=1")
    # libgcc supplies the 128-bit long double arithmetic picolibc's long double functions call.
    gcc = shutil.which(args.cross_prefix + "gcc")
    if not gcc:
        fail("'%sgcc' not found (its libgcc.a is linked into user programs); install the Debian package '%s' "
             "(or run tools/install-deps.sh)" % (args.cross_prefix, DEBIAN_PACKAGE["aarch64-linux-gnu-gcc"]))
    libgcc = subprocess.check_output([gcc, "-print-libgcc-file-name"], text=True).strip()
    return flags, libc, libgcc


def toolchain_vars(args):
    common = ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-g", "-ffreestanding", "-fno-builtin",
              "-fno-stack-protector", "-fno-pic", "-fno-omit-frame-pointer"]
    # The kernel does not save FP/SIMD registers on entry: keep the compiler off them.
    # User programs may use them; the scheduler saves them on every switch.
    kernel_only = ["-mgeneral-regs-only"]
    with open(os.path.join(SRC, "VERSION")) as f:
        version = f.read().strip()
    common += ["'-DWREN_VERSION=\"%s\"'" % version,
               "'-DWREN_BUILD_INFO=\"%s, %s\"'" % (args.build_type, args.toolchain)]
    if args.build_type == "debug":
        common += ["-O1", "-DWREN_DEBUG=1"]
    else:
        common += ["-O2", "-DNDEBUG"]
    if args.toolchain == "clang":
        cc = find_tool("clang")
        ld = find_tool("ld.lld")
        objcopy = find_tool("llvm-objcopy")
        ar = find_tool("llvm-ar")
        target = ["--target=aarch64-none-elf", "-mcpu=cortex-a53"]
        cflags = target + common
        asflags = target
        ucflags = cflags
    else:
        pre = args.cross_prefix
        cc = find_tool(pre + "gcc")
        ld = find_tool(pre + "ld")
        objcopy = find_tool(pre + "objcopy")
        ar = find_tool(pre + "ar")
        cflags = ["-mcpu=cortex-a53", "-fno-pie", "-nostdinc", "-isystem",
                  subprocess.check_output([cc, "-print-file-name=include"], text=True).strip()] + common
        asflags = ["-mcpu=cortex-a53"]
        ucflags = cflags
    libc_flags, libc, libgcc = picolibc_vars(args)
    # Sections per function and object let the link drop whatever a program does not use.
    ucflags = libc_flags + ucflags + ["-ffunction-sections", "-fdata-sections"]
    return {"cc": cc, "ld": ld, "objcopy": objcopy, "ar": ar, "libc": libc, "libgcc": libgcc,
            "cflags": " ".join(cflags + kernel_only), "ucflags": " ".join(ucflags), "asflags": " ".join(asflags)}


def sources(top, exts):
    """Source files under top (relative to SRC), sorted so build.ninja is deterministic."""
    out = []
    for root, dirs, files in os.walk(os.path.join(SRC, top)):
        dirs.sort()
        for f in sorted(files):
            if f.endswith(exts):
                out.append(os.path.relpath(os.path.join(root, f), SRC))
    return out


def source_dirs(*tops):
    """Directories whose mtime changes when a file is added or removed: configure depends on them."""
    out = []
    for top in tops:
        for root, dirs, _ in os.walk(os.path.join(SRC, top)):
            dirs.sort()
            out.append(os.path.relpath(root, SRC))
    return out


def obj_name(src, prefix):
    stem = src.replace("/", "_").replace(".", "_")
    return "%s/%s.o" % (prefix, stem)


def esc(path):
    return path.replace("$", "$$").replace(" ", "$ ").replace(":", "$:")


def host_test_sources(test):
    """A host test names the kernel sources it links on its first line: // sources: a.c b.c (and on the lines
    right after it that start the same way, when they would not fit on one line)."""
    out = []
    with open(os.path.join(SRC, test)) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("// sources:"):
                break
            out += line[len("// sources:"):].split()
    if not out:
        fail("%s:1: host test must start with '// sources: <kernel files>'" % test)
    return out


def library(s, top, out):
    """A static library of the sources under top (its headers in top/include), for some programs only:
    the include flag its users need, and the archive; (None, None) if top has no sources."""
    objs = []
    inc = "$uincludes -I$srcdir/%s/include" % top
    for f in sources(top, (".c", ".S")):
        o = obj_name(f, os.path.dirname(out) or ".")
        s.append("build %s: %s %s || gen_headers\n  uincludes = %s\n"
                 % (o, "ucc" if f.endswith(".c") else "uas", "$srcdir/" + esc(f), inc))
        objs.append(o)
    if not objs:
        return None
    s.append("build %s: ar %s\n" % (out, " ".join(objs)))
    return (inc, out)


def programs(s, top, bindir, lib=None, skip=()):
    """Each directory top/<name>/ is one program: objects and <name>.elf under the build's top/, stripped into
    bindir/<name>. Returns the stripped outputs."""
    out = []
    root = os.path.join(SRC, top)
    for prog in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        files = sources(os.path.join(top, prog), (".c", ".S")) if prog not in skip else []
        if not files:
            continue
        pobjs = []
        for f in files:
            o = obj_name(f, top)
            s.append("build %s: %s %s || gen_headers\n" % (o, "ucc" if f.endswith(".c") else "uas", "$srcdir/" + esc(f)))
            if lib:
                s.append("  uincludes = %s\n" % lib[0])
            pobjs.append(o)
        s.append("build %s/%s.elf: ulink %s | %suserlib/libwren.a $libc $libgcc $srcdir/userlib/user.ld\n"
                 % (top, prog, " ".join(pobjs), lib[1] + " " if lib else ""))
        if lib:
            s.append("  libs = %s\n" % lib[1])
        s.append("build %s/%s: ustrip %s/%s.elf\n" % (bindir, prog, top, prog))
        out.append("%s/%s" % (bindir, prog))
    return out


def build_statements(args):
    s = []
    src = "$srcdir/"
    gen_outputs = ["gen/include/wren/abi.h", "gen/kernel/syscall_table.h", "gen/kernel/syscall_dispatch.c",
                   "gen/userlib/wren/syscalls.h", "gen/userlib/syscalls.S", "gen/docs/syscalls.md"]
    interface = sources("interface", (".yaml",))
    gen_py = sources("gen", (".py", ".j2"))
    s.append("build %s: wrengen | %s %s\n" % (" ".join(gen_outputs),
             " ".join(src + f for f in interface + gen_py), " ".join(src + d for d in source_dirs("interface"))))
    s.append("build gen_headers: phony gen/include/wren/abi.h gen/kernel/syscall_table.h gen/userlib/wren/syscalls.h\n")

    # Kernel.
    kobjs = []
    for f in sources("kernel", (".c", ".S")):
        o = obj_name(f, "kernel")
        rule = "kcc" if f.endswith(".c") else "kas"
        s.append("build %s: %s %s || gen_headers\n" % (o, rule, src + esc(f)))
        kobjs.append(o)
    s.append("build kernel/gen_syscall_dispatch.o: kcc gen/kernel/syscall_dispatch.c || gen_headers\n")
    kobjs.append("kernel/gen_syscall_dispatch.o")
    s.append("build kernel/syscalls-implemented.stamp: check_impl %s | %s %s\n"
             % (" ".join(kobjs), src + "gen/wrengen.py", " ".join(src + f for f in interface)))
    # Two links: the first places every function, the second adds their symbol table (tools/ksyms.py).
    s.append("build kernel/ksyms_empty.S: ksyms_empty | $srcdir/tools/ksyms.py\n")
    s.append("build kernel/ksyms_empty.o: kas kernel/ksyms_empty.S\n")
    s.append("build kernel/pass1.elf: klink %s kernel/ksyms_empty.o | $srcdir/kernel/arch/aarch64/kernel.ld "
             "|| kernel/syscalls-implemented.stamp\n" % " ".join(kobjs))
    s.append("build kernel/ksyms.S: ksyms kernel/pass1.elf | $srcdir/tools/ksyms.py $srcdir/gen/elfsyms.py\n")
    s.append("build kernel/ksyms.o: kas kernel/ksyms.S\n")
    s.append("build kernel.elf: klink_final %s kernel/ksyms.o | $srcdir/kernel/arch/aarch64/kernel.ld "
             "kernel/ksyms.S || kernel/syscalls-implemented.stamp\n" % " ".join(kobjs))
    s.append("build Image: image kernel.elf\n")

    # Userlib and user programs.
    uobjs = []
    for f in sources("userlib", (".c", ".S")):
        o = obj_name(f, "userlib")
        s.append("build %s: %s %s || gen_headers\n" % (o, "ucc" if f.endswith(".c") else "uas", src + esc(f)))
        uobjs.append(o)
    s.append("build userlib/gen_syscalls.o: uas gen/userlib/syscalls.S || gen_headers\n")
    uobjs.append("userlib/gen_syscalls.o")
    s.append("build userlib/libwren.a: ar %s\n" % " ".join(uobjs))

    # User programs and drivers become /bin of the default initrd; guest tests (tests/guest/, with their
    # check library) get a /bin of their own, packed only into the test initrd (default + tests).
    driver_lib = library(s, "drivers/lib", "drivers/libdriver.a")
    check_lib = library(s, "tests/guest/lib", "tests/libcheck.a")
    system = programs(s, "user", "initrd-root/bin")
    # mtk-msdc serves its card through drivers/lib/blkserve.c (the disk scheme); until that is in the tree the
    # driver cannot link, so it is left out (its host tests, tests/host/test_msdc.c, build either way).
    no_blkserve = not os.path.exists(os.path.join(SRC, "drivers/lib/blkserve.c"))
    system += programs(s, "drivers", "initrd-root/bin", driver_lib, skip=("lib",) + (("mtk-msdc",) if no_blkserve else ()))
    # Guest tests also get the driver layer, so a test can exercise drivers/lib itself (tests/guest/virtiotest).
    test_libs = (check_lib[0] + " " + driver_lib[0].replace("$uincludes ", ""), check_lib[1] + " " + driver_lib[1])
    tests = programs(s, "tests/guest", "tests/bin", test_libs, skip=("lib",))
    s.append("build initrd.tar: mkinitrd %s | $srcdir/tools/mkinitrd.py\n" % " ".join(system))
    s.append("build initrd-test.tar: mkinitrd %s %s | $srcdir/tools/mkinitrd.py\n"
             "  roots = --root initrd-root --root bin=tests/bin\n" % (" ".join(system), " ".join(tests)))
    s.append("build guest_tests: phony %s\n" % " ".join(tests))
    s.append("build bench_inputs: phony %s\n" % BENCH_INPUTS)

    # Host unit tests (ASan + UBSan) and their DTB fixtures.
    host = []
    for dts in sources("tests/host/dtb", (".dts",)):
        out = "host/dtb/%s.dtb" % os.path.splitext(os.path.basename(dts))[0]
        s.append("build %s: dtc %s\n" % (out, src + dts))
        host.append(out)
    for t in sources("tests/host", (".c",)):
        name = os.path.splitext(os.path.basename(t))[0]
        if not name.startswith(("test_", "fuzz_")):
            continue
        deps = host_test_sources(t)
        rule = "hostcc" if name.startswith("test_") else "hostfuzz"
        s.append("build host/%s: %s %s %s || gen_headers\n" % (name, rule, src + t, " ".join(src + d for d in deps)))
        host.append("host/%s" % name)
    s.append("build host_tests: phony %s\n" % " ".join(host))

    s.append("build all: phony Image kernel.elf initrd.tar initrd-test.tar userlib/libwren.a host_tests\n")
    return "".join(s)


def main(argv):
    ensure_generator_python()
    args = parse_args(argv)
    find_tool("ninja")
    for tool in ("qemu-system-aarch64", "dtc"):
        if not find_tool(tool, required=False):
            sys.stderr.write("configure: warning: '%s' not found (needed by run/test); install '%s'\n"
                             % (tool, DEBIAN_PACKAGE[tool]))
    test_python = find_test_python()
    if not test_python:
        sys.stderr.write("configure: warning: no Python with pytest + jinja2 + yaml; `ninja test` needs "
                         "python3-pytest python3-jinja2 python3-yaml\n")
    tc = toolchain_vars(args)

    builddir = os.path.abspath(args.builddir)
    os.makedirs(builddir, exist_ok=True)
    qemu_machine = "virt,gic-version=%s%s" % (args.gic, ",virtualization=on" if args.el2 else "")
    values = {
        "SRCDIR": SRC,
        "PYTHON": sys.executable,
        "TEST_PYTHON": test_python or "false",
        "CONFIGURE_ARGS": " ".join(shlex.quote(a) for a in argv),
        "CC": tc["cc"], "LD": tc["ld"], "OBJCOPY": tc["objcopy"], "AR": tc["ar"],
        "LIBC": tc["libc"], "LIBGCC": tc["libgcc"],
        "CFLAGS": tc["cflags"], "UCFLAGS": tc["ucflags"], "ASFLAGS": tc["asflags"],
        "HOSTCC": shutil.which("clang") or shutil.which("cc") or "cc",
        "QEMU_MACHINE": qemu_machine, "QEMU_CPU": args.cpu, "QEMU_MEMORY": args.memory,
        "QEMU_SMP": args.smp, "BOOTARGS": args.bootargs,
        "BUILD_TYPE": args.build_type, "TOOLCHAIN": args.toolchain,
        "BENCH_DEPS": bench_edge(args)[0], "BENCH_CMD": bench_edge(args)[1],
    }
    with open(os.path.join(SRC, "build.ninja.in")) as f:
        text = f.read()
    for k, v in values.items():
        text = text.replace("@%s@" % k, v)
    left = re.findall(r"^[^#\n]*(@[A-Z_]+@)", text, re.M)
    if left:
        fail("build.ninja.in: configure.py has no value for %s" % ", ".join(sorted(set(left))))
    configure_deps = ["$srcdir/configure.py", "$srcdir/build.ninja.in"] + \
        ["$srcdir/" + d for d in source_dirs("kernel", "userlib", "user", "drivers", "tests/guest", "tests/host")] + \
        ["$srcdir/" + t for t in sources("tests/host", (".c",))]
    text += "\nbuild build.ninja: configure | %s\n" % " ".join(configure_deps)
    text += build_statements(args)
    text += "\ndefault all\n"

    out = os.path.join(builddir, "build.ninja")
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, out)
    print("configure: %s build with %s; QEMU -M %s -m %s; wrote %s"
          % (args.build_type, args.toolchain, qemu_machine, args.memory, os.path.relpath(out)))
    if sys.stdout.isatty():
        print("next: ninja -C %s        (then: ninja -C %s run | test | debug)"
              % (os.path.relpath(builddir), os.path.relpath(builddir)))


if __name__ == "__main__":
    main(sys.argv[1:])
