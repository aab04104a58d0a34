"""Helpers for tests that start servers (JupyterLab, headless Chromium) in their own process group."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess


def end_process_group(proc: subprocess.Popen) -> None:
    """End ``proc`` and every process it started in its group: SIGTERM, then SIGKILL, 10 s each."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue
