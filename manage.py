#!/usr/bin/env python
"""Django's command-line utility for 社区通."""

import os
import sys

# Commands that bring their own throwaway database and hold no personal data run
# as a scratch process (SHEQUTONG_SCRATCH, see settings.py): no secrets needed.
SCRATCH_COMMANDS = {"policy_eval"}

if __name__ == "__main__":
    if sys.argv[1:2] and sys.argv[1] in SCRATCH_COMMANDS:
        os.environ.setdefault("SHEQUTONG_SCRATCH", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequtong.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
