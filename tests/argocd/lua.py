"""Running an Argo CD health script in a real Lua interpreter, as Argo CD calls it.

Argo CD hands the script the live object as the global `obj` (the JSON turned into Lua tables) and
reads the table it returns; it opens only the base, table and package libraries. For Debian's
interpreters the object becomes a Lua table constructor, the script the body of a function run
without the other libraries, and the result two lines on stdout; assigning a global inside the
script is an error, as it would leak between objects in an interpreter that kept its state.

The interpreters: gopher-lua itself, the one Argo CD embeds (`tools/argocd-lua`, which sets up the
state as Argo CD's controller does), Debian's lua5.1 (gopher-lua's language) and lua5.4, from the
user cache where `scripts/fetch-lua` builds and unpacks them (or VDX_LUA_ROOT), then from PATH.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "vdx-operator" / "lua"
GOPHER = "argocd-lua"  # tools/argocd-lua: gopher-lua as Argo CD runs a health check


def _binary(name: str) -> Path | None:
    roots = [Path(os.environ["VDX_LUA_ROOT"])] if os.environ.get("VDX_LUA_ROOT") else []
    for root in roots:
        if (root / name).is_file():
            return root / name
    for candidate in (CACHE / name, CACHE / "root/usr/bin" / name):
        if candidate.is_file():
            return candidate
    found = shutil.which(name)
    return Path(found) if found else None


INTERPRETERS: dict[str, Path | None] = {name: _binary(name) for name in (GOPHER, "lua5.1", "lua5.4")}
MISSING = (
    "run scripts/fetch-lua (builds tools/argocd-lua with Go; unpacks Debian's lua5.1 and lua5.4 "
    "into the user cache) or set VDX_LUA_ROOT to a folder holding them"
)


def interpreter_params() -> list[Any]:
    """One pytest parameter per interpreter; a missing one skips its tests, saying how to get it."""
    return [
        pytest.param(path, id=name, marks=pytest.mark.skipif(path is None, reason=f"no {name}: {MISSING}"))
        for name, path in INTERPRETERS.items()
    ]


def lua_literal(value: Any) -> str:
    """A Lua expression for a JSON-like value (what Argo CD's JSON decoding gives the script)."""
    if value is None:
        return "nil"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return _lua_string(value)
    if isinstance(value, list | tuple):
        return "{" + ", ".join(lua_literal(item) for item in value) + "}"
    if isinstance(value, dict):
        return (
            "{"
            + ", ".join(
                f"[{_lua_string(str(k))}] = {lua_literal(v)}" for k, v in value.items() if v is not None
            )
            + "}"
        )
    raise TypeError(f"no Lua literal for {type(value).__name__}")


def _lua_string(text: str) -> str:
    """A quoted Lua string; every byte outside printable ASCII as a decimal escape (5.1 and 5.4 alike)."""
    out = []
    for byte in text.encode("utf-8"):
        char = chr(byte)
        if char in '"\\' or not 32 <= byte < 127:
            out.append(f"\\{byte:03d}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


@dataclass(frozen=True)
class Health:
    status: str
    message: str


# Argo CD opens only the base, table and package libraries (and a reduced `os`) for a health check
# from argocd-cm: here the script runs with the others gone.
_HARNESS = """\
local write, tostring = io.write, tostring
obj = {obj}
string, math, io, os, coroutine, debug, utf8 = nil, nil, nil, nil, nil, nil, nil
setmetatable(_G, {{__newindex = function(_, name) error("the script assigns the global " .. name) end}})
local function health()
{script}
end
local hs = health()
write(tostring(hs.status), "\\n", tostring(hs.message))
"""


def run_health(lua: Path, script: str, obj: dict[str, Any]) -> Health:
    """The health the script returns for `obj`; a Lua error fails with the interpreter's output."""
    if lua.name == GOPHER:
        return _run_gopher(lua, script, obj)
    program = _HARNESS.format(obj=lua_literal(obj), script=script)
    done = subprocess.run(
        [str(lua), "-"], input=program.encode(), capture_output=True, timeout=30, check=False
    )
    if done.returncode != 0:
        raise AssertionError(f"{lua.name} failed: {done.stderr.decode(errors='replace')}")
    status, _, message = done.stdout.decode("utf-8").partition("\n")
    return Health(status, message)


def _run_gopher(runner: Path, script: str, obj: dict[str, Any]) -> Health:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "health.lua"
        path.write_text(script, encoding="utf-8")
        done = subprocess.run(
            [str(runner), str(path)],
            input=json.dumps(obj).encode(),
            capture_output=True,
            timeout=30,
            check=False,
        )
    if done.returncode != 0:
        raise AssertionError(f"gopher-lua failed: {done.stderr.decode(errors='replace')}")
    returned = json.loads(done.stdout)
    return Health(returned["status"], returned["message"])
