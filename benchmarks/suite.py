"""The benchmark suite: our code and its baselines in one invocation, one table.

    python -m benchmarks --markdown          # everything (about 6-8 minutes)
    python -m benchmarks --only listing,cpu  # some sections
    python -m benchmarks --quick             # small sizes: a smoke run, figures not comparable

Every row prints the figure, the baseline it is compared with, their ratio, the bound
(what no client can beat under the same limits), and the acceptance target. Each
section starts its own emulator subprocess (``python -m connector.emulator``); every
workload runs in a fresh child process (:mod:`benchmarks.workloads`), so imports and
process start count where a row says so, and memory is the child's own.

Sections:

* ``small``: a 128-item page and a small POST over a kept-alive connection: httpx and
  our client against curl on the same emulator (the 44 ms Nagle/delayed-ACK stall).
* ``startup``: interpreter start plus imports (median of 7), against the imports of
  the dependencies alone.
* ``listing``: the ``inputs`` inventory of 100,000 rows to Parquet, 100 ms added
  latency, the API's 15 requests/s enforced by the emulator (429 beyond); ours
  (per_page 1000, its default 8 pages in flight and 4, its own limiter) with process start, against a
  sequential httpx loop at per_page 1000 and 128 and the official clarifai-grpc JSON
  client (run in ``.venv-official``) at both page sizes; bound: 15 x 1000 rows/s.
* ``cpu``: the same export with no latency and no limit: CPU seconds of ours against
  the minimal hand-written httpx + json + pandas -> Parquet loop (best of 2 each).
* ``memory``: exporting 1,000,000 rows: peak RSS and RSS after imports, both read from
  ``VmHWM`` of the exporting process.
* ``split``: on 100,000 inputs (100 ms latency, 15 requests/s): the client-side split
  against its bound (requests made / 15 per s), the server-side split's listing
  requests against the minimum (each of source and targets listed once), and pruning's
  requests per deleted version against the minimum.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.common import APP_ID, ROOT, USER_ID, emulator, load, machine, run_child

SECTIONS = ("small", "startup", "listing", "cpu", "memory", "split")
OFFICIAL_PYTHON = ROOT / ".venv-official" / "bin" / "python"


@dataclass
class Row:
    """One line of the table."""

    section: str
    name: str
    figure: str
    baseline: str = "-"
    ratio: str = "-"
    bound: str = "-"
    target: str = "-"
    met: str = "-"


def _ratio(a: float, b: float, digits: int = 2) -> str:
    return f"{a / b:.{digits}f}x" if b else "-"


def _met(ok: bool | None) -> str:
    return "-" if ok is None else ("yes" if ok else "**no**")


# -- small responses ---------------------------------------------------------------------


def _median_ms(values: list[float]) -> float:
    return round(statistics.median(values) * 1000, 2)


def _curl_times(url: str, pat: str, n: int, *, post: str | None = None) -> list[float]:
    """``n`` transfers of ``url`` by one curl process (one kept-alive connection)."""
    cmd = ["curl", "-s", "-H", f"Authorization: Key {pat}", "-w", "%{time_total}\\n"]
    if post is not None:
        cmd += ["-H", "Content-Type: application/json", "--data", post]
    # Each URL repeated is one more transfer on the same connection.
    targets = [arg for _ in range(n) for arg in ("-o", "/dev/null", url)]
    proc = subprocess.run([*cmd, *targets], capture_output=True, text=True, timeout=300, check=True)
    return [float(line) for line in proc.stdout.split()]


def small(report: dict[str, Any], quick: bool) -> list[Row]:
    import httpx

    from connector.client import ClarifaiClient
    from connector.config import ClarifaiConfig

    n = 50 if quick else 200
    out: dict[str, Any] = {}
    with emulator(20_000) as (url, pat):
        path = f"/v2/users/{USER_ID}/apps/{APP_ID}/inputs"
        page_url = f"{url}{path}?page=3&per_page=128"
        post_path = f"/v2/users/{USER_ID}/apps/{APP_ID}/datasets/cats-dogs/inputs"
        body = json.dumps({"dataset_inputs": [{"input": {"id": "img-000001"}}]})
        headers = {"Authorization": f"Key {pat}"}
        with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
            for _ in range(10):
                http.get(page_url)
            gets = []
            for _ in range(n):
                t = time.perf_counter()
                http.get(page_url).read()
                gets.append(time.perf_counter() - t)
            posts = []
            for _ in range(n):
                t = time.perf_counter()
                http.post(post_path, content=body, headers={"Content-Type": "application/json"}).read()
                posts.append(time.perf_counter() - t)
        config = ClarifaiConfig(pat=pat, user_id=USER_ID, app_id=APP_ID, base_url=url, rate_limit=0)
        with ClarifaiClient(config) as client:
            for _ in range(10):
                client.call("ListInputs", params={"page": 3, "per_page": 128})
            ours = []
            for _ in range(n):
                t = time.perf_counter()
                client.call("ListInputs", params={"page": 3, "per_page": 128})
                ours.append(time.perf_counter() - t)
        curl_get = _curl_times(page_url, pat, n + 10)[10:]
        curl_post = _curl_times(f"{url}{post_path}", pat, n + 10, post=body)[10:]
    out = {
        "httpx_get_ms": _median_ms(gets),
        "ours_get_ms": _median_ms(ours),
        "curl_get_ms": _median_ms(curl_get),
        "httpx_post_ms": _median_ms(posts),
        "curl_post_ms": _median_ms(curl_post),
        "requests": n,
    }
    report["small"] = out
    g, c = out["httpx_get_ms"], out["curl_get_ms"]
    return [
        Row(
            "small",
            "128-item page (GET, kept-alive), httpx",
            f"{g} ms",
            f"curl {c} ms",
            _ratio(g, c),
            target="within 2x of curl",
            met=_met(g <= 2 * c),
        ),
        Row(
            "small",
            "128-item page, our client (decoded)",
            f"{out['ours_get_ms']} ms",
            f"curl {c} ms",
            _ratio(out["ours_get_ms"], c),
        ),
        Row(
            "small",
            "small POST (PostDatasetInputs), httpx",
            f"{out['httpx_post_ms']} ms",
            f"curl {out['curl_post_ms']} ms",
            _ratio(out["httpx_post_ms"], out["curl_post_ms"]),
            target="no delayed-ACK stall (< 10 ms over curl)",
            met=_met(out["httpx_post_ms"] < out["curl_post_ms"] + 10),
        ),
    ]


# -- startup -------------------------------------------------------------------------------


def _start_ms(code: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, capture_output=True)
        times.append(time.perf_counter() - t)
    return _median_ms(times)


def startup(report: dict[str, Any], quick: bool) -> list[Row]:
    runs = 3 if quick else 7
    bare = _start_ms("pass", runs)
    cases = [
        ("import connector", "import connector", "import httpx, tenacity"),
        ("import connector.operations", "import connector.operations", "import httpx, tenacity"),
        ("import connector.inventory", "import connector.inventory", "import httpx, tenacity, pyarrow"),
        (
            "clarifai-connector --help",
            "import sys; sys.argv=['clarifai-connector','--help']\nfrom connector.cli import main\ntry: main()\nexcept SystemExit: pass",
            "import httpx, tenacity, click",
        ),
    ]
    out: dict[str, Any] = {"interpreter_ms": bare}
    rows = []
    for name, code, deps in cases:
        ours = _start_ms(code, runs)
        base = _start_ms(deps, runs)
        out[name] = {"ms": ours, "dependencies_ms": base}
        rows.append(
            Row(
                "startup",
                f"{name} (process start incl.)",
                f"{ours} ms",
                f"`{deps}` {base} ms",
                _ratio(ours, base),
                bound=f"interpreter alone {bare} ms",
            )
        )
    report["startup"] = out
    return rows


# -- listing -------------------------------------------------------------------------------


def _rows_per_s(result: dict[str, Any], seconds_key: str = "seconds") -> float:
    return result["rows"] / result[seconds_key] if result.get(seconds_key) else 0.0


def _listing_row(result: dict[str, Any], label: str, bound: float, throttled: str = "") -> Row:
    """The median run of ours against the bound, process start included."""
    rate = result["rows"] / result["process_seconds"]
    runs = result.get("all_seconds") or [result["process_seconds"]]
    median = f"median of {len(runs)}: " if len(runs) > 1 else ""
    return Row(
        "listing",
        f"listing {result['rows']:,} rows to Parquet, ours ({label}), incl. process start "
        f"({median}{result['process_seconds']} s of {', '.join(f'{s:g}' for s in runs)}; {result['requests']} "
        f"requests, {result['throttled']} throttled{' ' + throttled if throttled else ''}"
        f"{' in all runs' if len(runs) > 1 else ''})",
        f"{rate:,.0f} rows/s",
        "-",
        "-",
        f"{bound:,.0f} rows/s ({rate / bound:.1%})",
        "≥ 95% of the bound, 0 throttled",
        _met(rate >= 0.95 * bound and result["throttled"] == 0),
    )


def _cli_listing(url: str, pat: str, out: str) -> dict[str, Any]:
    """``clarifai-connector --json export inputs --out OUT`` with its defaults (15
    requests/s, 8 pages in flight), timed from spawning the console script to its exit;
    requests and 429 answers counted in the server's log."""
    from benchmarks.common import admin

    script = Path(sys.executable).with_name("clarifai-connector")
    command = [str(script)] if script.exists() else [sys.executable, "-c", "from connector.cli import run; run()"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLARIFAI_")}
    env.update(CLARIFAI_PAT=pat, CLARIFAI_API_BASE=url, CLARIFAI_USER_ID=USER_ID, CLARIFAI_APP_ID=APP_ID)
    with admin(url) as server:
        server.clear_requests()
        start = time.perf_counter()
        proc = subprocess.run(
            [*command, "--json", "export", "inputs", "--out", out],
            capture_output=True,
            text=True,
            timeout=1800,
            env=env,
            cwd=ROOT,
        )
        seconds = time.perf_counter() - start
        log = server.requests()
    if proc.returncode != 0:
        return {"error": (proc.stderr or proc.stdout)[-3000:], "process_seconds": round(seconds, 3)}
    summary = json.loads(proc.stdout)
    return {
        "rows": summary["rows"],
        "process_seconds": round(seconds, 3),
        "requests": len(log),
        "throttled": sum(1 for entry in log if entry["http_status"] == 429),
    }


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median wall time (of an odd number of runs), with every run's time and
    the throttled answers of all runs."""
    done = [r for r in runs if not r.get("error") and r.get("rows")]
    if not done:
        return runs[0]
    ordered = sorted(done, key=lambda r: r["process_seconds"])
    return {
        **ordered[len(ordered) // 2],
        "all_seconds": [r["process_seconds"] for r in runs],
        "throttled": sum(int(r.get("throttled") or 0) for r in done),  # every run's, not the median's
    }


def listing(report: dict[str, Any], quick: bool) -> list[Row]:
    inputs = 10_000 if quick else 100_000
    rate, latency = 15.0, 100.0
    base_pages_1000 = 5 if quick else 30
    base_pages_128 = 20 if quick else 100
    out: dict[str, Any] = {"inputs": inputs, "latency_ms": latency, "rate_limit": rate}
    runs = 1 if quick else 3
    with emulator(inputs, latency, rate) as (url, pat), tempfile.TemporaryDirectory() as tmp:
        cli_runs, ours_runs, fifteen_runs = [], [], []
        for _ in range(runs):  # interleaved, so a slow minute of the machine hits all three
            time.sleep(1.5)  # the server's rate-limit window drains between runs
            cli_runs.append(_cli_listing(url, pat, f"{tmp}/cli.parquet"))
            time.sleep(1.5)
            ours_runs.append(
                run_child(
                    "benchmarks.workloads",
                    ["ours-listing", url, f"{tmp}/inputs.parquet", str(rate), "default"],
                    pat=pat,
                )
            )
            time.sleep(1.5)
            fifteen_runs.append(
                run_child(
                    "benchmarks.workloads", ["ours-listing", url, f"{tmp}/inputs15.parquet", str(rate), "15"], pat=pat
                )
            )
        out["cli"], out["ours"], out["ours_15"] = (
            _median_run(cli_runs),
            _median_run(ours_runs),
            _median_run(fifteen_runs),
        )
        ours = out["ours"]
        for per_page, pages in ((1000, base_pages_1000), (128, base_pages_128)):
            time.sleep(1.5)  # the server's rate-limit window drains between runs
            out[f"httpx_{per_page}"] = run_child(
                "benchmarks.workloads", ["httpx-listing", url, str(per_page), str(pages)], pat=pat
            )
            time.sleep(1.5)
            if OFFICIAL_PYTHON.exists():
                out[f"official_{per_page}"] = _official(url, pat, per_page, pages)
            else:
                out[f"official_{per_page}"] = {"error": "no .venv-official (make official-venv)"}
    report["listing"] = out
    bound = rate * 1000
    if ours.get("error") or not ours.get("rows"):
        return [Row("listing", "listing 100k (ours)", f"failed: {ours.get('error')}")]
    with_start = ours["rows"] / ours["process_seconds"]
    from connector.config import ClarifaiConfig

    in_flight = ClarifaiConfig.__dataclass_fields__["page_concurrency"].default
    rows = []
    cli = out["cli"]
    if cli.get("error") or not cli.get("rows"):
        rows.append(Row("listing", "listing 100k (the CLI)", f"failed: {cli.get('error')}"))
    else:
        rows.append(
            _listing_row(cli, "`clarifai-connector export inputs`, its defaults", bound, throttled="at the server")
        )
    rows.append(_listing_row(ours, f"a script calling `to_parquet`, {in_flight} pages in flight, the default", bound))
    fifteen = out["ours_15"]
    if not fifteen.get("error") and fifteen.get("rows"):
        rows.append(_listing_row(fifteen, "the same script with 15 pages in flight", bound))
    for key, label in (
        ("httpx_1000", "sequential httpx, per_page 1000"),
        ("httpx_128", "sequential httpx, per_page 128"),
        ("official_1000", "official clarifai-grpc JSON client, per_page 1000"),
        ("official_128", "official clarifai-grpc JSON client, per_page 128"),
    ):
        base = out[key]
        if base.get("error") or not base.get("rows"):
            rows.append(Row("listing", f"ours vs {label}", "-", f"failed: {base.get('error')}"))
            continue
        base_rate = _rows_per_s(base, "process_seconds")
        per_page = 1000 if key.endswith("1000") else 128
        rows.append(
            Row(
                "listing",
                f"ours vs {label} ({base['pages']} pages, incl. process start)",
                f"{with_start:,.0f} rows/s",
                f"{base_rate:,.0f} rows/s",
                _ratio(with_start, base_rate, 1),
                f"{rate * per_page:,.0f} rows/s at per_page {per_page}",
            )
        )
    return rows


def _official(url: str, pat: str, per_page: int, pages: int) -> dict[str, Any]:
    env = {**os.environ, "CLARIFAI_PAT": pat}
    start = time.perf_counter()
    proc = subprocess.run(
        [str(OFFICIAL_PYTHON), str(ROOT / "benchmarks" / "official_listing.py"), url, str(per_page), str(pages)],
        capture_output=True,
        text=True,
        timeout=1800,
        env=env,
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        return {"error": proc.stderr[-2000:]}
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_seconds"] = round(seconds, 3)
    return result


# -- cpu -----------------------------------------------------------------------------------


def cpu(report: dict[str, Any], quick: bool) -> list[Row]:
    inputs = 20_000 if quick else 100_000
    runs: dict[str, list[dict[str, Any]]] = {"ours": [], "raw": []}
    with emulator(inputs) as (url, pat), tempfile.TemporaryDirectory() as tmp:
        for _ in range(2):
            runs["ours"].append(
                run_child("benchmarks.workloads", ["ours-listing", url, f"{tmp}/ours.parquet", "0", "default"], pat=pat)
            )
            runs["raw"].append(run_child("benchmarks.workloads", ["raw-export", url, f"{tmp}/raw.parquet"], pat=pat))
    report["cpu"] = {"inputs": inputs, **runs}
    failed = [r for rs in runs.values() for r in rs if r.get("error")]
    if failed:
        return [Row("cpu", "CPU of the export", f"failed: {failed[0]['error']}")]
    ours = min(r["cpu_seconds"] for r in runs["ours"])
    raw = min(r["cpu_seconds"] for r in runs["raw"])
    return [
        Row(
            "cpu",
            f"CPU seconds, export {inputs:,} inputs to Parquet (no latency, no limit; best of 2)",
            f"{ours:.2f} s",
            f"raw httpx+json+pandas loop {raw:.2f} s",
            _ratio(ours, raw),
            target="≤ 1.1x the raw loop",
            met=_met(ours <= 1.1 * raw),
        )
    ]


# -- memory --------------------------------------------------------------------------------


def memory(report: dict[str, Any], quick: bool) -> list[Row]:
    rows_n = 100_000 if quick else 1_000_000
    with emulator(rows_n) as (url, pat), tempfile.TemporaryDirectory() as tmp:
        result = run_child("benchmarks.workloads", ["ours-listing", url, f"{tmp}/big.parquet", "0", "default"], pat=pat)
    report["memory"] = result
    if result.get("error"):
        return [Row("memory", "1M-row export", f"failed: {result['error']}")]
    peak, base = result["peak_rss_mb"], result["rss_after_imports_mb"]
    return [
        Row(
            "memory",
            f"export {result['rows']:,} rows to Parquet: peak RSS (VmHWM) "
            f"({result['seconds']} s, file {result['file_mb']} MB)",
            f"{peak} MB",
            f"after imports {base} MB",
            f"+{peak - base:.1f} MB",
            target="< 250 MB",
            met=_met(peak < 250),
        )
    ]


# -- split ---------------------------------------------------------------------------------


def split(report: dict[str, Any], quick: bool) -> list[Row]:
    # cats-dogs holds half of the seeded inputs.
    inputs = 20_000 if quick else 200_000
    rate = 15.0
    with emulator(inputs, 100.0, rate) as (url, pat):
        result = run_child("benchmarks.workloads", ["ours-split", url, str(rate)], pat=pat)
    report["split"] = result
    if result.get("error"):
        return [Row("split", "splits and prune", f"failed: {result['error']}")]
    c, s, p = result["client_split"], result["server_split"], result["prune"]
    return [
        Row(
            "split",
            f"client-side split of {c['source']:,} inputs ({c['requests']} requests, {c['throttled']} throttled)",
            f"{c['seconds']} s",
            "-",
            _ratio(c["seconds"], c["bound_seconds"]),
            f"{c['bound_seconds']} s (requests / 15 per s)",
            "≤ 1.15x the bound",
            _met(c["seconds"] <= 1.15 * c["bound_seconds"]),
        ),
        Row(
            "split",
            f"server-side split of {s['source']:,} inputs: listing requests "
            f"({s['requests']} requests in all, {s['polls']} polls, {s['seconds']} s)",
            f"{s['listing_requests']}",
            "-",
            _ratio(s["listing_requests"], s["minimum_listing_requests"], 3),
            f"{s['minimum_listing_requests']} (source and each target listed once)",
            "≤ 1.05x the minimum reads",
            _met(s["listing_requests"] <= 1.05 * s["minimum_listing_requests"]),
        ),
        Row(
            "split",
            f"prune {p['deleted']} of {p['versions']} versions: requests per deleted version",
            f"{p['requests_per_deleted']}",
            "-",
            _ratio(p["requests_per_deleted"], p["minimum_per_deleted"], 3),
            f"{p['minimum_per_deleted']} (minimum)",
        ),
    ]


RUNNERS = {"small": small, "startup": startup, "listing": listing, "cpu": cpu, "memory": memory, "split": split}


def markdown(rows: list[Row]) -> str:
    lines = ["| row | figure | baseline | ratio | bound | target | met |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r.name} | {r.figure} | {r.baseline} | {r.ratio} | {r.bound} | {r.target} | {r.met} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections of {SECTIONS}")
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run; figures not comparable)")
    parser.add_argument("--markdown", action="store_true", help="print the Markdown table of docs/benchmarks.md")
    parser.add_argument("--json-out", type=Path, help="also write the full report here")
    args = parser.parse_args(argv)
    sections = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown sections {unknown}; choose from {SECTIONS}")
    if shutil.which("curl") is None and "small" in sections:
        parser.error("the small-response section needs curl")
    report: dict[str, Any] = {
        "machine": machine(),
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "python -m benchmarks " + " ".join(argv if argv is not None else sys.argv[1:]),
        "load_before": load(),
        "loads": {},
    }
    rows: list[Row] = []
    for section in sections:
        before = load()
        t = time.perf_counter()
        rows += RUNNERS[section](report, args.quick)
        report["loads"][section] = {"before": before, "after": load(), "seconds": round(time.perf_counter() - t, 1)}
        print(
            f"[{section}] done in {report['loads'][section]['seconds']} s, load {before} -> {load()}", file=sys.stderr
        )
    report["rows"] = [asdict(r) for r in rows]
    report["load_after"] = load()
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    if args.markdown:
        m = report["machine"]
        print()
        print(
            f"Machine: {m['nproc']} CPUs ({m['cpu']}), Python {m['python']}, {m['platform']}; "
            f"{report['started']}; 1-minute load average {report['load_before']} before, "
            f"{report['load_after']} after (per section: "
            + ", ".join(f"{k} {v['before']}-{v['after']}" for k, v in report["loads"].items())
            + ")."
        )
        print()
        print(markdown(rows))
