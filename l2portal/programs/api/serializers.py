from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from l2portal.portal.api.tracked import TrackedSerializer

from ..models import (
    Dataset,
    Inversion,
    ObservingProgram,
    QualificationRuleSet,
    Scan,
    Transfer,
    TransferredFile,
)


class ObservingProgramSerializer(TrackedSerializer):
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    failure_reason = serializers.CharField(
        read_only=True, allow_null=True, help_text="why its last step failed (programs in error)"
    )

    class Meta(TrackedSerializer.Meta):
        model = ObservingProgram
        fields = [
            "id",
            "execution_id",
            "proposal_id",
            "experiment_id",
            "instruments",
            "instrument_program_ids",
            "spectral_lines",
            "dataset_count",
            "priority",
            "owner",
            "last_changed",
            "ready_at",
            "invertible",
            "qualification",
            "qualified_at",
            "rules_version",
            "notes",
            "state",
            "state_label",
            "state_changed_at",
            "created_at",
            "failure_reason",
        ]
        read_only_fields = fields

    def to_representation(self, program):
        answer = super().to_representation(program)
        answer["failure_reason"] = answer["failure_reason"] or None  # null unless it is in Error
        return answer


class DatasetSerializer(serializers.ModelSerializer):
    program = serializers.SlugRelatedField(slug_field="execution_id", read_only=True)

    class Meta:
        model = Dataset
        exclude = ["fingerprint"]


class ScanSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="running, succeeded or failed")

    class Meta:
        model = Scan
        fields = "__all__"


class QualificationRuleSetSerializer(serializers.ModelSerializer):
    class Meta:
        model = QualificationRuleSet
        fields = "__all__"


class InversionSerializer(serializers.ModelSerializer):
    datasets = serializers.SlugRelatedField(slug_field="dataset_id", many=True, read_only=True)
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Inversion
        fields = [
            "id",
            "inversion_id",
            "uploaded_by",
            "uploaded_at",
            "arrived_by",
            "software_commit",
            "datasets",
            "quantities",
            "fit_profiles",
            "original_profiles",
            "summary",
            "asdf",
            "bucket",
            "published_at",
            "store_answer",
        ]


class TransferSerializer(serializers.ModelSerializer):
    program = serializers.SlugRelatedField(slug_field="execution_id", read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Transfer
        exclude = ["resume"]


class TransferredFileSerializer(serializers.ModelSerializer):
    class Meta:
        model = TransferredFile
        exclude = ["transfer"]


class ReassignSerializer(serializers.Serializer):
    username = serializers.CharField(help_text="the scientist who takes the program over")


class PrioritySerializer(serializers.Serializer):
    # Bounded to its column (a PostgreSQL integer): anything else is a 400, never a database error.
    priority = serializers.IntegerField(
        min_value=-(2**31), max_value=2**31 - 1, help_text="higher comes first in the scientists' queue"
    )


class NotesSerializer(serializers.Serializer):
    notes = serializers.CharField(allow_blank=True)


class UploadSerializer(serializers.Serializer):
    quantities = serializers.FileField(help_text="inverted quantities (quantity, depth, y, x)")
    fit_profiles = serializers.FileField(
        help_text="fitted profiles (stokes, wavelength, y, x) + 2 extensions"
    )
    original_profiles = serializers.FileField(help_text="original profiles, same layout as the fitted ones")
    dataset_ids = serializers.ListField(child=serializers.CharField(), help_text="datasets used")
    software_commit = serializers.CharField(help_text="commit of the inversion software (hex)")


class GlobusUploadSerializer(serializers.Serializer):
    collection = serializers.CharField(help_text="the Globus collection id (UUID) holding the results")
    folder = serializers.CharField(
        help_text="absolute path of the folder on it with inv_res_mod.fits, inv_res_pre.fits, per_ori.fits"
    )
    dataset_ids = serializers.ListField(child=serializers.CharField(), help_text="datasets used")
    software_commit = serializers.CharField(help_text="commit of the inversion software (hex)")


class ScanRequestSerializer(serializers.Serializer):
    proposal_id = serializers.CharField(required=False, help_text="scan only this proposal")


QUEUED = inline_serializer("Queued", {"detail": serializers.CharField()})
