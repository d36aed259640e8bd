"""Operators on datasets: prune dataset versions, split a dataset, create a dataset version.

Each wraps one connector operation (``connector.operations``), so its guarantees are the
operation's: plan first, validate before the first write, deterministic ids, idempotent
apply, read-back verification. See docs/operations.md and docs/airflow.md.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow.sdk import conf

from airflow_provider.links.clarifai import (
    ClarifaiDatasetLink,
    ClarifaiDatasetVersionLink,
    dataset_page,
    dataset_version_page,
)
from airflow_provider.operators.base import (
    ClarifaiBaseOperator,
    as_list,
    as_mapping,
    as_timedelta,
    clarifai_errors,
    default_dataset_outlets,
    run_key,
)

if TYPE_CHECKING:
    from airflow.sdk import Context

    from connector.operations import PrunePlan

#: Rows of a plan shown in its Markdown summary (the whole plan stays in XCom).
SUMMARY_ROWS = 50


def _as_int(value: Any) -> Any:
    """Templated numbers arrive as text: ``"3"`` -> 3 (anything else unchanged, and
    validated by the operation)."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return value


def _as_float(value: Any) -> Any:
    if isinstance(value, str) and value.strip():
        try:
            return float(value)
        except ValueError:
            return value
    return value


def prune_plan_markdown(plan: Mapping[str, Any], limit: int = SUMMARY_ROWS) -> str:
    """A short Markdown summary of a prune plan (``PrunePlan.to_dict()``): the verdict of
    its guard and a table of the versions it deletes, for a human approval step."""
    rows = [r for r in plan.get("rows") or [] if r.get("action") == "delete"]
    lines = [
        f"**Prune plan**: {len(rows)} of {len(plan.get('rows') or [])} versions to delete "
        f"in {len(plan.get('datasets') or [])} dataset(s).",
        f"Guard: {plan.get('guard') or 'passes'}.",
        "",
        "| dataset | version | status | reason |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {r['dataset_id']} | {r['version_id']} | {r.get('status', '')} | {r.get('reason', '')} |"
        for r in rows[:limit]
    ]
    if len(rows) > limit:
        lines.append(f"| ... | {len(rows) - limit} more | | |")
    return "\n".join(lines)


class ClarifaiPruneDatasetVersionsOperator(ClarifaiBaseOperator):
    """Delete old dataset versions by a keep policy; or apply a plan made earlier.

    Two uses:

    * **policy** (``plan`` not given): plan with the policy, push the plan to XCom under
      key ``plan``, and apply it unless ``dry_run``. A guard (``max_delete``,
      ``max_delete_share``) refuses an apply that deletes too much (the task fails without
      retry) unless ``force``.
    * **plan** (``plan=<the plan dict>``, e.g. ``plan=dry_run_task.output["plan"]``): apply
      that plan, after an approval step. Versions that became protected since the plan
      was made (trained on, now the newest READY) are skipped.

    Never deleted, whatever the policy: the newest READY version of each dataset, versions
    in progress, versions a model was trained on, versions made by training/evaluation.
    Idempotent: a retry deletes what is left ("not found" counts as deleted).
    Returns ``{"dry_run", "counts", "ids", "guard", "datasets", "summary"}``.

    :param dataset_ids: dataset ids (a list, one id, or comma-separated text); None for
        every dataset of the app.
    :param keep_last: keep the newest N READY versions of each dataset.
    :param keep_younger_than: keep versions younger than this (timedelta, seconds, "30d").
    :param delete_failed_older_than: delete failed versions older than this.
    """

    template_fields: Sequence[str] = (
        *ClarifaiBaseOperator.template_fields,
        "dataset_ids",
        "keep_last",
        "keep_younger_than",
        "keep_ids",
        "delete_failed_older_than",
        "max_delete",
        "plan",
    )
    operator_extra_links = (ClarifaiDatasetLink(),)
    ui_color = "#f9e0d9"

    def __init__(
        self,
        *,
        dataset_ids: str | Sequence[str] | None = None,
        keep_last: int | str | None = None,
        keep_younger_than: timedelta | float | str | None = None,
        keep_ids: Sequence[str] | None = None,
        keep_pinned: bool = True,
        pinned_key: str = "pinned",
        delete_failed_older_than: timedelta | float | str | None = None,
        allow_trained: bool = False,
        allow_origins: Sequence[str] | None = None,
        max_delete: int | str | None = None,
        max_delete_share: float | None = 0.9,
        dry_run: bool = False,
        force: bool = False,
        plan: Mapping[str, Any] | str | None = None,
        batch_size: int = 100,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.dataset_ids = dataset_ids
        self.keep_last = keep_last
        self.keep_younger_than = keep_younger_than
        self.keep_ids = keep_ids
        self.keep_pinned = keep_pinned
        self.pinned_key = pinned_key
        self.delete_failed_older_than = delete_failed_older_than
        self.allow_trained = allow_trained
        self.allow_origins = allow_origins
        self.max_delete = max_delete
        self.max_delete_share = max_delete_share
        self.plan_only = dry_run  # not self.dry_run: BaseOperator.dry_run() renders templates
        self.force = force
        self.plan = plan
        self.batch_size = batch_size

    def _policy(self) -> Any:
        from connector.operations import PrunePolicy

        return PrunePolicy(
            keep_last=_as_int(self.keep_last),
            keep_younger_than=as_timedelta(self.keep_younger_than, "keep_younger_than"),
            keep_ids=frozenset(as_list(self.keep_ids) or ()),
            keep_pinned=self.keep_pinned,
            pinned_key=self.pinned_key,
            delete_failed_older_than=as_timedelta(self.delete_failed_older_than, "delete_failed_older_than"),
            allow_trained=self.allow_trained,
            allow_origins=frozenset(self.allow_origins or ()),
            max_delete=_as_int(self.max_delete),
            max_delete_share=self.max_delete_share,
        )

    def execute(self, context: Context) -> dict[str, Any]:
        from connector.operations import PrunePlan, apply_prune, prune

        what = f"prune ({self.task_id})"
        with clarifai_errors(what), self.client() as client:
            plan: PrunePlan
            if self.plan is not None:
                plan = PrunePlan.from_dict(as_mapping(self.plan, "plan"))
                self.log.info("applying a prune plan of %d rows (%d deletions)", len(plan.rows), plan.delete_count)
                result = apply_prune(client, plan, force=self.force, batch_size=self.batch_size, progress=self.progress)
            else:
                plan, result = prune(
                    client,
                    as_list(self.dataset_ids),
                    self._policy(),
                    dry_run=self.plan_only,
                    force=self.force,
                    batch_size=self.batch_size,
                    progress=self.progress,
                )
                context["ti"].xcom_push(key="plan", value=plan.to_dict())
            if len(plan.datasets) == 1:
                cfg = client.config
                self.set_link("dataset", dataset_page(self.portal, cfg.user_id, cfg.app_id or "", plan.datasets[0]))
        summary = prune_plan_markdown(plan.to_dict())
        self.log.info("%s", summary)
        return {
            "dry_run": result.dry_run,
            "counts": result.counts,
            "ids": result.ids,
            "guard": plan.guard,
            "datasets": list(plan.datasets),
            "summary": summary,
        }


class ClarifaiSplitDatasetOperator(ClarifaiBaseOperator):
    """Split a dataset (or a version of it, or the whole app) into target datasets.

    Reproducible (hash of ``seed`` and each input id; ``stratify`` by first concept;
    ``group_by`` a metadata key keeps a group in one split), idempotent (inputs already in
    a target are kept, missing targets are created, snapshots have deterministic ids) and
    verified by reading the targets back (no leakage). ``mode``: ``incremental`` adds what
    is missing, ``exact`` also removes what does not belong, ``server`` runs the API's
    random split. ``snapshot`` makes a dataset version of each target, waited until READY.

    Outlets: the targets' Assets (``clarifai://<user>/<app>/datasets/<target>``) when the
    user, app and target ids are known at parse time, otherwise an AssetAlias
    ``clarifai/<task_id>`` filled with them at run time. A mapped operator
    (``.partial(...).expand(...)``) is built only when it runs, too late to declare
    outlets: pass ``outlets=[AssetAlias("...")]`` to ``partial()``.
    Returns ``{"dry_run", "counts", "targets", "versions", "datasets_created", "uris"}``.
    """

    template_fields: Sequence[str] = (
        *ClarifaiBaseOperator.template_fields,
        "dataset_id",
        "version_id",
        "ratios",
        "targets",
        "seed",
        "group_by",
        "run_key",
    )
    operator_extra_links = (ClarifaiDatasetLink(),)
    ui_color = "#e0ecf9"

    def __init__(
        self,
        *,
        dataset_id: str | None = None,
        version_id: str | None = None,
        app: bool = False,
        concepts: Sequence[str] | None = None,
        ratios: Mapping[str, float] | str | None = None,
        targets: Mapping[str, str] | str | None = None,
        seed: str | int = "0",
        stratify: bool = False,
        group_by: str | None = None,
        mode: str = "incremental",
        snapshot: bool = False,
        run_key: str | None = None,
        dry_run: bool = False,
        batch_size: int = 128,
        wait_timeout: float = 600.0,
        poll_interval: float = 1.0,
        **kwargs: Any,
    ) -> None:
        if "outlets" not in kwargs:
            kwargs["outlets"] = default_dataset_outlets(
                kwargs.get("task_id", ""),
                kwargs.get("user_id"),
                kwargs.get("app_id"),
                _static_targets(dataset_id, app, ratios, targets),
            )
        super().__init__(**kwargs)
        self.dataset_id = dataset_id
        self.version_id = version_id
        self.app = app
        self.concepts = concepts
        self.ratios = ratios
        self.targets = targets
        self.seed = seed
        self.stratify = stratify
        self.group_by = group_by
        self.mode = mode
        self.snapshot = snapshot
        self.run_key = run_key
        self.plan_only = dry_run  # not self.dry_run: BaseOperator.dry_run() renders templates
        self.batch_size = batch_size
        self.wait_timeout = wait_timeout
        self.poll_interval = poll_interval
        self._lineage: tuple[str, str, list[str], list[str]] | None = None

    def _spec(self) -> Any:
        from connector.operations import SplitSpec

        ratios = as_mapping(self.ratios, "ratios") if self.ratios is not None else {"train": 0.8, "test": 0.2}
        return SplitSpec(
            dataset_id=self.dataset_id or None,
            version_id=self.version_id or None,
            app=self.app,
            concepts=tuple(as_list(self.concepts) or ()),
            ratios={k: _as_float(v) for k, v in ratios.items()},
            targets=as_mapping(self.targets, "targets") if self.targets else {},
            seed=str(self.seed),
            stratify=self.stratify,
            group_by=self.group_by or None,
            mode=self.mode,
            snapshot=self.snapshot,
            run_key=self.run_key or None,
        )

    def execute(self, context: Context) -> dict[str, Any]:
        from connector.operations import split

        with clarifai_errors(f"split ({self.task_id})"), self.client() as client:
            spec = self._spec()
            plan, result = split(
                client,
                spec,
                dry_run=self.plan_only,
                batch_size=self.batch_size,
                timeout=self.wait_timeout,
                poll_interval=self.poll_interval,
                progress=self.progress,
            )
            cfg = client.config
            if spec.dataset_id:
                self.set_link("dataset", dataset_page(self.portal, cfg.user_id, cfg.app_id or "", spec.dataset_id))
            targets = dict(plan.targets)
            uris: list[str] = []
            if not self.plan_only:
                uris = self.emit_datasets(
                    context,
                    cfg.user_id,
                    cfg.app_id or "",
                    targets.values(),
                    {"source": spec.source_name, "seed": spec.seed, "versions": result.ids.get("versions", [])},
                )
                self._lineage = (
                    cfg.user_id,
                    cfg.app_id or "",
                    [spec.dataset_id] if spec.dataset_id else [],
                    list(targets.values()),
                )
        return {
            "dry_run": result.dry_run,
            "counts": result.counts,
            "targets": targets,
            "versions": result.ids.get("versions", []),
            "datasets_created": result.ids.get("datasets_created", result.ids.get("would_create", [])),
            "uris": uris,
        }

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """Inputs: the source dataset; outputs: the target datasets (openlineage extra)."""
        from airflow_provider.lineage import operator_lineage

        if self._lineage is None:
            return None
        user_id, app_id, inputs, outputs = self._lineage
        return operator_lineage(user_id, app_id, inputs=inputs, outputs=outputs)


def _static_targets(dataset_id: Any, app: bool, ratios: Any, targets: Any) -> list[str] | None:
    """The split's target dataset ids when they are plain values at parse time."""
    if ratios is None:
        ratios = {"train": 0.8, "test": 0.2}
    if not isinstance(ratios, Mapping) or (targets is not None and not isinstance(targets, Mapping)):
        return None
    source = dataset_id if dataset_id else ("app" if app else None)
    if not isinstance(source, str) or "{{" in source:
        return None
    named = dict(targets or {})
    return [str(named.get(split) or f"{source}-{split}") for split in ratios]


class ClarifaiCreateDatasetVersionOperator(ClarifaiBaseOperator):
    """Snapshot a dataset as a new dataset version, and (by default) wait until it is READY.

    The version id is ``version_id`` if given, else derived from the task instance
    (``dag_id/task_id/run_id/map_index``): a retry adopts the version its earlier try
    created, a new DAG run creates a new one. ``deferrable`` (default: Airflow's
    ``[operators] default_deferrable``) hands the wait to the triggerer.
    Returns ``{"dataset_id", "version_id", "status", "created", "uri"}``.
    """

    template_fields: Sequence[str] = (
        *ClarifaiBaseOperator.template_fields,
        "dataset_id",
        "version_id",
        "description",
        "metadata",
    )
    operator_extra_links = (ClarifaiDatasetLink(), ClarifaiDatasetVersionLink())
    ui_color = "#e0ecf9"

    def __init__(
        self,
        *,
        dataset_id: str,
        version_id: str | None = None,
        description: str = "",
        metadata: Mapping[str, Any] | None = None,
        wait_for_ready: bool = True,
        wait_timeout: float = 3600.0,
        poll_interval: float = 5.0,
        deferrable: bool | None = None,
        **kwargs: Any,
    ) -> None:
        if "outlets" not in kwargs:
            kwargs["outlets"] = default_dataset_outlets(
                kwargs.get("task_id", ""), kwargs.get("user_id"), kwargs.get("app_id"), [dataset_id]
            )
        super().__init__(**kwargs)
        self.dataset_id = dataset_id
        self.version_id = version_id
        self.description = description
        self.metadata = metadata
        self.wait_for_ready = wait_for_ready
        self.wait_timeout = wait_timeout
        self.poll_interval = poll_interval
        self._lineage: tuple[str, str, str] = ("", "", "")
        self.deferrable = (
            conf.getboolean("operators", "default_deferrable", fallback=False) if deferrable is None else deferrable
        )

    def _version_id(self, context: Context) -> str:
        from connector.operations import deterministic_id

        return self.version_id or deterministic_id("airflow", run_key(context))

    def execute(self, context: Context) -> dict[str, Any]:
        from connector.errors import NotFoundError
        from connector.operations import classify_dataset_version, create_or_adopt, wait_dataset_version
        from connector.status_codes import code_name, status_code_of

        with clarifai_errors(f"create dataset version ({self.task_id})"), self.client() as client:
            dataset_id = self.dataset_id
            version_id = self._version_id(context)
            body: dict[str, Any] = {"id": version_id}
            if self.description:
                body["description"] = self.description
            if self.metadata:
                body["metadata"] = dict(as_mapping(self.metadata, "metadata"))

            def read() -> dict[str, Any] | None:
                try:
                    return dict(client.get_dataset_version(dataset_id, version_id))
                except NotFoundError:
                    return None

            existing = read()
            created = False
            if existing is None:
                _, created = create_or_adopt(
                    lambda: client.post_dataset_versions(dataset_id, [body])[0],
                    read,
                    what=f"dataset version {dataset_id}/{version_id}",
                )
            self.log.info("dataset version %s/%s %s", dataset_id, version_id, "created" if created else "adopted")
            context["ti"].xcom_push(key="version_id", value=version_id)
            self._remember(client.config.user_id, client.config.app_id or "", dataset_id, version_id)
            if not self.wait_for_ready:
                return self._result(context, dataset_id, version_id, "", created)
            if existing is not None and classify_dataset_version(existing) == "done":  # a retry after the wait
                return self._result(context, dataset_id, version_id, code_name(status_code_of(existing)), created)
            if self.deferrable:
                from airflow_provider.triggers.clarifai import ClarifaiDatasetVersionTrigger

                self.defer(
                    trigger=ClarifaiDatasetVersionTrigger(
                        dataset_id=dataset_id,
                        version_id=version_id,
                        clarifai_conn_id=self.clarifai_conn_id,
                        user_id=client.config.user_id,
                        app_id=client.config.app_id,
                        end_time=time.time() + self.wait_timeout,
                        poll_interval=self.poll_interval,
                    ),
                    method_name="execute_complete",
                    kwargs={"created": created},
                    timeout=timedelta(seconds=self.wait_timeout),
                )
            version = wait_dataset_version(
                client,
                dataset_id,
                version_id,
                timeout=self.wait_timeout,
                interval=min(self.poll_interval, 1.0),
                max_interval=self.poll_interval,
            )
            return self._result(context, dataset_id, version_id, code_name(status_code_of(version)), created)

    def execute_complete(self, context: Context, event: dict[str, Any], created: bool = False) -> dict[str, Any]:
        """Resume after the trigger: the version is READY, or the task fails (a failed
        version: no retry; past the deadline or a transient error: retried)."""
        from airflow_provider.triggers.clarifai import raise_for_event

        raise_for_event(event, what=f"dataset version {event.get('object_id', '')}")
        self._remember(
            event["user_id"], event["app_id"], event["dataset_id"], event["version_id"], event.get("portal_url")
        )
        return self._result(context, event["dataset_id"], event["version_id"], event.get("status_name", ""), created)

    def _remember(self, user_id: str, app_id: str, dataset_id: str, version_id: str, portal: str | None = None) -> None:
        base = portal or self.portal
        self.set_link("dataset", dataset_page(base, user_id, app_id, dataset_id))
        self.set_link("dataset_version", dataset_version_page(base, user_id, app_id, dataset_id, version_id))
        self._lineage = (user_id, app_id, dataset_id)

    def _result(self, context: Context, dataset_id: str, version_id: str, status: str, created: bool) -> dict[str, Any]:
        user_id, app_id, _ = self._lineage
        uris = self.emit_datasets(context, user_id, app_id, [dataset_id], {"version_id": version_id})
        return {
            "dataset_id": dataset_id,
            "version_id": version_id,
            "status": status,
            "created": created,
            "uri": uris[0],
        }

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """Input and output: the dataset snapshotted (openlineage extra)."""
        from airflow_provider.lineage import operator_lineage

        user_id, app_id, dataset_id = self._lineage
        if not dataset_id:
            return None
        return operator_lineage(user_id, app_id, inputs=[dataset_id], outputs=[dataset_id])
