"""The names of the programs app's tasks (l2portal.programs.tasks), for whatever enqueues or
schedules them by name: the services, the program's step tasks (ObservingProgram.step_tasks) and
the periodic scan."""

SCAN_METADATA_STORE = "l2portal.programs.tasks.scan_metadata_store"
SCAN_PROPOSAL = "l2portal.programs.tasks.scan_proposal"
QUALIFY_READY_PROGRAMS = "l2portal.programs.tasks.qualify_ready_programs"
PREPROCESS_PROGRAM = "l2portal.programs.tasks.preprocess_program"
FETCH_INVERSION_RESULTS = "l2portal.programs.tasks.fetch_inversion_results"
PUBLISH_PROGRAM = "l2portal.programs.tasks.publish_program"
