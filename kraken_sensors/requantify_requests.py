"""Launches `requantify_raw_files` for re-quantification requests made in the companion app (admin button)."""

import dagster as dg

from kraken_core.record.requantify import mark_request_launched, pending_requests
from kraken_resources import MongoResource

SENSOR_NAME = "requantify_requests"


def build_requantify_request_sensor(job) -> dg.SensorDefinition:
    @dg.sensor(
        name=SENSOR_NAME,
        job=job,
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Starts requantify_raw_files for each re-quantification requested in the companion app.",
    )
    def _launch(context: dg.SensorEvaluationContext, mongo: MongoResource):
        db = mongo.get_database()
        requests = []
        for request in pending_requests(db):
            run_key = f"requantify:{request['_id']}"
            if not mark_request_launched(db, request["_id"], run_key):
                continue
            config = {"raw_file_ids": list(request["raw_file_ids"]),
                      "requested_by": f"{request.get('requested_by') or 'companion'} (companion)"}
            requests.append(dg.RunRequest(run_key=run_key, run_config={"ops": {"requantify": {"config": config}}},
                                          tags={"quanting": "requantify"}))
        if not requests:
            return dg.SkipReason("no re-quantification requested in the companion")
        return dg.SensorResult(run_requests=requests)

    return _launch
