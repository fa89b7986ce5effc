"""Running an Argo CD health script in a real Lua interpreter, as Argo CD calls it.

Argo CD hands the script the live object as the global `obj` (the JSON turned into Lua tables) and
reads the table it returns. Here the object becomes a Lua table constructor, the script the body of
a function, and the result two lines on stdout. Assigning a global inside the script is an error,
as it would leak between objects in an interpreter that kept its state.

The interpreters are Debian's lua5.1 (the language of gopher-lua, which Argo CD embeds) and lua5.4,
from the user cache where `scripts/fetch-lua` unpacks them (or VDX_LUA_ROOT), then from PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


def _binary(name: str) -> Path | None:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "vdx-operator" / "lua"
    roots = [Path(os.environ["VDX_LUA_ROOT"])] if os.environ.get("VDX_LUA_ROOT") else []
    for root in [*roots, cache / "root"]:
        if (root / "usr/bin" / name).is_file():
            return root / "usr/bin" / name
    found = shutil.which(name)
    return Path(found) if found else None


INTERPRETERS: dict[str, Path | None] = {name: _binary(name) for name in ("lua5.1", "lua5.4")}
MISSING = (
    "run scripts/fetch-lua (Debian's lua5.1 and lua5.4 packages, unpacked into the user cache) or "
    "set VDX_LUA_ROOT"
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


_HARNESS = """\
obj = {obj}
setmetatable(_G, {{__newindex = function(_, name) error("the script assigns the global " .. name) end}})
local function health()
{script}
end
local hs = health()
io.write(tostring(hs.status), "\\n", tostring(hs.message))
"""


def run_health(lua: Path, script: str, obj: dict[str, Any]) -> Health:
    """The health the script returns for `obj`; a Lua error fails with the interpreter's output."""
    program = _HARNESS.format(obj=lua_literal(obj), script=script)
    done = subprocess.run(
        [str(lua), "-"], input=program.encode(), capture_output=True, timeout=30, check=False
    )
    if done.returncode != 0:
        raise AssertionError(f"{lua.name} failed: {done.stderr.decode(errors='replace')}")
    status, _, message = done.stdout.decode("utf-8").partition("\n")
    return Health(status, message)
