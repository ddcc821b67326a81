"""Runs a command of scripts/run-platform.sh: default SIGINT/SIGTERM (a background job of a non-interactive shell
inherits them ignored, and Dagster would then ignore both), and SIGTERM when the script that started it dies without
its stop (PR_SET_PDEATHSIG), so nothing it started outlives a killed script.

    python exec_with_default_signals.py PARENT_PID COMMAND [ARGUMENTS...]
"""

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1

signal.signal(signal.SIGINT, signal.SIG_DFL)
signal.signal(signal.SIGTERM, signal.SIG_DFL)
ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
if os.getppid() != int(sys.argv[1]):  # the script died before the death signal was armed
    sys.exit(f"run-platform: not starting {sys.argv[2]}: run-platform.sh (pid {sys.argv[1]}) is gone")
os.execv(sys.argv[2], sys.argv[2:])
