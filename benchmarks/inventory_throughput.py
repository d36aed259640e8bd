"""Inventory throughput and export memory, against the emulator in a subprocess.

    python -m benchmarks.inventory_throughput            # full run (about 3 minutes)
    python -m benchmarks.inventory_throughput --export-rows 0   # throughput only

1. Throughput: the emulator serves a demo app with ``--inputs`` inputs, ``--latency-ms``
   added to every request and ``--rate-limit`` requests/s (429 CONN_THROTTLED beyond).
   The connector exports the ``inputs`` inventory to Parquet (per_page 1000, ``--concurrency``
   pages in flight under the client's own 15 requests/s limiter). Reported next to the
   bound (rate limit x 1000 rows per request) and next to a plain sequential httpx loop
   at per_page 128 (the API's default page size) over ``--baseline-pages`` pages.
2. Memory: a child process exports ``--export-rows`` inputs to Parquet from an emulator
   with no added latency or rate limit, and reports its peak RSS (``ru_maxrss``).

Prints a JSON report (``--markdown`` adds the table used in docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks.common import machine

USER_ID = "demo"
APP_ID = "demo"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def emulator(
    inputs: int, latency_ms: float, rate_limit: float, start_timeout: float = 600.0
) -> Iterator[tuple[str, str]]:
    """An emulator subprocess (its own interpreter: no GIL shared with the client)."""
    from connector.emulator.options import DEV_PAT
    from connector.emulator.testing import EmulatorAdmin

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLARIFAI_")}
    cmd = [
        sys.executable,
        "-m",
        "connector.emulator",
        "--port",
        str(port),
        "--seed",
        "demo",
        "--seed-inputs",
        str(inputs),
        "--latency-ms",
        str(latency_ms),
        "--rate-limit",
        str(rate_limit),
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout
        with EmulatorAdmin(url, user_id=USER_ID, app_id=APP_ID) as admin:
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"emulator exited: {proc.stderr.read().decode(errors='replace')[-2000:]}")
                try:
                    admin.health()
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise RuntimeError("emulator did not start in time") from None
                    time.sleep(0.25)
        yield url, DEV_PAT
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)


def connector_export(url: str, pat: str, out: Path, *, rate_limit: float, concurrency: int) -> dict[str, Any]:
    from connector.client import ClarifaiClient
    from connector.config import ClarifaiConfig
    from connector.inventory import to_parquet

    config = ClarifaiConfig(
        pat=pat,
        user_id=USER_ID,
        app_id=APP_ID,
        base_url=url,
        rate_limit=rate_limit,
        page_concurrency=concurrency,
        per_page=1000,
    )
    error = None
    rows = 0
    with ClarifaiClient(config) as client:
        start = time.perf_counter()
        try:
            rows = to_parquet(client, "inputs", out).rows
        except Exception as exc:  # reported, not hidden
            error = f"{type(exc).__name__}: {exc}"
        seconds = time.perf_counter() - start
        stats = client.stats
        return {
            "rows": rows,
            "seconds": round(seconds, 3),
            "rows_per_s": round(rows / seconds, 1),
            "requests": stats.requests,
            "retries": stats.retries,
            "throttled": stats.throttled,
            "error": error,
        }


def plain_httpx_loop(url: str, pat: str, *, per_page: int, max_pages: int) -> dict[str, Any]:
    """What a hand-written client does: one page after another, no concurrency."""
    import httpx

    rows = pages = 0
    error = None
    headers = {"Authorization": f"Key {pat}"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
        start = time.perf_counter()
        for page in range(1, max_pages + 1):
            resp = http.get(f"/v2/users/{USER_ID}/apps/{APP_ID}/inputs", params={"page": page, "per_page": per_page})
            if resp.status_code != 200:
                error = f"HTTP {resp.status_code} on page {page}"
                break
            items = resp.json().get("inputs", [])
            rows += len(items)
            pages += 1
            if len(items) < per_page:
                break
        seconds = time.perf_counter() - start
    return {
        "rows": rows,
        "pages": pages,
        "per_page": per_page,
        "seconds": round(seconds, 3),
        "rows_per_s": round(rows / seconds, 1),
        "error": error,
    }


def child_export(url: str, pat: str, out: str) -> None:
    """Run in a child process: export to Parquet, print rows and peak RSS as JSON."""
    import connector.inventory  # noqa: F401  (imports counted in the baseline)

    base_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = connector_export(url, pat, Path(out), rate_limit=0, concurrency=2)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result.update(
        peak_rss_mb=round(peak_kb / 1024, 1),
        rss_after_imports_mb=round(base_kb / 1024, 1),
        file_mb=round(Path(out).stat().st_size / 2**20, 1) if Path(out).exists() else None,
    )
    print(json.dumps(result))


def memory_run(rows: int) -> dict[str, Any]:
    with emulator(rows, 0.0, 0.0) as (url, pat), tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "inputs.parquet"
        proc = subprocess.run(
            [sys.executable, "-m", "benchmarks.inventory_throughput", "--child-export", url, str(out)],
            capture_output=True,
            text=True,
            timeout=3600,
            env={**os.environ, "CLARIFAI_PAT": pat},
        )
        if proc.returncode != 0:
            return {"error": proc.stderr[-2000:]}
        return json.loads(proc.stdout.strip().splitlines()[-1])


def markdown(report: dict[str, Any]) -> str:
    t = report["throughput"]
    bound = t["bound_rows_per_s"]
    c, b = t["connector"], t["plain_httpx"]
    lines = [
        "| measure | value |",
        "|---|---|",
        f"| bound (rate limit x 1000 rows) | {bound:,.0f} rows/s |",
        f"| connector, {c['rows']:,} rows, per_page 1000, concurrency {t['concurrency']} | "
        f"{c['rows_per_s']:,.0f} rows/s ({c['rows_per_s'] / bound:.0%} of the bound), {c['seconds']} s, "
        f"{c['requests']} requests, {c['retries']} retries, {c['throttled']} throttled, error: {c['error'] or 'none'} |",
        f"| plain sequential httpx loop, per_page 128, first {b['pages']} pages | {b['rows_per_s']:,.0f} rows/s "
        f"({b['rows_per_s'] / bound:.1%} of the bound) |",
        f"| connector / plain loop | {c['rows_per_s'] / b['rows_per_s']:.1f}x |",
    ]
    m = report.get("memory")
    if m and "peak_rss_mb" in m:
        lines.append(
            f"| export {m['rows']:,} rows to Parquet: peak RSS of the exporting process | {m['peak_rss_mb']} MB "
            f"(after imports: {m['rss_after_imports_mb']} MB; file {m['file_mb']} MB; {m['seconds']} s) |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inputs", type=int, default=100_000)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--rate-limit", type=float, default=15.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--baseline-pages", type=int, default=100, help="Pages the plain loop reads (0 = skip).")
    parser.add_argument("--export-rows", type=int, default=1_000_000, help="Rows of the memory run (0 = skip).")
    parser.add_argument("--markdown", action="store_true", help="Also print the Markdown table.")
    parser.add_argument("--child-export", nargs=2, metavar=("URL", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child_export:
        child_export(args.child_export[0], os.environ["CLARIFAI_PAT"], args.child_export[1])
        return

    report: dict[str, Any] = {
        "machine": machine(),
        "command": "python -m benchmarks.inventory_throughput " + " ".join(argv or sys.argv[1:]),
    }
    with emulator(args.inputs, args.latency_ms, args.rate_limit) as (url, pat), tempfile.TemporaryDirectory() as tmp:
        conn = connector_export(
            url, pat, Path(tmp) / "inputs.parquet", rate_limit=args.rate_limit, concurrency=args.concurrency
        )
        time.sleep(1.5)  # let the server's rate-limit window drain before the baseline
        plain = plain_httpx_loop(url, pat, per_page=128, max_pages=args.baseline_pages) if args.baseline_pages else None
    report["throughput"] = {
        "inputs": args.inputs,
        "latency_ms": args.latency_ms,
        "rate_limit": args.rate_limit,
        "concurrency": args.concurrency,
        "bound_rows_per_s": args.rate_limit * 1000,
        "connector": conn,
        "plain_httpx": plain,
        "share_of_bound": round(conn["rows_per_s"] / (args.rate_limit * 1000), 3),
    }
    if args.export_rows:
        report["memory"] = memory_run(args.export_rows)
    print(json.dumps(report, indent=2))
    if args.markdown and plain:
        print()
        print(markdown(report))


if __name__ == "__main__":
    main()
