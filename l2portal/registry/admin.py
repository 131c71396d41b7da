"""Operators' admin of the registry: collections (chains edited as search paths), products,
instruments, retention rules; tag changes read-only."""

from django import forms
from django.contrib import admin

from l2portal.ledger.admin import ReadOnlyAdmin, ReadOnlyInline
from l2portal.ledger.services import Actor

from . import services as registry
from .models import Collection, CollectionChild, Instrument, Product, RetentionRule, TagChange


class CollectionChildInline(ReadOnlyInline):
    model = CollectionChild
    fk_name = "parent"
    fields = ["position", "child"]
    readonly_fields = ["position", "child"]
    ordering = ["position"]


class CollectionForm(forms.ModelForm):
    search_path = forms.CharField(
        required=False,
        help_text="CHAINED: the collections it searches, in order, separated by commas (e.g. P310, P202)",
    )

    class Meta:
        model = Collection
        fields = ["name", "kind", "description", "expires_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.kind == Collection.Kind.CHAINED:
            names = self.instance.child_links.order_by("position").values_list("child__name", flat=True)
            self.fields["search_path"].initial = ", ".join(names)

    def clean_search_path(self):
        return [name.strip() for name in self.cleaned_data["search_path"].split(",") if name.strip()]


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    """Collections are made through the registry's services: a chain's search path is checked
    (no cycles, children that exist), a RUN records where it started."""

    form = CollectionForm
    list_display = ["name", "kind", "site", "host", "began_at", "ended_at", "expires_at"]
    list_filter = ["kind", "site"]
    search_fields = ["name"]
    inlines = [CollectionChildInline]

    def get_readonly_fields(self, request, obj=None):
        return ["name", "kind"] if obj else []

    def save_model(self, request, obj, form, change):
        actor = Actor.of_user(request.user)
        if obj.kind == Collection.Kind.CHAINED:
            saved = registry.set_chain(obj.name, form.cleaned_data["search_path"], actor, obj.description)
        elif obj.kind == Collection.Kind.TAGGED:
            saved = registry.get_tagged_collection(obj.name, obj.description)
        else:
            saved = registry.get_run_collection(obj.name, obj.description)
        Collection.objects.filter(pk=saved.pk).update(description=obj.description, expires_at=obj.expires_at)
        obj.pk = saved.pk
        obj.refresh_from_db()


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "path",
        "collection",
        "product_type",
        "instrument",
        "version",
        "current",
        "size",
        "status",
    ]
    list_filter = ["product_type", "status", "current", "instrument", "collection"]
    search_fields = ["path", "sha256", "uuid", "data_key"]
    readonly_fields = [f.name for f in Product._meta.fields]
    list_select_related = ["collection", "instrument"]

    def has_add_permission(self, request):
        return False


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    """Registered once: a saved instrument's name and dimensions never change."""

    list_display = ["name", "full_name", "observatory", "dimensions", "site"]
    fields = ["name", "full_name", "observatory", "dimensions", "description"]

    def get_readonly_fields(self, request, obj=None):
        return ["name", "dimensions"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        registered = registry.register_instrument(
            obj.name,
            obj.full_name,
            obj.observatory,
            obj.dimensions,
            Actor.of_user(request.user),
            obj.description,
        )
        obj.pk = registered.pk

    def has_delete_permission(self, request, obj=None):
        return False  # products name it


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    """Applied every hour and by manage.py purge; see purge --dry-run before enabling one."""

    list_display = ["name", "product_type", "collection", "keep", "days", "successor_type", "enabled"]
    list_filter = ["keep", "enabled"]
    list_editable = ["enabled"]
    search_fields = ["name", "product_type"]

    def save_model(self, request, obj, form, change):
        registry.save_retention_rule(obj, Actor.of_user(request.user))


@admin.register(TagChange)
class TagChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "collection", "product", "action", "actor", "reason"]
    list_filter = ["action", "collection"]
    list_select_related = ["collection", "product"]
    readonly_fields = ["uuid", "site", "collection", "product", "action", "at", "actor", "reason"]
