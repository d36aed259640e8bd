"""The workloads the suite measures, each run in a fresh child process
(``python -m benchmarks.workloads NAME ...``) that prints one JSON object.

A child measures itself: CPU seconds (user + system, every thread) and memory
(``VmHWM``/``VmRSS``) from after its imports to its end; the parent measures the wall
time from spawning it to its exit (so "including process start" means what it says).

* ``ours-listing URL OUT RATE CONCURRENCY``: the connector exports the ``inputs``
  inventory to Parquet (per_page 1000) under its own rate limiter, ``CONCURRENCY``
  pages in flight (``default``: the client's default).
* ``httpx-listing URL PER_PAGE MAX_PAGES``: a plain sequential httpx loop (one page
  after another, ``resp.json()``), what a hand-written client does.
* ``raw-export URL OUT``: the minimal hand-written export: sequential httpx, ``json``,
  the same columns as the inventory picked with plain dict access, one pandas
  DataFrame, ``to_parquet``. The CPU baseline.
* ``ours-split URL``: client-side split of the 100k-input ``cats-dogs`` dataset, then a
  server-side split of it into other targets, then a prune; request counts from the
  emulator's log.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import APP_ID, USER_ID, cpu_seconds, print_json, status_kb


def _client(url: str, pat: str, *, rate: float, concurrency: int | None = 4, per_page: int = 1000) -> Any:
    from connector.client import ClarifaiClient
    from connector.config import ClarifaiConfig

    config = ClarifaiConfig(pat=pat, user_id=USER_ID, app_id=APP_ID, base_url=url, rate_limit=rate, per_page=per_page)
    if concurrency is not None:
        config = config.replace(page_concurrency=concurrency)
    return ClarifaiClient(config)


def ours_listing(url: str, pat: str, out: str, rate: float, concurrency: int | None) -> dict[str, Any]:
    from connector.inventory import to_parquet

    after_imports_kb = status_kb("VmHWM")
    cpu0 = cpu_seconds()
    start = time.perf_counter()
    error = None
    rows = 0
    with _client(url, pat, rate=rate, concurrency=concurrency) as client:
        try:
            rows = to_parquet(client, "inputs", out).rows
        except Exception as exc:  # reported, not hidden
            error = f"{type(exc).__name__}: {exc}"
        stats = client.stats
    return {
        "rows": rows,
        "seconds": round(time.perf_counter() - start, 3),
        "cpu_seconds": round(cpu_seconds() - cpu0, 3),
        "requests": stats.requests,
        "retries": stats.retries,
        "throttled": stats.throttled,
        "error": error,
        "rss_after_imports_mb": round(after_imports_kb / 1024, 1),
        "peak_rss_mb": round(status_kb("VmHWM") / 1024, 1),
        "file_mb": round(Path(out).stat().st_size / 2**20, 1) if Path(out).exists() else None,
    }


def httpx_listing(url: str, pat: str, per_page: int, max_pages: int) -> dict[str, Any]:
    import httpx

    rows = pages = 0
    error = None
    start = time.perf_counter()
    with httpx.Client(base_url=url, headers={"Authorization": f"Key {pat}"}, timeout=60) as http:
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
    return {"rows": rows, "pages": pages, "seconds": round(time.perf_counter() - start, 3), "error": error}


def raw_export(url: str, pat: str, out: str) -> dict[str, Any]:
    import httpx
    import pandas as pd

    from connector.status_codes import StatusCode

    names = {int(code): code.name for code in StatusCode}
    cpu0 = cpu_seconds()
    start = time.perf_counter()
    records: list[dict[str, Any]] = []
    with httpx.Client(base_url=url, headers={"Authorization": f"Key {pat}"}, timeout=60) as http:
        page = 1
        while True:
            resp = http.get(f"/v2/users/{USER_ID}/apps/{APP_ID}/inputs", params={"page": page, "per_page": 1000})
            resp.raise_for_status()
            items = resp.json().get("inputs", [])
            for item in items:
                data = item.get("data") or {}
                status = item.get("status") or {}
                kind = next((k for k in ("image", "video", "audio", "text") if data.get(k)), None)
                geo = (data.get("geo") or {}).get("geo_point") or {}
                metadata = data.get("metadata")
                records.append(
                    {
                        "id": item.get("id"),
                        "data_kind": kind,
                        "url": data[kind].get("url") if kind else None,
                        "text_raw": (data.get("text") or {}).get("raw"),
                        "concept_ids": [c["id"] for c in data.get("concepts") or []],
                        "geo_latitude": geo.get("latitude"),
                        "geo_longitude": geo.get("longitude"),
                        "dataset_ids": item.get("dataset_ids") or [],
                        "status_code": status.get("code"),
                        "status_name": names.get(status.get("code")),
                        "status_description": status.get("description"),
                        "created_at": item.get("created_at"),
                        "modified_at": item.get("modified_at"),
                        "metadata": None if metadata is None else json.dumps(metadata, sort_keys=True),
                    }
                )
            if len(items) < 1000:
                break
            page += 1
    frame = pd.DataFrame(records)
    for column in ("created_at", "modified_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    frame.to_parquet(out, index=False)
    return {
        "rows": len(frame),
        "seconds": round(time.perf_counter() - start, 3),
        "cpu_seconds": round(cpu_seconds() - cpu0, 3),
    }


def _listings(log: list[dict[str, Any]]) -> int:
    return sum(1 for r in log if r["rpc"] in ("ListDatasetInputs", "ListInputs"))


def ours_split(url: str, pat: str, rate: float) -> dict[str, Any]:
    """Client split, server split and prune, each measured on its own."""
    from benchmarks.common import admin
    from connector.operations import PrunePolicy, SplitSpec, prune, split
    from connector.operations.base import utcnow
    from connector.status_codes import VERSION_READY, status_code_of

    out: dict[str, Any] = {}
    with admin(url) as adm, _client(url, pat, rate=rate) as client:
        source = sum(1 for _ in client.list_dataset_inputs("cats-dogs"))
        per_page = client.config.per_page

        def pages(n: int) -> int:  # a listing ends at the first short page
            return n // per_page + 1

        # -- client-side split: add 80%/20% of the source to two new datasets.
        time.sleep(1.5)  # the server's rate-limit window drains after the count above
        adm.clear_requests()
        spec = SplitSpec(dataset_id="cats-dogs", ratios={"train": 0.8, "test": 0.2}, seed="bench")
        start = time.perf_counter()
        _, result = split(client, spec, batch_size=128)
        seconds = time.perf_counter() - start
        log = adm.requests()
        out["client_split"] = {
            "source": source,
            "seconds": round(seconds, 3),
            "requests": result.requests,
            "logged_requests": len(log),
            "throttled": sum(1 for r in log if r["http_status"] == 429),
            "added": result.counts.get("added"),
            "bound_seconds": round(result.requests / rate, 3),
        }

        # -- server-side split of the same source into two other, new datasets.
        time.sleep(1.5)
        adm.clear_requests()
        server = SplitSpec(
            dataset_id="cats-dogs",
            ratios={"train": 0.8, "test": 0.2},
            targets={"train": "srv-train", "test": "srv-test"},
            mode="server",
            run_key="bench",
        )
        start = time.perf_counter()
        _, sresult = split(client, server, timeout=600, poll_interval=0.25)
        seconds = time.perf_counter() - start
        log = adm.requests()
        train, test = sresult.counts.get("split_train", 0), sresult.counts.get("split_test", 0)
        minimum_listing = pages(source) + pages(train) + pages(test)
        out["server_split"] = {
            "source": source,
            "seconds": round(seconds, 3),
            "requests": sresult.requests,
            "listing_requests": _listings(log),
            "minimum_listing_requests": minimum_listing,
            "polls": sum(1 for r in log if r["rpc"] == "GetBulkOperation"),
            "by_rpc": _by_rpc(log),
        }

        # -- pruning: one dataset with many READY versions, keep the newest.
        adm.set_rate_limit(0)
        client.post_datasets([{"id": "prune-bench"}])
        versions = 150
        for n in range(versions):
            client.post_dataset_versions("prune-bench", [{"id": f"pv{n:04d}"}])
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            listed = list(client.list_dataset_versions("prune-bench"))
            if all(status_code_of(v) in VERSION_READY for v in listed):
                break
            time.sleep(0.5)
        adm.set_rate_limit(rate)
        time.sleep(1.5)
        adm.clear_requests()
        _, presult = prune(
            client, "prune-bench", PrunePolicy(keep_last=1, max_delete_share=None), batch_size=100, now=utcnow()
        )
        log = adm.requests()
        deleted = presult.counts["deleted"]
        by_rpc = _by_rpc(log)
        # The least a prune can do: list the versions, read what protects them (the
        # model reads it made, counted as needed), delete in batches of 100, list the
        # versions again to verify.
        protection_reads = sum(
            n for rpc, n in by_rpc.items() if rpc not in ("ListDatasetVersions", "DeleteDatasetVersions")
        )
        minimum = pages(versions) + protection_reads + math.ceil(deleted / 100) + pages(versions - deleted)
        out["prune"] = {
            "versions": versions,
            "deleted": deleted,
            "requests": presult.requests,
            "requests_per_deleted": round(presult.requests / deleted, 4) if deleted else None,
            "minimum_per_deleted": round(minimum / deleted, 4) if deleted else None,
            "by_rpc": by_rpc,
        }
    return out


def _by_rpc(log: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in log:
        counts[r["rpc"] or r["path"]] = counts.get(r["rpc"] or r["path"], 0) + 1
    return dict(sorted(counts.items()))


def main(argv: list[str]) -> None:
    import os

    pat = os.environ["CLARIFAI_PAT"]
    name, args = argv[0], argv[1:]
    if name == "ours-listing":
        print_json(ours_listing(args[0], pat, args[1], float(args[2]), None if args[3] == "default" else int(args[3])))
    elif name == "httpx-listing":
        print_json(httpx_listing(args[0], pat, int(args[1]), int(args[2])))
    elif name == "raw-export":
        print_json(raw_export(args[0], pat, args[1]))
    elif name == "ours-split":
        print_json(ours_split(args[0], pat, float(args[1])))
    else:
        raise SystemExit(f"unknown workload {name!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
