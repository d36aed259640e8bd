"""The official clarifai-grpc JSON client reading the ``inputs`` listing page by page.

Runs in the official client's own environment (``.venv-official``: clarifai-grpc with
protobuf 6; ``make official-venv``), started by the suite as a subprocess::

    CLARIFAI_PAT=... .venv-official/bin/python benchmarks/official_listing.py URL PER_PAGE MAX_PAGES

Prints one JSON object: rows, pages, seconds, error. Imports nothing of the connector.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main(url: str, per_page: int, max_pages: int) -> None:
    from clarifai_grpc.channel.clarifai_channel import ClarifaiChannel
    from clarifai_grpc.grpc.api import resources_pb2, service_pb2, service_pb2_grpc
    from clarifai_grpc.grpc.api.status import status_code_pb2

    stub = service_pb2_grpc.V2Stub(ClarifaiChannel.get_json_channel(base_url=url.rstrip("/")))
    metadata = (("authorization", f"Key {os.environ['CLARIFAI_PAT']}"),)
    app = resources_pb2.UserAppIDSet(user_id="demo", app_id="demo")
    rows = pages = 0
    error = None
    start = time.perf_counter()
    for page in range(1, max_pages + 1):
        response = stub.ListInputs(
            service_pb2.ListInputsRequest(user_app_id=app, page=page, per_page=per_page), metadata=metadata
        )
        if response.status.code != status_code_pb2.SUCCESS:
            error = f"{status_code_pb2.StatusCode.Name(response.status.code)} on page {page}"
            break
        rows += len(response.inputs)
        pages += 1
        if len(response.inputs) < per_page:
            break
    print(json.dumps({"rows": rows, "pages": pages, "seconds": round(time.perf_counter() - start, 3), "error": error}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
