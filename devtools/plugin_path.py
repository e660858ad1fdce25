# SPDX-License-Identifier: BSD-3-Clause
"""Where EAL may load the PMD from.

EAL refuses a plugin (-d) whose path has a world-writable directory in it
(/tmp, /var/tmp). A checkout there is fine to build in; the plugin is then
loaded from a private copy instead, refreshed whenever the build changes.
"""
import hashlib
import os
import pathlib
import shutil
import stat


def _unsafe(path):
    for d in [path.parent] + list(path.parent.parents):
        try:
            if os.stat(d).st_mode & stat.S_IWOTH:
                return True
        except FileNotFoundError:
            return True
    return False


def loadable(plugin):
    """The path to give -d for @plugin: itself, or a private copy."""
    plugin = pathlib.Path(plugin).resolve()
    if not _unsafe(plugin):
        return plugin
    tag = hashlib.sha1(str(plugin).encode()).hexdigest()[:12]
    for base in (pathlib.Path.home() / ".cache", pathlib.Path("/run")):
        d = base / "dpdk-failover" / tag
        try:
            d.mkdir(mode=0o755, parents=True, exist_ok=True)
        except OSError:
            continue
        copy = d / plugin.name
        if _unsafe(copy):
            continue
        if (not copy.exists() or
                copy.stat().st_mtime < plugin.stat().st_mtime):
            shutil.copy2(plugin, copy)
        return copy
    raise RuntimeError("no directory EAL accepts plugins from for %s" %
                       plugin)
