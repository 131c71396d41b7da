"""The switchover page: each switchover with what completing it waits for, its steps, a proposal."""

from django import forms
from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from l2portal.ledger.services import Actor

from ...pages import shows_operator_controls
from .. import selectors, services
from ..models import ReprocessingCampaign, Switchover


class SwitchoverForm(forms.Form):
    campaign = forms.ModelChoiceField(queryset=ReprocessingCampaign.objects.all(), to_field_name="name")
    proposed_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    l1_software = forms.CharField(
        max_length=128,
        label="L1 switches to",
        widget=forms.TextInput(attrs={"placeholder": "GlastRelease 20-10-04"}),
    )
    l1_from = forms.DateTimeField(
        label="from (UTC)", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    note = forms.CharField(required=False)


def switchovers(request):
    form = SwitchoverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.propose_switchover(
            form.cleaned_data["campaign"],
            form.cleaned_data["proposed_date"],
            Actor.of_user(request.user),
            form.cleaned_data["note"],
            l1_software=form.cleaned_data["l1_software"],
            l1_from=form.cleaned_data["l1_from"],
        )
        messages.success(request, "Switchover proposed; the FSSC agrees through the API.")
        return redirect("pipelines:switchovers")
    records = Switchover.objects.select_related("campaign").prefetch_related(
        Prefetch("transitions", queryset=Switchover.transition_model().objects.order_by("at", "id"))
    )
    # Conditions of the open switchovers only: there are a few at a time.
    shown = [
        (s, selectors.switchover_conditions(s) if s.state not in ("done", "cancelled") else [])
        for s in records
    ]
    return render(
        request,
        "pipelines/switchovers.html",
        {"switchovers": shown, "form": form, "operator": shows_operator_controls(request)},
    )


STEPS = {
    "agree": services.agree_switchover,
    "l1-switch": services.record_l1_switch,
    "done": services.complete_switchover,
    "cancel": services.cancel_switchover,
}


@require_POST
def switchover_step(request, pk, step):
    switchover = get_object_or_404(Switchover.objects.select_related("campaign"), pk=pk)
    if step not in STEPS:
        raise Http404(f"no switchover step {step}")
    STEPS[step](switchover, Actor.of_user(request.user))
    return redirect("pipelines:switchovers")
