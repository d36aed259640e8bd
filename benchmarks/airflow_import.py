"""What importing the provider's operators costs a DAG file, on top of ``airflow.sdk``.

    python -m benchmarks.airflow_import                 # about 30 seconds
    python -m benchmarks.airflow_import --markdown      # + the table of docs/benchmarks.md

Every DAG file that uses the provider runs ``from airflow_provider.operators import ...``
each time it is parsed (dag-processor, workers), so this import must stay cheap: no
connector client, no operations, no pandas (they load when a task runs). Each run is a
fresh interpreter with a throwaway ``AIRFLOW_HOME``; it first imports ``airflow.sdk`` and
the SDK names the provider builds on (BaseOperator, BaseSensorOperator, BaseHook,
BaseOperatorLink, Asset, AssetAlias, RetryPolicy, conf), timed, then
``airflow_provider.operators`` and ``airflow_provider.sensors``, timed apart: that second
figure is the provider's own cost. Reported: wall-clock median, min and max over ``--runs``
runs, the median CPU time (steadier than wall time on a loaded machine), and the modules
the provider's import added. Target: at most 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile

from benchmarks.common import machine

TARGET_MS = 50.0

PROBE = """
import json, sys, time
t0, c0 = time.perf_counter(), time.process_time()
import airflow.sdk
from airflow.sdk import (Asset, AssetAlias, BaseHook, BaseOperator, BaseOperatorLink, BaseSensorOperator,
                         RetryPolicy, conf)
t1, c1 = time.perf_counter(), time.process_time()
before = set(sys.modules)
import airflow_provider.operators, airflow_provider.sensors
t2, c2 = time.perf_counter(), time.process_time()
added = sorted(set(sys.modules) - before)
print(json.dumps({"sdk_ms": (t1 - t0) * 1000, "provider_ms": (t2 - t1) * 1000,
                  "sdk_cpu_ms": (c1 - c0) * 1000, "provider_cpu_ms": (c2 - c1) * 1000, "added": added}))
"""


def run_once(home: str) -> dict[str, object]:
    env = {**os.environ, "AIRFLOW_HOME": home, "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh interpreters to time (default 15)")
    parser.add_argument("--markdown", action="store_true", help="print the table of docs/benchmarks.md")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="airflow-import-bench-") as home:
        run_once(home)  # warm the file system cache and write the home's config once
        runs = [run_once(home) for _ in range(args.runs)]
    provider = [float(r["provider_ms"]) for r in runs]  # type: ignore[arg-type]
    sdk = [float(r["sdk_ms"]) for r in runs]  # type: ignore[arg-type]
    provider_cpu = [float(r["provider_cpu_ms"]) for r in runs]  # type: ignore[arg-type]
    sdk_cpu = [float(r["sdk_cpu_ms"]) for r in runs]  # type: ignore[arg-type]
    added = runs[-1]["added"]
    own = [m for m in added if m.startswith("airflow_provider")]  # type: ignore[union-attr]
    others = [m for m in added if not m.startswith("airflow_provider")]  # type: ignore[union-attr]
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs ({machine()['cpu']}), {args.runs} runs")
    print(
        f"airflow.sdk and the names used:     median {statistics.median(sdk):7.1f} ms wall, "
        f"{statistics.median(sdk_cpu):7.1f} ms CPU"
    )
    print(
        f"airflow_provider.operators+sensors: median {statistics.median(provider):7.1f} ms wall "
        f"(min {min(provider):.1f}, max {max(provider):.1f}), {statistics.median(provider_cpu):.1f} ms CPU; "
        f"target <= {TARGET_MS:g} ms"
    )
    print(f"modules added: {len(own)} of the provider, {len(others)} others: {', '.join(others)}")
    if args.markdown:
        print()
        print("| import (fresh interpreter) | wall median | wall min | wall max | CPU median |")
        print("|---|---|---|---|---|")
        print(
            f"| `airflow.sdk` + the SDK names the provider uses | {statistics.median(sdk):.0f} ms | "
            f"{min(sdk):.0f} ms | {max(sdk):.0f} ms | {statistics.median(sdk_cpu):.0f} ms |"
        )
        print(
            f"| then `airflow_provider.operators` + `.sensors` | **{statistics.median(provider):.1f} ms** | "
            f"{min(provider):.1f} ms | {max(provider):.1f} ms | {statistics.median(provider_cpu):.1f} ms |"
        )
    return 0 if statistics.median(provider) <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
