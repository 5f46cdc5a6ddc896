#!/usr/bin/env python
"""The workflow's own cost: `make bench` runs it.

- Planning overhead: wall time of `snakemake -n` (parse, validate the config,
  build the DAG) over config.yaml and demo/config.yaml, median of a few runs,
  with the number of jobs each plans.
- The demo end to end: wall time of the whole demo DAG with the local
  profile, in a scratch directory, as `make demo` runs it (skip: --no-demo).

    python benchmarks/bench_workflow.py --out results/bench/workflow.json
"""

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_textgen import REPO, machine  # noqa: E402

SNAKEMAKE = [sys.executable, "-m", "snakemake"]


def timed(cmd: list[str], cwd: Path) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed in {cwd}:\n{proc.stderr[-3000:]}")
    return seconds, proc.stdout + proc.stderr


def planned_jobs(output: str) -> int:
    """The `total N` line of snakemake's job table."""
    match = re.search(r"^total\s+(\d+)", output, re.MULTILINE)
    return int(match[1]) if match else 0


def dry_run(config: str, repeats: int) -> dict:
    """`snakemake -n` from a directory with no results, so the whole DAG is planned."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name in ("Snakefile", "rules", "schemas", "scripts", "src", "report", "envs", "config.yaml", "demo"):
            (work / name).symlink_to(REPO / name)
        for placeholder in _data_paths(REPO / config):  # where users put their data; a plan never reads it
            (work / placeholder).parent.mkdir(parents=True, exist_ok=True)
            (work / placeholder).touch(exist_ok=True)
        runs = [timed([*SNAKEMAKE, "-n", "--configfile", config], work) for _ in range(repeats)]
    return {"config": config, "seconds_median": statistics.median(s for s, _ in runs),
            "seconds_all": [s for s, _ in runs], "jobs": planned_jobs(runs[0][1])}


def _data_paths(config: Path) -> list[str]:
    import yaml
    data = yaml.safe_load(config.read_text()).get("data", {})
    return [data[k] for k in ("lyrics", "reviews") if k in data and not (REPO / data[k]).exists()]


def demo_wall_time() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "demo").symlink_to(REPO / "demo")
        seconds, out = timed([*SNAKEMAKE, "-s", str(REPO / "Snakefile"), "--profile", str(REPO / "profiles" / "local"),
                              "--configfile", "demo/config.yaml"], work)
    done = re.findall(r"(\d+) of (\d+) steps \(100%\) done", out)
    return {"seconds": seconds, "jobs": int(done[-1][1]) if done else 0}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--demo", action=argparse.BooleanOptionalAction, default=True,
                    help="also time the whole demo DAG (minutes on 2 cores)")
    args = ap.parse_args(argv)
    plans = [dry_run(c, args.repeats) for c in ("config.yaml", "demo/config.yaml")]
    for p in plans:
        print(f"snakemake -n {p['config']}: {p['seconds_median']:.2f} s, {p['jobs']} jobs", file=sys.stderr)
    demo = demo_wall_time() if args.demo else None
    if demo:
        print(f"demo end to end: {demo['seconds']:.0f} s, {demo['jobs']} jobs", file=sys.stderr)
    from nlpbench.core.io import write_json, write_text
    info = machine()
    write_json(args.out, {"benchmark": "workflow", "machine": info, "dry_runs": plans, "demo": demo})
    lines = [f"# Workflow overhead ({info['platform']}, {info['cpu_count']} CPUs)", "",
             "| what | wall time | jobs |", "|---|---:|---:|"]
    lines += [f"| `snakemake -n --configfile {p['config']}` (median of {len(p['seconds_all'])}) | "
              f"{p['seconds_median']:.2f} s | {p['jobs']} |" for p in plans]
    if demo:
        lines.append(f"| the demo end to end (`--profile profiles/local`) | {demo['seconds']:.0f} s | {demo['jobs']} |")
    write_text(Path(args.out).with_suffix(".md"), "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
