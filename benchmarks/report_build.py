"""Report build time and peak memory for a 1M-input app, from Parquet files on disk.

    python -m benchmarks.report_build --markdown              # 1,000,000 inputs, 3 runs
    python -m benchmarks.report_build --inputs 200000 --runs 1

1. Generates synthetic inventory Parquet files of a realistic shape into ``--data``
   (default: a cache directory under the system temp dir, reused when its parameters
   match): every column of every inventory's documented schema, ``--inputs`` inputs
   over 8 source datasets (3 of them split into train/test/validation targets), about
   85% of the inputs labeled with 1 or 2 of 60 concepts of a long-tailed frequency,
   one annotation per labeled input, 30 versions per dataset, models trained on some
   of them, 40 labeling tasks. Row groups of 65,536 rows, zstd, as the exports write them.
2. Builds the report from the directory in a fresh child process (``--runs`` times),
   which reports the wall time of ``write_report(dir, out)``, its peak RSS
   (``ru_maxrss``) and its RSS right after the imports.

Prints JSON (``--markdown`` adds the row used in docs/benchmarks.md). Targets: under
10 s and under 1 GB peak RSS.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.common import load, machine
from connector.inventory.schemas import INVENTORIES, get_spec
from connector.status_codes import StatusCode as S

#: Bump when the generated data changes shape, so a cached directory is rebuilt.
DATA_VERSION = 1
SOURCES = 8
SPLIT_SOURCES = 3
SPLITS = (("train", 0.7), ("test", 0.2), ("validation", 0.1))
CONCEPTS = 60
VERSIONS_PER_DATASET = 30
USER, APP = "bench-user", "bench-app"


def _strings(prefix: str, n: int, width: int = 7) -> pa.Array:
    """``prefix0000001``... as one Arrow string array, built without per-row Python."""
    numbers = pa.array(np.arange(1, n + 1)).cast(pa.string())
    padded = pa.compute.utf8_lpad(numbers, width=width, padding="0")
    return pa.compute.binary_join_element_wise(pa.scalar(prefix), padded, "")


def _lists(offsets: npt.NDArray[np.int64], values: pa.Array) -> pa.Array:
    return pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)), values)


def _stamps(n: int, start: float, span: float, rng: np.random.Generator) -> pa.Array:
    micros = ((start + np.sort(rng.random(n)) * span) * 1e6).astype(np.int64)
    return pa.array(micros, type=pa.timestamp("us", tz="UTC"))


def _write(directory: Path, name: str, columns: dict[str, Any], rows: int) -> None:
    """Write inventory ``name`` with its exact schema; columns not given are null."""
    spec = get_spec(name)
    arrays = []
    for field in spec.schema:
        value = columns.get(field.name)
        if value is None:
            arrays.append(pa.nulls(rows, field.type))
        elif isinstance(value, (pa.Array, pa.ChunkedArray)):
            arrays.append(value.cast(field.type) if value.type != field.type else value)
        else:
            arrays.append(pa.array(value, type=field.type))
    table = pa.Table.from_arrays(arrays, schema=spec.schema)
    pq.write_table(table, directory / f"{name}.parquet", row_group_size=65_536, compression="zstd")


def generate(directory: Path, inputs: int, seed: int = 0) -> dict[str, int]:
    """Write every inventory's ``<name>.parquet`` into ``directory``; returns rows per inventory."""
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC).timestamp()
    year = 365 * 86400.0
    rows: dict[str, int] = {}

    concept_ids = [f"concept-{k:02d}" for k in range(CONCEPTS)]
    weights = 1.0 / np.arange(1, CONCEPTS + 1) ** 1.1
    weights /= weights.sum()
    sources = [f"source-{k}" for k in range(SOURCES)]
    targets = [f"{sources[k]}-{s}" for k in range(SPLIT_SOURCES) for s, _ in SPLITS]
    datasets = sources + targets

    # Inputs: their concepts (0, 1 or 2) and their source dataset.
    ids = _strings("in-", inputs)
    n_concepts = rng.choice([0, 1, 2], size=inputs, p=[0.15, 0.8, 0.05])
    offsets = np.concatenate([[0], np.cumsum(n_concepts)])
    picks = rng.choice(CONCEPTS, size=int(offsets[-1]), p=weights)
    concept_values = pa.array(np.array(concept_ids, dtype=object)[picks], type=pa.string())
    concept_lists = _lists(offsets, concept_values)
    source_of = rng.integers(0, SOURCES, size=inputs)
    created = _stamps(inputs, now - year, year, rng)
    urls = pa.compute.binary_join_element_wise(
        pa.scalar("https://images.example.com/bench/"), ids, pa.scalar(".jpg"), ""
    )
    meta_mask = rng.random(inputs) < 0.2
    metadata = pa.array(np.where(meta_mask, '{"group":"north","reviewed":true}', None), type=pa.string())
    ok = S.INPUT_DOWNLOAD_SUCCESS
    status = {"status_code": pa.array(np.full(inputs, int(ok))), "status_name": pa.array([ok.name] * inputs)}

    # Split targets: the inputs of the first sources, by a hash-like draw.
    draw = rng.random(inputs)
    split_of = np.full(inputs, -1)
    acc = 0.0
    for k, (_, share) in enumerate(SPLITS):
        split_of[(draw >= acc) & (draw < acc + share)] = k
        acc += share
    in_split = source_of < SPLIT_SOURCES
    target_of = np.where(in_split, SOURCES + source_of * len(SPLITS) + split_of, -1)

    ds_names = np.array(datasets, dtype=object)
    n_ds = np.where(in_split, 2, 1)
    ds_offsets = np.concatenate([[0], np.cumsum(n_ds)])
    ds_values = np.empty(int(ds_offsets[-1]), dtype=object)
    ds_values[ds_offsets[:-1]] = ds_names[source_of]
    second = ds_offsets[:-1][in_split] + 1
    ds_values[second] = ds_names[target_of[in_split]]
    dataset_lists = _lists(ds_offsets, pa.array(ds_values, type=pa.string()))

    _write(
        directory,
        "inputs",
        {
            "id": ids,
            "data_kind": pa.array(["image"] * inputs),
            "url": urls,
            "concept_ids": concept_lists,
            "dataset_ids": dataset_lists,
            **status,
            "status_description": pa.array(["Download complete"] * inputs),
            "created_at": created,
            "modified_at": created,
            "metadata": metadata,
        },
        inputs,
    )
    rows["inputs"] = inputs

    # Dataset inputs: one row per membership (source, and split target for some).
    member_rows = np.concatenate([np.arange(inputs), np.flatnonzero(in_split)])
    member_ds = np.concatenate([source_of, target_of[in_split]])
    take = pa.array(member_rows)
    m = len(member_rows)
    _write(
        directory,
        "dataset_inputs",
        {
            "dataset_id": pa.array(ds_names[member_ds], type=pa.string()),
            "added_at": created.take(take),
            "input_id": ids.take(take),
            "input_data_kind": pa.array(["image"] * m),
            "input_url": urls.take(take),
            "input_concept_ids": concept_lists.take(take),
            "input_dataset_ids": dataset_lists.take(take),
            "input_status_code": pa.array(np.full(m, int(ok))),
            "input_status_name": pa.array([ok.name] * m),
            "input_created_at": created.take(take),
            "input_modified_at": created.take(take),
            "input_metadata": metadata.take(take),
        },
        m,
    )
    rows["dataset_inputs"] = m

    # Annotations: one per labeled input, with its concepts.
    labeled = np.flatnonzero(n_concepts > 0)
    take = pa.array(labeled)
    a = len(labeled)
    data_json = pa.compute.binary_join_element_wise(
        pa.scalar('{"concepts":[{"id":"'),
        pa.array(np.array(concept_ids, dtype=object)[picks[offsets[:-1][labeled]]], type=pa.string()),
        pa.scalar('","value":1.0}]}'),
        "",
    )
    _write(
        directory,
        "annotations",
        {
            "id": _strings("ann-", a),
            "input_id": ids.take(take),
            "user_id": pa.array([USER] * a),
            "worker_user_id": pa.array([USER] * a),
            "status_code": pa.array(np.full(a, int(S.ANNOTATION_SUCCESS))),
            "status_name": pa.array([S.ANNOTATION_SUCCESS.name] * a),
            "input_level": pa.array(np.ones(a, dtype=bool)),
            "trusted": pa.array(np.zeros(a, dtype=bool)),
            "concept_ids": concept_lists.take(take),
            "region_count": pa.array(np.zeros(a, dtype=np.int64)),
            "created_at": created.take(take),
            "modified_at": created.take(take),
            "data": data_json,
        },
        a,
    )
    rows["annotations"] = a

    # The small inventories.
    nd = len(datasets)
    ds_created = _stamps(nd, now - year, 0.1 * year, rng)
    _write(
        directory,
        "datasets",
        {
            "id": datasets,
            "app_id": [APP] * nd,
            "user_id": [USER] * nd,
            "description": [f"dataset {d}" for d in datasets],
            "created_at": ds_created,
            "modified_at": ds_created,
        },
        nd,
    )
    rows["datasets"] = nd
    nv = nd * VERSIONS_PER_DATASET
    v_states = [
        S.DATASET_VERSION_READY,
        S.DATASET_VERSION_FAILURE,
        S.DATASET_VERSION_PENDING,
        S.DATASET_VERSION_IN_PROGRESS,
    ]
    v_codes = rng.choice([int(c) for c in v_states], size=nv, p=[0.85, 0.08, 0.04, 0.03])
    v_ds = [d for d in datasets for _ in range(VERSIONS_PER_DATASET)]
    v_ids = [f"{d}-v{k:02d}" for d in datasets for k in range(VERSIONS_PER_DATASET)]
    _write(
        directory,
        "dataset_versions",
        {
            "dataset_id": v_ds,
            "id": v_ids,
            "app_id": [APP] * nv,
            "user_id": [USER] * nv,
            "description": ["nightly snapshot"] * nv,
            "status_code": v_codes.tolist(),
            "status_name": [S(int(c)).name for c in v_codes],
            "request_origin": ["MANUAL"] * nv,
            "created_at": _stamps(nv, now - year, year, rng),
            "modified_at": _stamps(nv, now - year, year, rng),
            "metrics_inputs_count": rng.integers(1000, inputs // SOURCES + 1000, size=nv).tolist(),
            "metadata": [('{"pinned":true}' if k % 10 == 0 else None) for k in range(nv)],
        },
        nv,
    )
    rows["dataset_versions"] = nv
    _write(directory, "concepts", {"id": concept_ids, "name": concept_ids, "app_id": [APP] * CONCEPTS}, CONCEPTS)
    rows["concepts"] = CONCEPTS
    models = [f"model-{k}" for k in range(10)]
    _write(directory, "models", {"id": models, "name": models, "app_id": [APP] * 10}, 10)
    rows["models"] = 10
    mv = 60
    trained = rng.choice(nv, size=mv, replace=False)
    _write(
        directory,
        "model_versions",
        {
            "model_id": [models[k % 10] for k in range(mv)],
            "id": [f"mv-{k:03d}" for k in range(mv)],
            "status_name": ["MODEL_TRAINED"] * mv,
            "train_dataset_id": [v_ds[int(t)] for t in trained],
            "train_dataset_version_id": [v_ids[int(t)] for t in trained],
            "created_at": _stamps(mv, now - year, year, rng),
        },
        mv,
    )
    rows["model_versions"] = mv
    nt = 40
    t_states = [S.TASK_IN_PROGRESS, S.TASK_DONE, S.TASK_IDLE, S.TASK_WONT_DO]
    t_codes = rng.choice([int(c) for c in t_states], size=nt, p=[0.5, 0.3, 0.15, 0.05])
    t_created = _stamps(nt, now - 0.2 * year, 0.2 * year, rng)
    _write(
        directory,
        "tasks",
        {
            "id": [f"task-{k:02d}" for k in range(nt)],
            "name": [f"label batch {k}" for k in range(nt)],
            "type": ["CONCEPTS_CLASSIFICATION"] * nt,
            "status_code": t_codes.tolist(),
            "status_name": [S(int(c)).name for c in t_codes],
            "review_strategy": ["MANUAL"] * nt,
            "input_source_type": ["DATASET"] * nt,
            "input_source_id": [datasets[k % nd] for k in range(nt)],
            "concept_ids": [concept_ids[:3]] * nt,
            "worker_user_ids": [[USER, "labeler-1"]] * nt,
            "metrics_work_inputs_count_estimated": rng.integers(100, 10000, size=nt).tolist(),
            "metrics_work_inputs_percent_estimated": rng.integers(0, 101, size=nt).tolist(),
            "metrics_review_inputs_percent_estimated": rng.integers(0, 101, size=nt).tolist(),
            "created_at": t_created,
            "modified_at": t_created,
        },
        nt,
    )
    rows["tasks"] = nt
    for name, n in (
        ("apps", 1),
        ("workflows", 5),
        ("bulk_operations", 20),
        ("inputs_add_jobs", 100),
        ("collaborators", 10),
    ):
        _write(directory, name, {"id": [f"{name}-{k}" for k in range(n)]}, n)
        rows[name] = n
    assert set(rows) == set(INVENTORIES), sorted(set(INVENTORIES) - set(rows))
    return rows


def ensure_data(directory: Path, inputs: int) -> dict[str, Any]:
    """Generate the data unless ``directory`` already holds this shape (a marker file says)."""
    marker = directory / "bench.json"
    wanted = {"version": DATA_VERSION, "inputs": inputs}
    with contextlib.suppress(OSError, ValueError):
        info = json.loads(marker.read_text())
        if {k: info.get(k) for k in wanted} == wanted:
            return dict(info)
    start = time.perf_counter()
    rows = generate(directory, inputs)
    info = {**wanted, "rows": rows, "generate_s": round(time.perf_counter() - start, 1)}
    info["bytes"] = sum(p.stat().st_size for p in directory.glob("*.parquet"))
    marker.write_text(json.dumps(info))
    return info


def child_build(directory: str, out: str) -> None:
    """Run in a child process: build the report from ``directory``; print time and RSS as JSON."""
    from connector.report import write_report

    base_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    path = write_report(directory, out)
    elapsed = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "build_s": round(elapsed, 3),
                "peak_rss_mb": round(peak_kb / 1024, 1),
                "rss_after_imports_mb": round(base_kb / 1024, 1),
                "report_kb": round(path.stat().st_size / 1024, 1),
            }
        )
    )


def measure(directory: Path, runs: int) -> list[dict[str, Any]]:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(runs):
            proc = subprocess.run(
                [sys.executable, "-m", "benchmarks.report_build", "--child", str(directory), f"{tmp}/report.html"],
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            if proc.returncode != 0:
                raise SystemExit(f"the child process failed:\n{proc.stderr[-3000:]}")
            results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return results


def markdown(report: dict[str, Any]) -> str:
    runs = report["runs"]
    best = min(runs, key=lambda r: r["build_s"])
    times = ", ".join(f"{r['build_s']:.2f}" for r in runs)
    rows = report["data"]["rows"]
    return "\n".join(
        [
            "| inputs (dataset inputs, annotations) | Parquet on disk | build time, best of runs (all runs) | peak RSS | RSS after imports | page |",
            "|---|---|---|---|---|---|",
            f"| {rows['inputs']:,} ({rows['dataset_inputs']:,}, {rows['annotations']:,}) | "
            f"{report['data']['bytes'] / 2**20:.0f} MB | **{best['build_s']:.2f} s** ({times} s) | "
            f"**{max(r['peak_rss_mb'] for r in runs):.0f} MB** | {best['rss_after_imports_mb']:.0f} MB | {best['report_kb']:.0f} KB |",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inputs", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", type=Path, default=None, help="Directory of the generated Parquet files (cached).")
    parser.add_argument("--markdown", action="store_true", help="Also print the Markdown row.")
    parser.add_argument("--child", nargs=2, metavar=("DIR", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child_build(*args.child)
        return
    directory = args.data or Path(tempfile.gettempdir()) / f"clarifai-report-bench-{args.inputs}"
    data = ensure_data(directory, args.inputs)
    before = {**machine(), "load_1m": load()}
    runs = measure(directory, args.runs)
    report = {
        "machine": before,
        "load_1m_after": load(),
        "command": "python -m benchmarks.report_build " + " ".join(argv if argv is not None else sys.argv[1:]),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "data": {k: data[k] for k in ("inputs", "rows", "bytes", "generate_s") if k in data} | {"dir": str(directory)},
        "runs": runs,
    }
    print(json.dumps(report, indent=2))
    if args.markdown:
        print()
        print(markdown(report))


if __name__ == "__main__":
    main()
