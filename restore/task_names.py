"""The names of the restore app's tasks (restore.tasks), for whatever enqueues or schedules them by
name: the request's step tasks (RestoreRequest.step_tasks) and the services."""

CHECK = "restore.tasks.check"
STAGE = "restore.tasks.stage"
PREPARE = "restore.tasks.prepare"
RUN = "restore.tasks.run"
SEND_WATCHERS = "restore.tasks.send_watchers"
