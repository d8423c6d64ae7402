"""The shell on the console, driven like a person at a terminal (pexpect): /bin/init starts
/bin/sh from the test initrd (build/initrd-test.tar: the default initrd plus the guest tests, since some
commands typed here are tests: oom, proclimtest); commands are typed with Enter (CR) and their output read back."""
import os
import re
import time

import pexpect
import pytest

from qemu import boot_interactive
from test_syscalls import make_initrd, system_programs

PROMPT = r"\S+ \$ "
NL = r"\r*\n"  # the kernel sends CRLF, and the pseudo-terminal may add a CR of its own


class Shell:
    def __init__(self, build, **kw):
        self.c = boot_interactive(build, timeout=20, **kw)
        self.c.expect("init: hello from EL0")
        self.c.expect(PROMPT)

    def run(self, line, expect=PROMPT):
        """Type a line, wait for the next prompt; the output between them (echo excluded)."""
        self.c.send(line + "\r")
        self.c.expect(re.escape(line) + NL)  # the shell's echo of what was typed
        self.c.expect(expect)
        return re.sub(NL, "\n", self.c.before)

    def poweroff(self):
        self.c.send("poweroff\r")
        self.c.expect("init: powering off")
        self.c.expect("wren: /bin/init \\(pid 1\\) exited with status 0")
        self.c.expect("wren: powering off")
        self.c.expect(pexpect.EOF)

    def close(self):
        self.c.close(force=True)


def with_guest_tests(build):
    return os.path.join(build, "initrd-test.tar")


@pytest.fixture
def sh(build):
    s = Shell(build, initrd=with_guest_tests(build))
    yield s
    s.close()


def test_echo_ls_and_files(sh):
    assert sh.run("echo hi") == "hi\n"
    out = sh.run("ls /bin")
    sizes = dict((m.group(2), int(m.group(1))) for m in re.finditer(r"^- +(\d+) (\w+)$", out, re.M))
    for prog in ("sh", "init", "echo", "ls", "cat", "ps", "kill", "spin"):
        assert sizes.get(prog, 0) > 1000, out
    assert "File exists" in sh.run("mkdir /tmp")  # the default initrd has /tmp, for scratch files
    assert sh.run("mkdir /tmp/d") == ""
    sh.c.send("cd /tmp/d\r")
    sh.c.expect_exact("/tmp/d $ ")
    assert sh.run("pwd") == "/tmp/d\n"
    assert sh.run("echo hi > /tmp/x") == ""
    assert sh.run("cat /tmp/x") == "hi\n"
    assert sh.run("echo there >> /tmp/x") == ""
    assert sh.run("cat ../x") == "hi\nthere\n"  # relative to /tmp/d
    assert sh.run("echo rel > f") == ""
    assert sh.run("ls") == "-        4 f\n"
    assert sh.run("cat < f") == "rel\n"
    assert sh.run("mv f g") == ""
    assert sh.run("ls /tmp/d") == "-        4 g\n"
    assert sh.run("touch h") == ""
    assert sh.run("ls -l h").startswith("-        0")
    assert sh.run("rm g h") == ""
    sh.c.send("cd ..\r")
    sh.c.expect_exact("/tmp $ ")
    assert sh.run("rmdir d") == ""
    assert sh.run("ls") == "-        9 x\n"
    assert "[exit 1]" in sh.run("cat /nonexistent")
    sh.poweroff()


def test_schemes_from_the_shell(sh):
    """`ls /scheme` lists the schemes, both spellings reach the console, cd works into /scheme, and the shell's
    namespace (init's: every scheme but mmio and irq) refuses the drivers' schemes."""
    out = sh.run("ls /scheme")
    names = re.findall(r"^\S +\d+ ([^\s/]+)/?$", out, re.M)
    assert "file" in names and "console" in names, out
    assert "mmio" not in names and "irq" not in names, out
    assert sh.run("echo via-scheme > /scheme/console") == "via-scheme\n"
    assert sh.run("echo via-colon > console:") == "via-colon\n"
    assert sh.run("cat /scheme/file/tmp/../bin/../tmp/nothing").count("No such file") == 1
    sh.c.send("cd /scheme\r")
    sh.c.expect_exact("/scheme $ ")
    assert sh.run("pwd") == "/scheme\n"
    assert re.search(r"^c +\d+ console$", sh.run("ls"), re.M)  # the scheme's root is the console itself
    sh.c.send("cd file/bin\r")
    sh.c.expect_exact("/bin $ ")
    out = sh.run("cat /scheme/mmio/pl031@9010000")
    assert "ermission denied" in out and "[exit 1]" in out, out
    sh.poweroff()


def test_pipes(sh):
    assert sh.run("echo a b | cat") == "a b\n"
    out = sh.run("ls /bin | cat | cat")
    assert re.search(r"^- +\d+ echo$", out, re.M) and re.search(r"^- +\d+ sh$", out, re.M), out
    assert sh.run("echo x y z | cat > /f") == ""
    assert sh.run("cat /f /f") == "x y z\nx y z\n"
    sh.poweroff()


def test_errors_usage_and_exit_status(sh):
    out = sh.run("nosuchcommand")
    assert "sh: nosuchcommand: command not found" in out and "[exit 127]" in out, out
    out = sh.run("mkdir")
    assert "usage: mkdir" in out and "[exit 2]" in out, out
    out = sh.run("sleep x")
    assert "usage: sleep" in out and "[exit 2]" in out, out
    out = sh.run("cd /nonexistent")
    assert "cd: /nonexistent:" in out and "[exit 1]" in out, out
    out = sh.run("echo 'unterminated")
    assert "unterminated" in out and "[exit 2]" in out, out
    assert sh.run("echo 'two  spaces' \"and|pipe\"") == "two  spaces and|pipe\n"
    assert "cd [dir]" in sh.run("help")
    sh.poweroff()


def test_bad_elf_fails_clearly_and_shell_goes_on(build, tmp_path):
    progs = [p for p in system_programs() if p != "init"]
    initrd = make_initrd(tmp_path, build, program="init", extra=progs, files={"bin/junk": b"\x7fELF not really" * 8})
    s = Shell(build, initrd=initrd)
    try:
        out = s.run("junk")
        assert "sh: /bin/junk: not an executable program (bad ELF file)" in out and "[exit 126]" in out, out
        assert s.run("echo still here") == "still here\n"
        s.poweroff()
    finally:
        s.close()


def test_line_editing_and_history(sh):
    c = sh.c
    c.send("echo abx\x7fc\r")  # DEL removes the x
    c.expect(NL + "abc" + NL)
    c.expect(PROMPT)
    c.send("echo wrong\x08\x08\x08\x08\x08right\r")  # backspace works as DEL
    c.expect(NL + "right" + NL)
    c.expect(PROMPT)
    c.send("garbage here\x15echo killed\r")  # Ctrl-U kills the whole line
    c.expect(NL + "killed" + NL)
    c.expect(PROMPT)
    c.send("echo ac\x1b[Db\r")  # left arrow, insert in the middle
    c.expect(NL + "abc" + NL)
    c.expect(PROMPT)
    sh.run("echo one")
    sh.run("echo two")
    c.send("\x1b[A\x1b[A\r")  # up twice: "echo one"
    c.expect(NL + "one" + NL)
    c.expect(PROMPT)
    # history now ends: echo one, echo two, echo one. Up three times, then down once: "echo two".
    c.send("\x1b[A\x1b[A\x1b[A\x1b[B\r")
    c.expect(NL + "two" + NL)
    c.expect(PROMPT)
    sh.poweroff()


def test_background_jobs_ps_and_a_spinner_does_not_starve_the_shell(sh):
    out = sh.run("sleep 0.3 &")
    m = re.match(r"\[1\] (\d+)\n", out)
    assert m, out
    time.sleep(0.6)
    out = sh.run("echo next")
    assert re.search(r"\[1\] done sleep 0.3 &", out) and "next\n" in out, out
    out = sh.run("spin 4 &")
    spin_pid = int(re.match(r"\[1\] (\d+)\n", out).group(1))
    t0 = time.monotonic()
    for i in range(5):
        assert sh.run("echo alive %d" % i).endswith("alive %d\n" % i)
    assert time.monotonic() - t0 < 3, "the shell answered slowly next to a spinning job"
    out = sh.run("ps")
    rows = {int(m.group(1)): m for m in re.finditer(r"^ *(\d+) +(\d+) (\w+) +(\d+) +(\d+)K +\d+ (\S+)$", out, re.M)}
    assert rows[1].group(6) == "/bin/init" and rows[1].group(2) == "0", out
    shells = [m for m in rows.values() if m.group(6) == "/bin/sh" and m.group(2) == "1"]
    assert len(shells) == 1 and int(shells[0].group(5)) > 0, out
    assert rows[spin_pid].group(6) == "/bin/spin" and rows[spin_pid].group(2) == shells[0].group(1), out
    assert rows[spin_pid].group(3) in ("ready", "run"), out
    out = sh.run("kill %d" % spin_pid)
    time.sleep(0.2)
    out += sh.run("echo after")
    # the job's end is reported at the first prompt after it, with the signal that ended it
    assert re.search(r"\[1\] done spin 4 & \[killed by signal 15\]", out), out
    assert spin_pid not in [int(x) for x in re.findall(r"^ *(\d+) ", sh.run("ps"), re.M)]
    sh.poweroff()


def test_ctrl_c_stops_the_foreground_job_not_the_shell(sh):
    sh.c.send("spin 30\r")
    sh.c.expect("spin 30" + NL)
    time.sleep(0.5)
    t0 = time.monotonic()
    sh.c.send("\x03")
    sh.c.expect(PROMPT, timeout=5)
    assert time.monotonic() - t0 < 3, "Ctrl-C did not stop the job promptly"
    assert "[killed by signal 2]" in sh.c.before, sh.c.before
    assert sh.run("echo still here") == "still here\n"
    assert "/bin/spin" not in sh.run("ps")
    sh.poweroff()


def test_exit_restarts_the_shell(sh):
    sh.c.send("cd /bin\r")
    sh.c.expect_exact("/bin $ ")
    sh.c.send("exit 3\r")
    sh.c.expect_exact("init: /bin/sh exited with status 3, restarting it")
    sh.c.expect_exact("/ $ ")  # a fresh shell, in init's directory
    assert sh.run("pid").startswith("pid ")
    assert "up " in sh.run("uptime")
    assert re.search(r"free +\d+ KiB", sh.run("meminfo"))
    sh.poweroff()


def test_out_of_memory_ends_the_program_and_the_shell_stays_usable(sh):
    # /bin/oom touches 64 GiB: the kernel ends it when RAM runs out; the shell reports the death, every page
    # comes back (within the few the shell's own history takes) and the next commands run.
    def free_kib():
        m = re.search(r"^free +(\d+) KiB$", sh.run("meminfo"), re.M)
        assert m
        return int(m.group(1))

    # Without a disk, the boot's disk driver and mount (init's services) give up and exit within a second or two: let
    # them, so that their memory coming back is not counted as oom's.
    for _ in range(50):
        if not re.search(r"/bin/(vblk|mount)$", sh.run("ps"), re.M):
            break
        time.sleep(0.2)
    free_kib()  # the first run of a command may grow the shell's own memory
    before = free_kib()
    out = sh.run("oom")
    assert "oom: touching pages until memory runs out" in out, out
    assert re.search(r"wren: pid \d+ \(/bin/oom\) killed: out of memory at address 0x[0-9a-f]+, pc 0x4", out), out
    assert "[killed by signal 11]" in out, out
    # oom held nearly all of the 1 GiB; afterwards at most a few pages differ (measured: 8 KiB, the shell's own
    # history and buffers; the exact page count is checked by tests/test_memory.py, where nothing else runs).
    assert abs(free_kib() - before) <= 64, out
    # The other way memory runs out: a write to the ramfs that finds none fails with E_NOMEM, to that program.
    out = sh.run("oom ramfs")
    assert re.search(r"oom: write failed with E_NOMEM after \d+ MiB; file removed", out), out
    assert "[exit" not in out and "killed" not in out, out
    assert abs(free_kib() - before) <= 64, out
    assert sh.run("echo still here") == "still here\n"


def spin_row(sh):
    """ps's row for /bin/spin: (pid, state), or None."""
    m = re.search(r"^ *(\d+) +\d+ (\w+) +\d+ +\d+K +\d+ /bin/spin$", sh.run("ps"), re.M)
    return (int(m.group(1)), m.group(2)) if m else None


def test_ctrl_z_stops_the_job_and_fg_bg_continue_it(sh):
    # Ctrl-Z at the prompt: the shell ignores it (and it is not typed input).
    sh.c.send("\x1a")
    assert sh.run("echo still here") == "still here\n"
    sh.c.send("spin 30\r")
    sh.c.expect("spin 30" + NL)
    time.sleep(0.5)
    sh.c.send("\x1a")
    sh.c.expect(r"\[1\] stopped spin 30" + NL, timeout=5)
    sh.c.expect(PROMPT)
    pid, state = spin_row(sh)
    assert state == "stop", state
    assert sh.run("jobs") == "[1] stopped spin 30\n"
    assert sh.run("bg") == "[1] spin 30 &\n"
    assert spin_row(sh)[1] in ("ready", "run")
    assert sh.run("jobs") == "[1] running spin 30\n"
    # fg: the job has the console again; Ctrl-Z stops it a second time, fg 1 and Ctrl-C end it.
    sh.c.send("fg\r")
    sh.c.expect("fg" + NL + "spin 30" + NL)
    time.sleep(0.3)
    sh.c.send("\x1a")
    sh.c.expect(r"\[1\] stopped spin 30" + NL, timeout=5)
    sh.c.expect(PROMPT)
    assert spin_row(sh) == (pid, "stop")
    sh.c.send("fg %1\r")
    sh.c.expect("spin 30" + NL)
    time.sleep(0.3)
    sh.c.send("\x03")
    sh.c.expect(PROMPT, timeout=5)
    assert "[killed by signal 2]" in sh.c.before, sh.c.before
    assert sh.run("jobs") == ""
    assert spin_row(sh) is None
    assert "fg: no such job" in sh.run("fg")
    sh.poweroff()


def test_environment(sh):
    out = sh.run("env")
    assert "PATH=/bin\n" in out and "HOME=/\n" in out, out
    assert sh.run("export GREETING=hello") == ""
    assert sh.run("env GREETING") == "hello\n"
    # NAME=value before a command: for that command only
    assert sh.run("FOO='two words' env FOO") == "two words\n"
    assert sh.run("env FOO") == "[exit 1]\n"
    assert sh.run("X=1") == ""
    assert sh.run("env X") == "1\n"
    assert sh.run("unset GREETING X") == ""
    assert sh.run("env GREETING") == "[exit 1]\n"
    assert "X=" not in sh.run("env")
    sh.poweroff()


def test_a_stopped_console_reader_reads_on_after_fg(sh):
    """cat blocked reading the console is stopped by Ctrl-Z; after fg its read goes on (restarted,
    not failed with EINTR), so what is typed next reaches it."""
    sh.c.send("cat\r")
    sh.c.expect("cat" + NL)
    time.sleep(0.3)
    sh.c.send("\x1a")
    sh.c.expect(r"\[1\] stopped cat" + NL, timeout=5)
    sh.c.expect(PROMPT)
    sh.c.send("fg\r")
    sh.c.expect("fg" + NL + "cat" + NL)
    time.sleep(0.3)
    sh.c.send("typed after fg")
    sh.c.expect_exact("typed after fg", timeout=5)  # no echo from the kernel: this is cat's output
    sh.c.send("\x03")
    sh.c.expect(PROMPT, timeout=5)
    assert "[killed by signal 2]" in sh.c.before, sh.c.before
    assert sh.run("jobs") == ""
    sh.poweroff()


def test_ps_columns_pid_uptime_meminfo_and_kill(sh):
    """Issue 4's programs, each checked for what it reports, not only that it prints: ps's columns
    (pid, parent, state, priority, name, memory), pid's ids against ps, uptime's clock against a sleep,
    meminfo's figures adding up, kill's refusals."""
    out = sh.run("spin 5 &")
    spin_pid = int(re.match(r"\[1\] (\d+)\n", out).group(1))
    out = sh.run("ps")
    lines = out.splitlines()
    assert lines[0] == "  PID  PPID STATE   PRIO    MEM CPU NAME", out
    rows = {}
    for line in lines[1:]:
        m = re.match(r"^ *(\d+) +(\d+) (\w+) +(\d+) +(\d+)K +(\d+) (\S+)$", line)
        assert m, "a ps row that does not parse: %r" % line
        rows[int(m.group(1))] = (int(m.group(2)), m.group(3), int(m.group(4)), int(m.group(5)), m.group(7),
                                 int(m.group(6)))
    shell_pid = [pid for pid, r in rows.items() if r[4] == "/bin/sh"][0]
    ps_pid = [pid for pid, r in rows.items() if r[4] == "/bin/ps"]
    # init waits for the shell, the shell for ps: both asleep; ps itself is the one running.
    assert rows[1][:2] == (0, "sleep") and rows[shell_pid][:2] == (1, "sleep"), out
    assert len(ps_pid) == 1 and rows[ps_pid[0]][:2] == (shell_pid, "run"), out
    assert rows[spin_pid][0] == shell_pid and rows[spin_pid][1] in ("ready", "run"), out
    # Every program runs at the normal-class default priority, 8 (set_priority is proctest's business).
    assert all(r[2] == 8 for r in rows.values()), out
    # Resident memory: every live program has some; the shell (libc, history) more than /bin/init (one page or so).
    assert all(r[3] > 0 for r in rows.values()), out
    assert rows[shell_pid][3] > rows[1][3], out

    m = re.fullmatch(r"pid (\d+) ppid (\d+)\n", sh.run("pid"))
    assert m and int(m.group(2)) == shell_pid and int(m.group(1)) not in rows, m

    def uptime():
        m = re.fullmatch(r"up (\d+):(\d\d):(\d\d)\.(\d{3}) \((\d+)\.(\d{3}) s\)\n", sh.run("uptime"))
        assert m, m
        h, mi, s, ms, total, total_ms = map(int, m.groups())
        assert (h * 3600 + mi * 60 + s, ms) == (total, total_ms)
        return total + total_ms / 1000

    t0 = uptime()
    assert sh.run("sleep 0.5") == ""
    t1 = uptime()
    assert 0.5 <= t1 - t0 < 5, (t0, t1)

    out = sh.run("meminfo")
    f = dict((k, int(v)) for k, v in re.findall(r"^(\w+) +(\d+) (?:KiB|bytes)$", out, re.M))
    assert set(f) == {"total", "free", "kernel", "used", "page"}, out
    assert f["page"] == 4096 and 900 * 1024 <= f["total"] <= 1024 * 1024, out  # QEMU's 1 GiB, less firmware
    assert abs(f["total"] - f["free"] - f["kernel"] - f["used"]) <= 2, out  # KiB rounding only
    assert 0 < f["used"] < f["total"] and 0 < f["kernel"] < f["total"], out

    out = sh.run("kill 9999")
    assert "kill: 9999:" in out and "[exit 1]" in out, out
    out = sh.run("kill %d 99" % spin_pid)
    assert "kill: %d:" % spin_pid in out and "[exit 1]" in out, out
    out = sh.run("kill %d 9" % spin_pid)
    time.sleep(0.2)
    out += sh.run("echo after")
    assert re.search(r"\[1\] done spin 5 & \[killed by signal 9\]", out), out
    sh.poweroff()


def shell_pid(sh):
    """The pid of the one /bin/sh (ps's row with parent 1)."""
    shells = re.findall(r"^ *(\d+) +1 \w+ +\d+ +\d+K +\d+ /bin/sh$", sh.run("ps"), re.M)
    assert len(shells) == 1, shells
    return int(shells[0])


def test_the_shell_survives_its_keys_and_hostile_programs(sh):
    """Issue 11 (symptoms 7 and 8): Ctrl-C, Ctrl-\\ and Ctrl-Z at the idle prompt leave the shell answering (its
    jobs get the default actions back); a program cannot climb above the shell's priority; and after a program's
    kill(-1, SIGKILL) and a fork bomb that keeps the shell's process tree full, the same shell answers and its
    built-in kill (no fork needed) ends the bomb."""
    pid = shell_pid(sh)
    # Ctrl-C abandons the line being typed (the read is interrupted), and the shell goes on.
    sh.c.send("echo abandoned")
    sh.c.expect_exact("echo abandoned")
    sh.c.send("\x03")
    sh.c.expect(r"\^C" + NL + PROMPT, timeout=5)
    sh.c.send("\x03")
    sh.c.expect(r"\^C" + NL + PROMPT, timeout=5)
    sh.c.send("\x1c")  # Ctrl-\: SIGQUIT, ignored
    sh.c.send("\x1a")  # Ctrl-Z: SIGTSTP, ignored
    assert sh.run("echo alive") == "alive\n"
    # A job gets the default actions back: Ctrl-\ ends it.
    sh.c.send("spin 30\r")
    sh.c.expect("spin 30" + NL)
    time.sleep(0.3)
    sh.c.send("\x1c")
    sh.c.expect(PROMPT, timeout=5)
    assert "[killed by signal 3]" in sh.c.before, sh.c.before

    # A hog that ignores SIGINT cannot go above the shell (8), so sharing the CPU, the shell still answers;
    # the built-in kill ends it by job number.
    out = sh.run("proclimtest hog &")
    assert re.match(r"\[1\] \d+\n", out), out
    sh.c.expect(r"hog: set_priority 15 -> -1" + NL, timeout=5)  # E_PERM
    t0 = time.monotonic()
    for i in range(3):
        assert sh.run("echo alive %d" % i).endswith("alive %d\n" % i)
    assert time.monotonic() - t0 < 3, "the shell answered slowly next to the hog"
    assert sh.run("kill %1 9") == ""
    time.sleep(0.2)
    assert re.search(r"\[1\] done proclimtest hog & \[killed by signal 9\]", sh.run("echo after")), sh.c.before

    # kill(-1, SIGKILL) from a program ends the other programs of the shell's session, not the shell.
    assert re.match(r"\[1\] \d+\n", sh.run("spin 60 &"))
    out = sh.run("proclimtest bomb &")
    assert re.match(r"\[2\] \d+\n", out), out
    sh.c.expect(r"bomb: kill\(-1, SIGKILL\) -> 0" + NL, timeout=5)
    # The bomb fills the shell's tree (32 processes) and keeps it full.
    sh.c.expect(r"bomb: fork refused with -11" + NL, timeout=10)  # E_AGAIN
    time.sleep(0.5)
    out = sh.run("echo x")
    assert re.search(r"\[1\] done spin 60 & \[killed by signal 9\]", out), out
    assert "sh: cannot start echo:" in out, out
    out = sh.run("jobs")
    assert "[2] running proclimtest bomb &" in out, out
    # The built-in kill needs no process: -1 from the shell ends everything in its session but the shell.
    assert sh.run("kill -1 9") == ""
    time.sleep(0.5)
    out = sh.run("echo back")
    assert re.search(r"\[2\] done proclimtest bomb & \[killed by signal 9\]", out), out
    assert out.startswith("back\n"), out  # the job's end is reported after the output, before the prompt
    assert "proclimtest" not in sh.run("ps")
    assert shell_pid(sh) == pid  # the same shell throughout, never restarted
    assert "restarting" not in sh.c.before
    sh.poweroff()


def test_a_bomb_that_kills_its_shell_leaves_init_a_working_shell(sh):
    """A program may kill its own shell by pid (the same session); its fork bomb then outlives the shell. Init ends
    the old session's leftovers before it starts the new shell, which can run programs at once."""
    pid = shell_pid(sh)
    sh.c.send("proclimtest bomb %d &\r" % pid)
    sh.c.expect(r"bomb: kill\(victim, SIGKILL\) -> 0" + NL, timeout=10)
    sh.c.expect_exact("init: /bin/sh exited with status 265, restarting it", timeout=20)  # killed by SIGKILL
    sh.c.expect(PROMPT, timeout=20)
    time.sleep(0.3)  # the bomb would have filled the table by now, had it been left running
    assert sh.run("echo alive") == "alive\n"
    assert shell_pid(sh) != pid
    assert "proclimtest" not in sh.run("ps")
    sh.poweroff()
