"""Deploy checks (`manage.py check --deploy`): every folder of the downlink processing exists and
can be used, or the check names the setting, the path and what is wrong."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.checks import Error, Tags, register

from . import conf


def _problem(setting: str, path, writable: bool) -> str | None:
    if not path.exists():
        return "it does not exist; create it"
    if not path.is_dir():
        return "it is not a folder"
    if not os.access(path, os.R_OK | os.X_OK):
        return f"this process (uid {os.getuid()}) cannot read it"
    if writable and not os.access(path, os.W_OK):
        return f"this process (uid {os.getuid()}) cannot write in it"
    if setting != "PIPELINES_INCOMING_ROOT" and path.resolve().parent != settings.DATA_ROOT.resolve():
        return f"it must lie directly under L2PORTAL_DATA_ROOT ({settings.DATA_ROOT})"
    return None


@register(Tags.files, deploy=True)
def folders_usable(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    roots = (
        ("PIPELINES_INCOMING_ROOT", conf.incoming_root(), False),
        ("PIPELINES_STAGING_ROOT", conf.staging_root(), True),
        ("PIPELINES_OUTPUT_ROOT", conf.output_root(), True),
    )
    for number, (setting, path, writable) in enumerate(roots, start=1):
        problem = _problem(setting, path, writable)
        if problem:
            errors.append(Error(f"{setting} {path}: {problem}", id=f"pipelines.E00{number}"))
    return errors
