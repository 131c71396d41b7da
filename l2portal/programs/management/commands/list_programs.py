"""List observing programs with their state, datasets and qualification."""

import json

from l2portal.ledger.commands import PortalCommand
from l2portal.programs import selectors
from l2portal.programs.models import ObservingProgram


class Command(PortalCommand):
    help = (
        "List observing programs; --json prints id, proposal, instruments, state, dataset_ids, qualification."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", dest="as_json", help="machine-readable JSON list")
        parser.add_argument(
            "--state",
            choices=[name for name, _ in ObservingProgram.machine.states],
            help="only programs in this state",
        )
        parser.add_argument("--proposal", help="only programs of this proposal")

    def handle(self, as_json=False, state=None, proposal=None, **options):
        programs = ObservingProgram.objects.order_by("execution_id")
        if state:
            programs = programs.filter(state=state)
        if proposal:
            programs = programs.filter(proposal_id=proposal)
        summaries = selectors.program_summaries(programs)
        if as_json:
            self.stdout.write(json.dumps(summaries, indent=2))
            return
        for summary in summaries:
            failed = [n for n, c in summary["qualification"]["checks"].items() if not c["passed"]]
            self.stdout.write(
                f"{summary['id']:<50} {summary['proposal']:<12} {','.join(summary['instruments']):<10} "
                f"{summary['state']:<15} {len(summary['dataset_ids']):>3} datasets"
                + (f"  failed: {', '.join(failed)}" if failed else "")
            )
