"""Scientists' and operators' pages, one module per resource: the programs (list and page), the
actions on a program, the queue, transfers, a program's files, results uploads and scans. Actions
call the services, which check roles; a refusal is shown at the top of the page the user came
from. Each page says what its reader can do next, and why not."""
