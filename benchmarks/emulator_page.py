"""How fast the emulator serves a 1000-item page, measured from a client over loopback.

    python -m benchmarks.emulator_page                 # about 20 seconds
    python -m benchmarks.emulator_page --markdown      # + the table of docs/benchmarks.md

The emulator runs as a subprocess (``python -m connector.emulator``, its own
interpreter) with the demo seed of ``--inputs`` inputs. A plain httpx client with a
kept-alive connection reads pages of 1000 items (``per_page=1000``, the API's maximum)
of three listings, round-robin over the pages so no single page is cached anywhere:
``ListInputs``, ``ListDatasetInputs`` (the largest seeded dataset) and
``ListAnnotations``. Each timing is one whole round trip: request sent, full body read
(the client does not decode the JSON inside the timing). Reported per listing: median,
p95 and max over ``--requests`` requests, after ``--warmup`` unmeasured ones, and the
body size; and the time to build the demo seed with 100,000 inputs in memory.
``--validate-responses`` measures the emulator's (slower) checking mode,
``--status-as-names`` the mode that sends status codes as enum names.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

from benchmarks.common import APP_ID, USER_ID, emulator, load, machine

PER_PAGE = 1000


def largest_dataset(http: Any) -> tuple[str, int]:
    """(id, inputs) of the seeded dataset with the most inputs."""
    base = f"/v2/users/{USER_ID}/apps/{APP_ID}"
    datasets = http.get(f"{base}/datasets", params={"per_page": 100}).json()["datasets"]
    best = ("", 0)
    for ds in datasets:
        members = 0
        for page in range(1, 1000):  # bounded: 1M members at most
            got = len(
                http.get(f"{base}/datasets/{ds['id']}/inputs", params={"page": page, "per_page": PER_PAGE})
                .json()
                .get("dataset_inputs", [])
            )
            members += got
            if got < PER_PAGE:
                break
        if members > best[1]:
            best = (ds["id"], members)
    return best


def measure(http: Any, path: str, key: str, full_pages: int, requests: int, warmup: int) -> dict[str, Any]:
    """Time ``requests`` full-page GETs of ``path`` (pages 1..full_pages, round-robin)."""
    if full_pages < 1:
        raise RuntimeError(f"{path} has no full page of {PER_PAGE} items: seed more inputs")
    times: list[float] = []
    sizes: list[int] = []
    for n in range(warmup + requests):
        page = n % full_pages + 1
        start = time.perf_counter()
        response = http.get(path, params={"page": page, "per_page": PER_PAGE})
        body = response.content
        elapsed = time.perf_counter() - start
        if response.status_code != 200:
            raise RuntimeError(f"{path} page {page}: HTTP {response.status_code}: {body[:300]!r}")
        if n == warmup:  # check once, outside the timings, that the page is full
            items = len(json.loads(body).get(key, []))
            if items != PER_PAGE:
                raise RuntimeError(f"{path} page {page} has {items} items, expected {PER_PAGE}")
        if n >= warmup:
            times.append(elapsed * 1000.0)
            sizes.append(len(body))
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 2),
        "max_ms": round(times[-1], 2),
        "requests": len(times),
        "body_kb": round(statistics.mean(sizes) / 1024, 1),
    }


def seed_seconds(inputs: int) -> float:
    """Seconds to build the demo seed of ``inputs`` inputs in memory (in this process)."""
    from connector.emulator.backend.state import EmulatorState
    from connector.emulator.options import EmulatorOptions

    start = time.perf_counter()
    EmulatorState(EmulatorOptions(seed="demo", seed_inputs=inputs))
    return round(time.perf_counter() - start, 2)


def run(inputs: int, requests: int, warmup: int, validate: bool, names: bool = False) -> dict[str, Any]:
    import httpx

    from connector.emulator.options import DEV_PAT

    flags = (
        "--validate-responses" if validate else "--no-validate-responses",
        "--status-as-names" if names else "--status-as-numbers",
    )
    with emulator(inputs, extra=flags, start_timeout=300.0) as (url, _pat):
        base = f"/v2/users/{USER_ID}/apps/{APP_ID}"
        with httpx.Client(base_url=url, headers={"Authorization": f"Key {DEV_PAT}"}, timeout=60) as http:
            ds_id, ds_inputs = largest_dataset(http)
            listings = {
                "ListInputs": (f"{base}/inputs", "inputs", inputs // PER_PAGE),
                f"ListDatasetInputs ({ds_id})": (
                    f"{base}/datasets/{ds_id}/inputs",
                    "dataset_inputs",
                    ds_inputs // PER_PAGE,
                ),
                "ListAnnotations": (f"{base}/annotations", "annotations", inputs // PER_PAGE // 2),
            }
            results = {
                name: measure(http, path, key, pages, requests, warmup) for name, (path, key, pages) in listings.items()
            }
    return {
        "machine": {**machine(), "load_average_1m": load()},
        "inputs": inputs,
        "validate_responses": validate,
        "status_as_names": names,
        "per_page": PER_PAGE,
        "results": results,
        "seed_100k_inputs_seconds": seed_seconds(100_000),
    }


def markdown(report: dict[str, Any]) -> str:
    rows = ["| listing (1000 items a page) | median | p95 | max | body |", "|---|---|---|---|---|"]
    for name, r in report["results"].items():
        rows.append(
            f"| {name} | {r['median_ms']:.1f} ms | {r['p95_ms']:.1f} ms | {r['max_ms']:.1f} ms | {r['body_kb']:.0f} KB |"
        )
    rows.append(f"\nSeeding the demo app with 100,000 inputs: {report['seed_100k_inputs_seconds']:.1f} s.")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--inputs", type=int, default=20_000, help="inputs in the demo seed (default 20000)")
    parser.add_argument("--requests", type=int, default=200, help="measured requests per listing (default 200)")
    parser.add_argument("--warmup", type=int, default=10, help="unmeasured requests first (default 10)")
    parser.add_argument("--validate-responses", action="store_true", help="run the emulator in its checking mode")
    parser.add_argument("--status-as-names", action="store_true", help="status codes as enum names")
    parser.add_argument("--markdown", action="store_true", help="also print the table for docs/benchmarks.md")
    args = parser.parse_args(argv)
    report = run(args.inputs, args.requests, args.warmup, args.validate_responses, args.status_as_names)
    print(json.dumps(report, indent=2))
    if args.markdown:
        print()
        print(markdown(report))


if __name__ == "__main__":
    main()
