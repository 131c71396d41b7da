from django import forms
from django.contrib import admin

from l2portal.ledger.admin import ReadOnlyAdmin, ReadOnlyInline, TrackedAdmin

from .models import (
    Dataset,
    Inversion,
    ObservingProgram,
    QualificationRuleSet,
    Scan,
    Transfer,
    TransferredFile,
)
from .science.qualify import QualificationRules


@admin.register(ObservingProgram)
class ObservingProgramAdmin(TrackedAdmin):
    list_display = ["execution_id", "proposal_id", "state", "invertible", "priority", "owner", "ready_at"]
    list_filter = ["state", "invertible", "proposal_id"]
    list_editable = ["priority"]
    list_select_related = ["owner"]
    search_fields = ["execution_id", "proposal_id"]
    readonly_fields = [
        *TrackedAdmin.readonly_fields,
        "execution_id",
        "owner",
        "instruments",
        "instrument_program_ids",
        "spectral_lines",
        "dataset_count",
        "last_changed",
        "ready_at",
        "invertible",
        "qualification",
        "qualified_at",
        "rules_version",
        "manifest",
    ]


@admin.register(Dataset)
class DatasetAdmin(ReadOnlyAdmin):
    list_display = ["dataset_id", "program", "instrument_name", "product_id", "superseded", "update_date"]
    list_filter = ["instrument_name", "superseded"]
    list_select_related = ["program"]
    search_fields = ["dataset_id", "product_id", "observing_program_execution_id"]


@admin.register(Scan)
class ScanAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "source", "proposal_id", "status", "new", "updated", "unchanged"]
    list_filter = ["status"]


class QualificationRuleSetForm(forms.ModelForm):
    class Meta:
        model = QualificationRuleSet
        fields = ["name", "rules"]

    def clean_rules(self):
        rules = self.cleaned_data["rules"]
        try:
            return QualificationRules.from_dict(rules).to_dict()
        except (TypeError, KeyError, ValueError, AttributeError) as error:
            raise forms.ValidationError(f"not valid qualification rules: {error}") from None


@admin.register(QualificationRuleSet)
class QualificationRuleSetAdmin(admin.ModelAdmin):
    """The newest rule set is in force; programs are re-qualified by an operator (API requalify)."""

    form = QualificationRuleSetForm
    list_display = ["name", "created_at", "created_by"]

    def get_changeform_initial_data(self, request):
        return {"rules": QualificationRules().to_dict()}

    def save_model(self, request, obj, form, change):
        obj.created_by = request.user.get_username()
        super().save_model(request, obj, form, change)


@admin.register(Inversion)
class InversionAdmin(ReadOnlyAdmin):
    list_display = ["inversion_id", "program", "uploaded_by", "arrived_by", "uploaded_at", "published_at"]
    list_select_related = ["program", "uploaded_by"]
    search_fields = ["inversion_id", "program__execution_id"]


class TransferredFileInline(ReadOnlyInline):
    model = TransferredFile
    fields = ["path", "size", "sha256", "verified_by", "skipped", "faults"]
    readonly_fields = fields


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = [
        "program",
        "purpose",
        "status",
        "backend",
        "files_done",
        "files_total",
        "faults",
        "created_at",
    ]
    list_filter = ["purpose", "status", "backend"]
    list_select_related = ["program"]
    search_fields = ["program__execution_id", "task_id"]
    inlines = [TransferredFileInline]
