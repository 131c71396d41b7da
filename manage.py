#!/usr/bin/env python
"""Operator command line: `.venv/bin/python manage.py help` lists the commands."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "l2portal.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
