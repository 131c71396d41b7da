"""The names of the pipelines tasks (pipelines.tasks registers each under its constant here): what
the services enqueue and the models' step_tasks start again. Queued work, Celery's routes and the
beat schedule know the tasks by these names, so they never change."""

PROCESS_CAMPAIGN_RUN = "pipelines.tasks.process_campaign_run"
FINISH_CAMPAIGN_PASS = "pipelines.tasks.finish_campaign_pass"
DECODE_CHUNK = "pipelines.tasks.decode_chunk"
ADVANCE_DOWNLINK = "pipelines.tasks.advance_downlink"
MERGE_RUN = "pipelines.tasks.merge_run"
LEVEL1_RUN = "pipelines.tasks.level1_run"
NOTIFY_ONLINE = "pipelines.tasks.notify_online"
PURGE_STAGING = "pipelines.tasks.purge_staging"
SCAN_INCOMING = "pipelines.tasks.scan_incoming"
