# %% [markdown]
# # An app's inventories, read the way an analyst reads them
#
# A notebook-style script (the `# %%` cells open as a notebook in VS Code, or in
# Jupyter with jupytext): load the inventories of a Clarifai app as pandas DataFrames,
# answer the questions people ask of an app with plain pandas, then write the app
# report, the same answers drawn as one HTML page.
#
#     python examples/analyst/inventories.py                      # from the API (CLARIFAI_*)
#     python examples/analyst/inventories.py --parquet demo-output  # from exported files
#
# From the API it reads with `ClarifaiConfig.from_env()` (read-only); from a directory it
# reads the `<inventory>.parquet` files `make demo` or `clarifai-connector export` write.

# %%
from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

from connector import ClarifaiClient, ClarifaiConfig
from connector.inventory import to_dataframe
from connector.report import write_report

NAMES = ("inputs", "dataset_inputs", "dataset_versions", "model_versions", "tasks")
SPLITS = ("train", "test", "validation")

parser = argparse.ArgumentParser(description="Questions about a Clarifai app, answered from its inventories.")
parser.add_argument("--parquet", type=Path, help="a directory of <inventory>.parquet files (default: read the API)")
parser.add_argument("--out", type=Path, default=Path("analyst-report.html"), help="where the report goes")
args, _ = parser.parse_known_args()  # (a notebook passes arguments of its own)
pd.set_option("display.width", 200)
pd.set_option("display.max_columns", None)

# %% [markdown]
# ## Load the inventories
# One DataFrame per inventory, with the stable columns of docs/inventories.md
# (Arrow-backed dtypes: strings, lists of concept ids, UTC timestamps).

# %%
if args.parquet:
    frames = {name: pd.read_parquet(args.parquet / f"{name}.parquet", dtype_backend="pyarrow") for name in NAMES}
    api_base = None
else:
    config = ClarifaiConfig.from_env()
    with ClarifaiClient(config) as client:
        frames = {name: to_dataframe(client, name) for name in NAMES}
    api_base = config.base_url
taken_at = datetime.now(UTC)
inputs, members, versions = frames["inputs"], frames["dataset_inputs"], frames["dataset_versions"]
models, tasks = frames["model_versions"], frames["tasks"]
print({name: len(frame) for name, frame in frames.items()})

# %% [markdown]
# ## How balanced are my classes?
# An input's concepts are in `concept_ids` (a list); one row per (input, concept).

# %%
pairs = inputs[["id", "concept_ids"]].explode("concept_ids")
labeled = pairs["concept_ids"].notna()
balance = pairs.loc[labeled, "concept_ids"].value_counts().rename("inputs").to_frame()
balance["share"] = (balance["inputs"] / len(inputs)).round(3)
unlabeled = int(inputs["id"].nunique() - pairs.loc[labeled, "id"].nunique())
print(balance)
print(f"{unlabeled} of {len(inputs)} inputs carry no concept")

# %% [markdown]
# ## Which datasets are largest, and how do their concept mixes differ?

# %%
member_pairs = members[["dataset_id", "input_id", "input_concept_ids"]].explode("input_concept_ids")
mix = pd.crosstab(member_pairs["dataset_id"], member_pairs["input_concept_ids"].fillna("(none)"))
sizes = members.groupby("dataset_id")["input_id"].nunique().sort_values(ascending=False).rename("inputs")
print(mix.loc[sizes.index].div(sizes, axis=0).round(2).assign(inputs=sizes))

# %% [markdown]
# ## Did each split keep each concept's share?
# A split's targets are named `<source>-train`, `<source>-test` (`-validation`). For
# each concept: its share of the source beside its share of each target; an input in
# two targets is a leak.

# %%
by_dataset = members.groupby("dataset_id")["input_id"].apply(set).to_dict()
split_checks = []
for source, source_ids in sorted(by_dataset.items()):
    targets = {s: f"{source}-{s}" for s in SPLITS if f"{source}-{s}" in by_dataset}
    if len(targets) < 2:
        continue
    seen: dict[str, int] = {}
    for target in targets.values():
        for input_id in by_dataset[target]:
            seen[input_id] = seen.get(input_id, 0) + 1
    leaked = sum(1 for n in seen.values() if n > 1)
    missing = len(source_ids - seen.keys())
    shares = {}
    for name, dataset_id in {"source": source, **targets}.items():
        rows = member_pairs[member_pairs["dataset_id"] == dataset_id]
        shares[name] = rows["input_concept_ids"].value_counts() / rows["input_id"].nunique()
    table = pd.DataFrame(shares).fillna(0).round(3)
    gap = table.drop(columns="source").sub(table["source"], axis=0).abs().max(axis=1).max()
    split_checks.append(
        {"source": source, "targets": len(targets), "leaked": leaked, "missing": missing, "worst_gap": gap}
    )
    print(f"split of {source}: {leaked} inputs in two targets, {missing} in none; largest share gap {gap:.3f}")
    print(table)

# %% [markdown]
# ## Which datasets pile up versions, and which versions were trained on?

# %%
trained = set(zip(models["train_dataset_id"], models["train_dataset_version_id"], strict=True))
versions = versions.assign(
    trained_on=[(d, v) in trained for d, v in zip(versions["dataset_id"], versions["id"], strict=True)],
    state=versions["status_name"].str.replace("DATASET_VERSION_", "", regex=False),
)
piles = versions.pivot_table(index="dataset_id", columns="state", values="id", aggfunc="count", fill_value=0)
piles.insert(0, "versions", piles.sum(axis=1))
piles["trained_on"] = versions.groupby("dataset_id")["trained_on"].sum()
print(piles.sort_values(["versions", "trained_on"], ascending=False))

# %% [markdown]
# ## Which labeling tasks stall?
# Open (neither done nor failed / won't do) and unchanged for a week.

# %%
open_tasks = tasks[~tasks["status_name"].isin(["TASK_DONE", "TASK_FAILED", "TASK_WONT_DO"])]
changed = open_tasks["modified_at"].fillna(open_tasks["created_at"])
stale = open_tasks.assign(idle_days=(taken_at - changed).dt.days)[lambda t: t["idle_days"] >= 7]
print(stale[["id", "status_name", "metrics_work_inputs_percent_estimated", "idle_days"]].sort_values("idle_days"))

# %% [markdown]
# ## The same, drawn: the app report
# `write_report` takes the frames already loaded (no second read) and writes one
# self-contained HTML page: class balance, splits, versions, tasks.

# %%
path = write_report(frames, args.out, taken_at=taken_at, api_base=api_base, stale_after=timedelta(days=7))
print(f"report: {path} ({path.stat().st_size // 1024} KB)")
