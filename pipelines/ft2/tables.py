"""The FT2 campaigns' lists as PortalTables: campaigns with their progress, the runs of one campaign
(or of all) with their grid of steps, BTI sets, the files offered to the FSSC."""

from __future__ import annotations

import django_tables2 as tables
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import slugify

from l2portal.portal.tables import (
    LongTextColumn,
    ObjectColumn,
    PortalTable,
    StateColumn,
    TimeColumn,
    row_state,
)

from ..pages import hidden_header, retry_button
from .selectors import progress_of
from .selectors.run_grid import run_grid


class ReprocessingCampaignTable(PortalTable):
    """Campaigns with their runs counted, their progress and, while running, the estimated finish
    (rows of selectors.annotated_campaigns)."""

    caption = "Reprocessing campaigns"
    name = ObjectColumn(verbose_name="Campaign")
    run_range = tables.Column(verbose_name="Run range", accessor="first_run", order_by=("first_run",))
    state = StateColumn()
    runs_total = tables.Column(verbose_name="Runs")
    progress = tables.Column(
        verbose_name="Progress", accessor="pk", orderable=False, exclude_from_export=True
    )
    runs_done = tables.Column(verbose_name="Done")
    runs_failed = tables.Column(verbose_name="Failed")
    runs_remaining = tables.Column(verbose_name="Remaining")
    estimated_finish = tables.Column(
        verbose_name="Estimated finish", accessor="pk", orderable=False, empty_values=()
    )
    definitions = tables.Column(verbose_name="Definitions")
    mode = tables.Column(verbose_name="Mode")
    livetime_source = tables.Column(verbose_name="Livetime")
    created_at = TimeColumn(verbose_name="Defined")

    default_columns = (
        "run_range",
        "state",
        "runs_total",
        "progress",
        "runs_done",
        "runs_failed",
        "runs_remaining",
        "estimated_finish",
    )
    exempt_columns = ("name",)

    class Meta(PortalTable.Meta):
        empty_text = "No campaign yet."

    def render_run_range(self, record):
        return format_html("<small>{}&ndash;{}</small>", record.first_run, record.last_run)

    def value_run_range(self, record):
        return f"{record.first_run}-{record.last_run}"

    def render_progress(self, record):
        return render_to_string("pipelines/_bar.html", {"progress": progress_of(record)})

    def render_runs_failed(self, value):
        return format_html('<span class="bad">{}</span>', value) if value else "0"

    def render_estimated_finish(self, record):
        eta = progress_of(record).eta if record.state == "running" else None
        return f"{eta:%Y-%m-%d %H:%M}" if eta else "—"


class CampaignRunTable(PortalTable):
    """The runs of one campaign (its page): each step of a run is a cell of its grid, linking to
    the run's latest Execution; operators tick failed runs to retry them together."""

    caption = "Runs"
    select = tables.Column(
        verbose_name=hidden_header("Select"), accessor="pk", orderable=False, exclude_from_export=True
    )
    run = tables.Column(verbose_name="Run", accessor="data_run__run_id")
    state = StateColumn()
    steps = tables.Column(verbose_name="Steps", accessor="pk", orderable=False, exclude_from_export=True)
    mode = tables.Column(verbose_name="Mode")
    livetime_source = tables.Column(verbose_name="Livetime")
    velocity = tables.Column(verbose_name="Velocity check", accessor="velocity_worst")
    fitsverify = tables.Column(verbose_name="fitsverify")
    comparison = tables.Column(verbose_name="Comparison")
    bti_set = tables.Column(verbose_name="BTI set", accessor="bti_set__version")
    files = tables.Column(verbose_name="Files", accessor="pk", orderable=False)
    actions = tables.Column(
        verbose_name=hidden_header("Actions"), accessor="pk", orderable=False, exclude_from_export=True
    )

    exempt_columns = ("select", "run", "actions")

    class Meta(PortalTable.Meta):
        per_page = 100
        row_attrs = {"class": lambda record: f"run {row_state(record)}"}
        empty_text = "No run."

    def paginate(self, *args, **kwargs):
        super().paginate(*args, **kwargs)
        run_grid([row.record for row in self.page.object_list])  # the grid of this page's runs
        return self

    @property
    def failed_on_page(self) -> bool:
        return any(row.record.state == "error" for row in self.page.object_list)

    def render_select(self, record):
        if record.state != "error":
            return ""
        return format_html(
            '<input type="checkbox" name="run" value="{}" form="bulk-retry" id="pick-{}" hx-preserve="true" '
            'aria-label="select {} to retry">',
            record.data_run.run_id,
            record.pk,
            record.data_run,
        )

    def render_run(self, record):
        url = reverse("pipelines:run", args=[record.pk])
        summary = record.parse_report.get("summary", "not read yet")
        joined = format_html(" <small>pass {}</small>", record.joined_pass) if record.joined_pass > 1 else ""
        problems = record.parse_report.get("problems")
        bad = format_html(' <small class="bad">{} bad lines</small>', len(problems)) if problems else ""
        code = format_html('<code title="magic7: {}">{}</code>', summary, record.data_run)
        link = format_html('<a href="{}">{}</a>', url, code)
        return format_html("{}{}{}", link, joined, bad)

    def value_run(self, record):
        return str(record.data_run)

    def render_steps(self, record):
        cell_html = '<a class="step-cell step-{}" href="{}" title="{}" aria-label="{}">{}</a>'
        glyph_html = '<span aria-hidden="true">{}</span>'
        return format_html_join(
            "",
            cell_html,
            (
                (cell.state, cell.url, cell.title, cell.title, format_html(glyph_html, cell.glyph))
                for cell in record.steps
            ),
        )

    def render_livetime_source(self, value, record):
        if record.without_livetime:
            return mark_safe('<span class="fail" title="LIVETIME 0: not releasable">none</span>')
        return value

    def render_velocity(self, value, record):
        if record.velocity_passed is None:
            return "—"
        verdict = "pass" if record.velocity_passed else "fail"
        return format_html('<span class="{}">{}</span> {} m/s', verdict, verdict.upper(), f"{value:.3f}")

    def value_velocity(self, value, record):
        if record.velocity_passed is None:
            return ""
        return f"{'PASS' if record.velocity_passed else 'FAIL'} {value}"

    def render_fitsverify(self, value, record):
        return format_html(
            '<span class="fv-{}" title="{}">{}</span>', slugify(value), record.fitsverify_output, value
        )

    def render_comparison(self, value, record):
        against = ""
        if record.previous_id:
            against = f" vs {record.previous.campaign.name}"
        elif record.previous_1s_id:
            against = " vs previous"
        return format_html(
            '<a class="cmp-{}" href="{}#comparison" title="{}">{}{}</a>',
            value,
            reverse("pipelines:run", args=[record.pk]),
            record.comparison_summary,
            value,
            against,
        )

    def render_bti_set(self, value):
        return f"v{value}"

    def render_files(self, record):
        shown = [p for p in (record.ft2_1s, record.ft2_30s) if p is not None]
        if not shown:
            return "—"
        return format_html_join(
            mark_safe("<br>"),
            "{}",
            ((render_to_string("components/product.html", {"product": product}),) for product in shown),
        )

    def value_files(self, record):
        return " ".join(p.path for p in (record.ft2_1s, record.ft2_30s) if p is not None)

    def render_actions(self, record):
        if record.state != "error":
            return ""
        return retry_button(
            self,
            reverse("pipelines:run-retry", args=[record.pk]),
            reverse("pipelines:campaign", args=[record.campaign_id]),
        )


class AllCampaignRunTable(CampaignRunTable):
    """The runs of every campaign (the list the dashboard's counts open), with their campaign."""

    caption = "Campaign runs"
    campaign = tables.Column(verbose_name="Campaign", accessor="campaign__name")

    exempt_columns = ("run", "actions")

    class Meta(CampaignRunTable.Meta):
        sequence = ("run", "campaign", "...")

    def render_campaign(self, value, record):
        return format_html(
            '<a href="{}">{}</a>', reverse("pipelines:campaign", args=[record.campaign_id]), value
        )

    def value_campaign(self, value):
        return value


class BtiSetTable(PortalTable):
    """BTI sets, the latest written first (rows of selectors.bti_set_rows): a run's active set is
    its latest submitted one."""

    caption = "BTI sets"
    run = tables.Column(verbose_name="Run", accessor="data_run__run_id")
    version = tables.Column(verbose_name="Version")
    interval_count = tables.Column(verbose_name="Intervals", attrs={"td": {"class": "num"}})
    reason = LongTextColumn(verbose_name="Reason")
    creator = tables.Column(verbose_name="By", accessor="creator_label", empty_values=())
    created_at = TimeColumn(verbose_name="Written")
    submitted_at = TimeColumn(verbose_name="Submitted")

    exempt_columns = ("run",)

    class Meta(PortalTable.Meta):
        empty_text = "No BTI set yet: submit one with manage.py submit_bti or POST /api/bti-sets/."

    def render_run(self, record):
        return format_html("<code>{}</code>", record.data_run)

    def value_run(self, record):
        return str(record.data_run)

    def render_version(self, value):
        return f"v{value}"

    def render_creator(self, record):
        return record.creator.username if record.creator else record.creator_label or "—"

    def value_creator(self, record):
        return record.creator.username if record.creator else record.creator_label


class FsscDeliveryTable(PortalTable):
    """Files offered to the FSSC (rows of selectors.fssc_delivery_rows): where each one is, with the
    FSSC's own message when it failed there."""

    caption = "FSSC deliveries"
    filename = tables.Column(verbose_name="File", accessor="product__path")
    state = StateColumn()
    campaign = tables.Column(verbose_name="Campaign", accessor="campaign_run__campaign__name")
    run = tables.Column(verbose_name="Run", accessor="campaign_run__data_run__run_id")
    product_type = tables.Column(verbose_name="Type", accessor="product__product_type")
    size = tables.Column(verbose_name="Size", accessor="product__size", attrs={"td": {"class": "num"}})
    state_changed_at = TimeColumn(verbose_name="Since")
    created_at = TimeColumn(verbose_name="Offered")

    default_columns = ("state", "campaign", "run", "product_type", "state_changed_at")
    exempt_columns = ("filename",)

    class Meta(PortalTable.Meta):
        empty_text = "Nothing offered to the FSSC yet: a validated run's files are offered from its page."

    def render_filename(self, record):
        return render_to_string("components/product.html", {"product": record.product})

    def value_filename(self, record):
        return record.product.path

    def render_run(self, record):
        url = reverse("pipelines:run", args=[record.campaign_run_id])
        return format_html('<a href="{}"><code>{}</code></a>', url, record.campaign_run.data_run)

    def value_run(self, record):
        return str(record.campaign_run.data_run)

    def render_size(self, value):
        return filesizeformat(value)
