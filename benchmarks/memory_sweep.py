"""Peak memory of a large sweep through the real command line (a script, not a test).

    python benchmarks/memory_sweep.py              # 100,000 runs (about half an hour on 2 idle cores)
    python benchmarks/memory_sweep.py --runs 10000 # try it small first

Runs ``python -m sim sweep.seeds=N sweep.name=mem output.root=<tmp> sweep.progress=false``
and prints, in MB:

* the peak RSS of the main process (the Hydra job that plans the sweep, collects the
  finished chunks and writes them) and of the largest worker process;
* how both are measured: the process tree is sampled from /proc every ``--interval``
  seconds and each process's high-water mark (``VmHWM``, its own peak RSS, kept by the
  kernel) is read, so a short peak between samples is still seen; only growth in a
  process's last interval before it exits could be missed;
* for cross-checking, ``/usr/bin/time -v``'s "Maximum resident set size" when it is
  installed (the command runs under it); this is the largest peak of any single process
  of the tree (main or worker, whichever is larger), not a sum. Without /usr/bin/time,
  ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` gives the same figure;
* the peak of the summed RSS of all the tree's processes at one sample (what the sweep
  holds at once; forked workers share pages with the main process, so this overstates).

The output folder is deleted afterwards unless ``--keep`` is given.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
GNU_TIME = "/usr/bin/time"


def _status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process in kB (empty if it is gone)."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    key, value = line.split(":", 1)
                    out[key] = int(value.split()[0])
    except (OSError, ValueError):
        pass
    return out


def _children(pid: int) -> list[int]:
    kids = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                kids.extend(int(k) for k in fh.read().split())
    except OSError:
        pass
    return kids


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=100_000, help="runs in the sweep (default 100000)")
    ap.add_argument("--root", help="output.root (default: a new temporary folder)")
    ap.add_argument("--interval", type=float, default=0.2, help="sampling interval, s")
    ap.add_argument("--keep", action="store_true", help="keep the output folder")
    ap.add_argument("extra", nargs="*", help="more overrides for python -m sim (e.g. sweep.workers=2)")
    args = ap.parse_args(argv)

    root = Path(args.root) if args.root else Path(tempfile.mkdtemp(prefix="spacerace-mem-"))
    cmd = [sys.executable, "-m", "sim", f"sweep.seeds={args.runs}", "sweep.name=mem",
           f"output.root={root}", "sweep.progress=false", *args.extra]
    time_file = None
    if os.access(GNU_TIME, os.X_OK):
        time_file = tempfile.NamedTemporaryFile(prefix="time-v-", suffix=".txt", delete=False).name
        cmd = [GNU_TIME, "-v", "-o", time_file, *cmd]
    print("running:", " ".join(cmd), flush=True)

    have_proc = Path("/proc/self/status").exists()
    hwm: dict[int, int] = {}          # pid -> peak RSS (kB)
    names: dict[int, str] = {}
    tree_peak = 0
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    main_pid = None
    while proc.poll() is None:
        if have_proc:
            if main_pid is None:
                kids = _children(proc.pid) if time_file else [proc.pid]
                main_pid = kids[0] if kids else None
            if main_pid is not None:
                pids = [main_pid]
                for pid in pids:                  # grows as we go: the whole tree
                    pids.extend(_children(pid))
                total = 0
                for pid in pids:
                    st = _status(pid)
                    if st:
                        hwm[pid] = max(hwm.get(pid, 0), st.get("VmHWM", 0))
                        total += st.get("VmRSS", 0)
                        names.setdefault(pid, _cmdline(pid))
                tree_peak = max(tree_peak, total)
        time.sleep(args.interval)
    stdout, stderr = proc.communicate()
    elapsed = time.perf_counter() - t0
    rusage_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss   # kB on Linux

    print(stdout.strip())
    if proc.returncode != 0:
        print(stderr.strip()[-3000:], file=sys.stderr)
        print(f"error: the sweep exited with status {proc.returncode}", file=sys.stderr)
        return proc.returncode

    mb = 1024.0
    print(f"\nruns: {args.runs}   wall: {elapsed:.1f} s   ({args.runs / elapsed:.1f} runs/s)")
    if hwm and main_pid in hwm:
        # workers are forked from the main process (same command line); anything else
        # (e.g. git, asked for the commit by the manifest) is listed apart
        workers = {p: k for p, k in hwm.items() if p != main_pid and names[p] == names[main_pid]}
        others = {p: k for p, k in hwm.items() if p != main_pid and p not in workers}
        print(f"peak RSS, main process:      {hwm[main_pid] / mb:8.1f} MB   (pid {main_pid})")
        if workers:
            big = max(workers, key=workers.get)
            print(f"peak RSS, largest worker:    {workers[big] / mb:8.1f} MB   "
                  f"(of {len(workers)} workers; smallest {min(workers.values()) / mb:.1f} MB)")
        for p, k in others.items():
            print(f"peak RSS, other child:       {k / mb:8.1f} MB   ({names[p][:60] or p})")
        print(f"peak summed RSS of the tree: {tree_peak / mb:8.1f} MB   (shared pages counted per process)")
    else:
        print("(no /proc: per-process peaks not available)")
    if time_file:
        text = Path(time_file).read_text()
        Path(time_file).unlink(missing_ok=True)
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
        if m:
            print(f"/usr/bin/time -v max RSS:    {int(m.group(1)) / mb:8.1f} MB   "
                  "(largest single process of the tree)")
    else:
        print(f"ru_maxrss of children:       {rusage_children / mb:8.1f} MB   "
              "(largest single process of the tree)")
    if not args.keep and not args.root:
        shutil.rmtree(root, ignore_errors=True)
    elif args.keep:
        print(f"output kept in {root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
