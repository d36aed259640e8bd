"""Prepare an Airflow home for a scheduler run, each step in one process (run it with the
home's environment):

* ``python -m tests.support.airflow_prepare setup <dag_id>`` migrates the metadata DB,
  creates the ``clarifai`` pool, writes the DAGs folder's DAGs to the DB and unpauses
  ``dag_id``;
* ``python -m tests.support.airflow_prepare trigger <dag_id> <run_id> <conf JSON>``
  triggers one run (once the scheduler and the api-server are up)."""

from __future__ import annotations

import json
import sys


def trigger(dag_id: str, run_id: str, conf: str) -> None:
    from airflow.api.common.trigger_dag import trigger_dag
    from airflow.utils.types import DagRunTriggeredByType

    trigger_dag(dag_id, run_id=run_id, conf=json.loads(conf), triggered_by=DagRunTriggeredByType.TEST)
    print(f"triggered {dag_id} {run_id}")


def setup(dag_id: str) -> None:
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import BundleDagBag, sync_bag_to_db
    from airflow.models.dag import DagModel
    from airflow.models.pool import Pool
    from airflow.utils import db
    from airflow.utils.session import create_session

    db.upgradedb()
    Pool.create_or_update_pool("clarifai", slots=4, description="Clarifai API", include_deferred=False)
    manager = DagBundlesManager()
    manager.sync_bundles_to_db()
    for bundle in manager.get_all_dag_bundles():
        bundle.initialize()
        bag = BundleDagBag(dag_folder=bundle.path, bundle_path=bundle.path, bundle_name=bundle.name)
        assert not bag.import_errors, bag.import_errors
        sync_bag_to_db(bag, bundle.name, bundle.version)
    with create_session() as session:
        session.get(DagModel, dag_id).is_paused = False


if __name__ == "__main__":
    {"setup": setup, "trigger": trigger}[sys.argv[1]](*sys.argv[2:])
