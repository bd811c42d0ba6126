"""Shared fixtures: the Deno library as the reference (run through ``npx deno``, or ``$FLOWFM_DENO``)."""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))
import torch  # noqa: E402

torch.set_num_threads(1)


def deno_cmd():
    env = os.environ.get("FLOWFM_DENO")
    if env:
        return shlex.split(env)
    if shutil.which("deno"):
        return ["deno"]
    if shutil.which("npx"):
        return ["npx", "--yes", "deno@2.9.6"]
    pytest.skip("no deno (set FLOWFM_DENO, or install Node's npx)")


def run_deno(*args: str, timeout: int = 600) -> str:
    """Runs ``deno ARGS`` in the repository root; fails the test with deno's output on an error."""
    proc = subprocess.run(deno_cmd() + list(args), cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"deno {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


@pytest.fixture(scope="session")
def reference(tmp_path_factory):
    """The library's reference outputs (python/tests/reference.ts), once per session."""
    out = tmp_path_factory.mktemp("reference")
    run_deno("run", "-A", "python/tests/reference.ts", str(out))
    return str(out)
