"""The benchmark's memory of a process tree (bench.run._tree_rss_mb): a child's own size is
sampled, not taken from getrusage, whose ru_maxrss for a child starts at its parent's size
(carried over through fork and exec)."""

import os
import subprocess
import sys

from bench.run import _tree_rss_mb

HOLDER = "import sys; block = bytearray(80 * 2**20); block[::4096] = b'x' * len(block[::4096]);" \
         " print('ready', flush=True); sys.stdin.read()"


def test_a_child_holding_80_mb_is_counted_as_the_largest_child_and_in_the_total():
    child = subprocess.Popen([sys.executable, "-c", HOLDER], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert "ready\n" == child.stdout.readline()
        own, total, largest = _tree_rss_mb(os.getpid())
        child_own, child_total, child_largest = _tree_rss_mb(child.pid)
    finally:
        child.stdin.close()
        child.wait(timeout=30)
    assert 80 <= child_own < 120  # its 80 MB block and an interpreter
    assert (child_own, 0.0) == (child_total, child_largest)  # nothing under it
    # from this process (which may have other children, a Prefect server in a full run)
    assert largest >= child_own - 1 and total >= own + child_own - 1
    assert (0.0, 0.0, 0.0) == _tree_rss_mb(child.pid)  # ended: nothing left to count


def _files(folder, count: int) -> None:
    for i in range(count):
        descriptor = os.open(folder / f"{i}.html", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.write(descriptor, b"x" * 2000)
        os.close(descriptor)


def test_a_stages_kernel_time_is_the_part_of_its_cpu_spent_in_system_calls(tmp_path):
    """The portal's thousands of files cost kernel time that varies with the file system's
    recent deletions: the benchmark shows it apart (kernel_cpu_seconds)."""
    from bench.run import Bench

    bench = Bench()
    bench.measure("python", lambda: sum(i * i for i in range(3_000_000)))
    # enough files for the kernel's split of CPU time (sampled at each clock tick) to settle:
    # 4,000 (80 ms) gave 40-80 % in the kernel from one run to the next, 20,000 gave 59-75 %
    bench.measure("files", _files, tmp_path, 20_000)
    python, files = bench.stages
    assert 0 <= python["kernel_cpu_seconds"] <= 0.1 * python["cpu_seconds"] + 0.02
    # open, write, close: the kernel's work, Python's only around it
    assert files["kernel_cpu_seconds"] >= 0.4 * files["cpu_seconds"] > 0
