"""Discovery of plugins: one scan of the installed distributions, the plugin records, the load policy.

The policy for other people's code lives here. A plugin that cannot be imported, that raises while
registering, or that names an object of the wrong kind is recorded as ``failed``, logged once with
its entry point, distribution and version, and skipped: it never breaks ``import flyte``, another
plugin or the user's program. ``FLYTE_PLUGINS_STRICT=1`` raises :class:`PluginLoadError` instead,
for CI. ``FLYTE_DISABLED_PLUGINS`` and ``FLYTE_PLUGIN_AUTOLOAD=0`` switch plugins off before they
are imported; so does a ``flyte-core`` requirement the installed core does not satisfy (one
under a marker counts where its marker holds; one under an extra, or a direct reference
``flyte-core @ URL``, states no version to check). A distribution's requirements are read only
for the few distributions that declare flyte entry points, and parsed as each plugin loads,
inside its isolation: a malformed one makes that plugin ``failed``.

Any exception a plugin raises while loading, ``SystemExit`` and other ``BaseException``
subclasses included, makes it ``failed``, with one exception: ``KeyboardInterrupt`` is the user's
Ctrl-C, not the plugin's doing. It is not recorded against the plugin: what the plugin registered
is taken back, its record stays ``pending``, and the interrupt stops the program as it would
anywhere else; a program that catches it has the rest of the group loaded on the next need.

Nothing here runs at ``import flyte``. The scan runs once per process, on the first need, and
serves all three groups; a group is loaded on its first miss in a registry, or when all are asked
for, and never twice.

Loading and threads. One thread at a time loads; no lock is held while a plugin's code runs. A
plugin that needs another group while it loads has it loaded on the spot by the same thread; a
lookup in the group being loaded is, for the loading thread, a plain miss (the group is loading,
not missing). Any other thread that misses while a load is under way waits for the load to end,
then looks again, so that a thread of the program sees the whole group. The wait is bounded, as
the thread may be one the loading plugin waits on (a plugin that starts a thread which looks a
type up, and joins it): :data:`WAIT_FOR_LOADER_SECONDS`, or
:data:`WAIT_FOR_LOADER_SECONDS_NEW_THREAD` for a thread started after the load began (the likely
helper). Past it, the thread looks up what is registered so far, and a warning names the plugin
still loading.
"""

from __future__ import annotations

import contextvars
import importlib
import importlib.metadata
import logging
import os
import re
import threading
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from typing import Protocol

from flyte.errors import PluginLoadError

__all__ = [
    "CONNECTORS",
    "GROUPS",
    "TASKS",
    "TRANSFORMERS",
    "GroupRegistry",
    "PluginRecord",
    "PluginStatus",
    "current_plugin",
    "define_group",
    "load_all",
    "load_group",
    "loading_as",
    "mark_conflict",
    "on_failed_plugin",
    "records",
    "records_reported_by_caller",
    "reset",
]

logger = logging.getLogger("flyte.plugins")

CORE_DISTRIBUTION = "flyte-core"
_CORE_KEY = "flyte_core"

TRANSFORMERS = "flyte.transformers"
TASKS = "flyte.tasks"
CONNECTORS = "flyte.connectors"

#: Each group and the module that owns its registry; importing the module defines the group.
_GROUP_OWNERS = {
    TRANSFORMERS: "flyte.types",
    TASKS: "flyte.extend",
    CONNECTORS: "flyte.connectors",
}
GROUPS = tuple(_GROUP_OWNERS)


class PluginStatus(str, Enum):
    """Where a plugin stands after discovery."""

    PENDING = "pending"
    LOADED = "loaded"
    FAILED = "failed"
    DISABLED = "disabled"
    CONFLICT = "conflict"
    INCOMPATIBLE = "incompatible"


class PluginRecord:
    """One entry point of one distribution, and what became of it.

    ``requires_core`` holds the distribution's requirements on ``flyte-core``, as its metadata
    writes them (empty when it states none); ``error`` and ``traceback`` say why a plugin is not ``loaded``.
    """

    # A plain class rather than a dataclass: the scan must not pay for importing inspect.
    __slots__ = (
        "conflicts",
        "distribution",
        "error",
        "group",
        "name",
        "requires_core",
        "status",
        "traceback",
        "value",
        "version",
    )

    def __init__(
        self,
        group: str,
        name: str,
        value: str,
        distribution: str,
        version: str,
        requires_core: tuple[str, ...] = (),
    ) -> None:
        self.group = group
        self.name = name
        self.value = value
        self.distribution = distribution
        self.version = version
        self.requires_core = requires_core
        self.status = PluginStatus.PENDING
        self.error = ""
        self.traceback = ""
        self.conflicts: list[str] = []

    @property
    def label(self) -> str:
        """The plugin as error messages name it: entry point, distribution and version."""
        return f"{self.group} plugin '{self.name}' ({self.distribution} {self.version})"

    def as_dict(self) -> dict[str, object]:
        """The record as plain data (``flyte plugins --json``)."""
        data: dict[str, object] = {k: getattr(self, k) for k in self.__slots__}
        data["status"] = self.status.value
        return data

    def __repr__(self) -> str:
        return f"<PluginRecord {self.label}: {self.status.value}>"


class GroupRegistry(Protocol):
    """What discovery needs of the registry a group fills (see :mod:`flyte._registry`)."""

    @property
    def group(self) -> str:
        """The entry-point group."""
        ...

    @property
    def expected(self) -> str:
        """What the group's entry points may name, as error messages say it."""
        ...

    def adopt(self, obj: object) -> bool:
        """Register ``obj`` if it is of the registry's kind; False when it is not."""
        ...


#: How long a thread waits for another thread's load of plugins before it looks up without it.
WAIT_FOR_LOADER_SECONDS = 30.0
#: The same, for a thread started after the load began: it may be one the loading plugin waits on.
WAIT_FOR_LOADER_SECONDS_NEW_THREAD = 2.0

_registries: dict[str, GroupRegistry] = {}
_failed_plugin_hooks: list[Callable[[PluginRecord], None]] = []
_scan_lock = threading.Lock()
_records: list[PluginRecord] | None = None
# The load state below is guarded by _load_state, never held while a plugin's code runs.
_load_state = threading.Condition()
_loaded_groups: set[str] = set()  # every group whose loading has begun: none is loaded twice
_loader: threading.Thread | None = None  # the thread loading plugins now
_threads_before_load: frozenset[threading.Thread] = frozenset()
_loading_now: PluginRecord | None = None  # the plugin the loader is importing (for warnings)
_current: contextvars.ContextVar[PluginRecord | None] = contextvars.ContextVar(
    "flyte_current_plugin", default=None
)


def define_group(registry: GroupRegistry) -> None:
    """Make ``registry`` the one its group's entry points fill (called as the registry is made)."""
    _registries[registry.group] = registry


def on_failed_plugin(hook: Callable[[PluginRecord], None]) -> None:
    """Have ``hook`` called with a plugin that failed, to take back what it registered."""
    _failed_plugin_hooks.append(hook)


def current_plugin() -> PluginRecord | None:
    """The plugin whose entry point is being loaded right now, or None in user code."""
    return _current.get()


def records() -> list[PluginRecord]:
    """Every flyte entry point of the installed distributions; scanned once per process."""
    global _records
    with _scan_lock:
        if _records is None:
            _records = _scan()
        return _records


def reset() -> None:
    """Forget the scan and what was loaded, so that the next need scans again (for tests)."""
    global _records
    with _scan_lock, _load_state:
        _records = None
        _loaded_groups.clear()


def load_all() -> list[PluginRecord]:
    """Load every group and return every record."""
    for group in GROUPS:
        load_group(group)
    return records()


def load_group(group: str) -> bool:
    """Load the entry points of ``group`` unless done already, as the module docstring says.

    True when the caller should look again: this call loaded the group, or waited for another
    thread's load. A registry calls this on a miss.
    """
    global _loader, _threads_before_load
    me = threading.current_thread()
    waited = False
    with _load_state:
        if _loader is not None and _loader is not me:
            if not _wait_for_loader(me):
                return True  # gave up waiting: look again at what is registered so far
            waited = True
        if group in _loaded_groups:
            return waited
        # Marked before loading: a plugin that looks something up in its own group while
        # registering gets a plain miss instead of a recursive load.
        _loaded_groups.add(group)
        outermost = _loader is None
        if outermost:
            _loader, _threads_before_load = me, frozenset(threading.enumerate())
    try:
        importlib.import_module(_GROUP_OWNERS[group])
        for record in records():
            if record.group == group and record.status is PluginStatus.PENDING:
                _load(record)
    except KeyboardInterrupt:
        with _load_state:
            _loaded_groups.discard(group)  # the next need loads what is still pending
        raise
    finally:
        if outermost:
            with _load_state:
                _loader, _threads_before_load = None, frozenset()
                _load_state.notify_all()
    return True


def _wait_for_loader(me: threading.Thread) -> bool:
    """Wait (holding ``_load_state``) until no thread loads; False if the bound passed first."""
    loader = _loader
    started_during_load = me not in _threads_before_load
    limit = WAIT_FOR_LOADER_SECONDS_NEW_THREAD if started_during_load else WAIT_FOR_LOADER_SECONDS
    if _load_state.wait_for(lambda: _loader is None, timeout=limit):
        return True
    plugin = _loading_now
    logger.warning(
        "%s is still loading in thread %r after %g s; thread %r looks up without waiting for it "
        "any longer (a plugin must not wait, while it loads, on a thread that looks up types, "
        "task plugins or connectors)",
        plugin.label if plugin else "a plugin",
        loader.name if loader else "?",
        limit,
        me.name,
    )
    return False


def _load(record: PluginRecord) -> None:
    global _loading_now
    reason = _disabled_reason(record)
    if reason:
        record.status, record.error = PluginStatus.DISABLED, reason
        return
    outer, _loading_now = _loading_now, record
    try:
        incompatible = _incompatibility(record)
        if incompatible:
            record.status, record.error = PluginStatus.INCOMPATIBLE, incompatible
        else:
            with loading_as(record):
                _adopt(record, _import_target(record))
            record.status = PluginStatus.CONFLICT if record.conflicts else PluginStatus.LOADED
    except KeyboardInterrupt:
        # The user's Ctrl-C, not the plugin's failure: the record stays pending (module docstring).
        _take_back(record)
        raise
    except BaseException as exc:  # a plugin's sys.exit() or BaseException must not end the program
        import traceback

        _take_back(record)
        record.status = PluginStatus.FAILED
        record.error = f"{type(exc).__name__}: {exc}"
        record.traceback = traceback.format_exc()
    finally:
        _loading_now = outer
    if record.status in (PluginStatus.FAILED, PluginStatus.INCOMPATIBLE):
        _report(record)


def _incompatibility(record: PluginRecord) -> str:
    """Why the installed ``flyte-core`` does not satisfy the plugin's requirements on it, or ''.

    Raises :class:`PluginLoadError` naming a requirement that cannot be read.
    """
    if not record.requires_core:
        return ""
    from packaging.requirements import Requirement

    version = _core_version()
    for text in record.requires_core:
        try:
            requirement = Requirement(text)
            # An extra's requirements are not the plugin's: evaluated with no extra asked for.
            applies = requirement.marker is None or requirement.marker.evaluate({"extra": ""})
            # A core that is not installed as a distribution (a source checkout) is not checked.
            satisfied = not version or requirement.specifier.contains(version, prereleases=True)
        except Exception as exc:
            # packaging's message goes on with the requirement and a caret under the fault.
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise PluginLoadError(
                f"the requirement '{text}' of {record.distribution} {record.version} is "
                f"malformed: {reason}"
            ) from exc
        # A direct reference (flyte-core @ URL, as local builds write) has an empty specifier.
        if applies and not satisfied:
            return (
                f"requires {CORE_DISTRIBUTION}{requirement.specifier}, but {CORE_DISTRIBUTION} "
                f"{version} is installed; install a release of {record.distribution} that "
                f"supports it"
            )
    return ""


def _take_back(record: PluginRecord) -> None:
    """Remove what a plugin registered before it stopped: half a plugin is worse than none."""
    for hook in _failed_plugin_hooks:
        hook(record)
    record.conflicts.clear()
    record.error = ""


def _import_target(record: PluginRecord) -> object:
    """Import the module an entry point names, then the attribute after its colon, if any."""
    # A trailing [extras] is ignored, as importlib.metadata's EntryPoint.load ignores it.
    value = record.value.split("[", 1)[0] if record.value.endswith("]") else record.value
    module, colon, attribute = value.partition(":")
    names = module.strip().split(".")
    attributes = attribute.strip().split(".") if colon else []
    if not all(name.isidentifier() for name in names + attributes):
        raise PluginLoadError(
            f"entry point '{record.name} = {record.value}' ({record.distribution} "
            f"{record.version}) is malformed: expected 'module' or 'module:attribute', each a "
            f"dotted Python name (as in 'acme_units' or 'acme_units.transformer:Meters')"
        )
    target: object = importlib.import_module(".".join(names))
    for name in attributes:
        target = getattr(target, name)
    return target


def _adopt(record: PluginRecord, obj: object) -> None:
    """Register what an entry point names: a module (imported), an object of the kind, a callable."""
    if isinstance(obj, types.ModuleType):
        return
    registry = _registries[record.group]
    if registry.adopt(obj):
        return
    if callable(obj) and not isinstance(obj, type) and _takes_no_arguments(obj):
        obj()
        return
    raise PluginLoadError(
        f"entry point '{record.name} = {record.value}' names {obj!r} of type "
        f"{type(obj).__name__}; expected a module, {registry.expected}, or a zero-argument callable"
    )


def _takes_no_arguments(func: Callable[..., object]) -> bool:
    import inspect

    try:
        parameters = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return False
    return all(
        p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters
    )


def _report(record: PluginRecord) -> None:
    message = f"{record.label} is {record.status.value}: {record.error}"
    if _env_flag("FLYTE_PLUGINS_STRICT"):
        raise PluginLoadError(f"{message} (FLYTE_PLUGINS_STRICT=1)")
    if not _records_reported_by_caller.is_set():
        logger.warning("%s; it is skipped (`flyte plugins` shows every plugin's status)", message)


def mark_conflict(record: PluginRecord, message: str) -> None:
    """Record that ``record`` lost a claim to a key, and warn once with ``message``."""
    record.conflicts.append(message)
    record.error = "; ".join(record.conflicts)
    # A plugin still loading is given its final status when its loading ends.
    if record.status is PluginStatus.LOADED:
        record.status = PluginStatus.CONFLICT
    if not _records_reported_by_caller.is_set():
        logger.warning("%s", message)


#: Set within :func:`records_reported_by_caller`; an Event, as plugins load in threads of their own.
_records_reported_by_caller = threading.Event()


@contextmanager
def records_reported_by_caller() -> Iterator[None]:
    """Within the block, a plugin that fails or loses a conflict is recorded without a warning:
    the caller reports the records itself (``flyte serve connector``'s report says each once)."""
    _records_reported_by_caller.set()
    try:
        yield
    finally:
        _records_reported_by_caller.clear()


def _disabled_reason(record: PluginRecord) -> str:
    autoload = os.environ.get("FLYTE_PLUGIN_AUTOLOAD", "1").strip().lower()
    if autoload in ("0", "false", "no", "off"):
        return "plugin autoloading is off (FLYTE_PLUGIN_AUTOLOAD=0)"
    disabled = {n.strip() for n in os.environ.get("FLYTE_DISABLED_PLUGINS", "").split(",")}
    names = {"*", record.name, f"{record.group}:{record.name}", record.distribution}
    if disabled & names:
        return "disabled by FLYTE_DISABLED_PLUGINS"
    return ""


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


@contextmanager
def loading_as(record: PluginRecord | None) -> Iterator[None]:
    """Attribute the registrations made inside the block to ``record`` (None: user code)."""
    token = _current.set(record)
    try:
        yield
    finally:
        _current.reset(token)


# --- the scan ---------------------------------------------------------------------------------


def _scan() -> list[PluginRecord]:
    """Read the entry points of every distribution once, keeping the flyte groups.

    Only ``entry_points.txt`` is read for every distribution; metadata (name, version, the
    ``flyte-core`` requirement) is read only for the few that declare a flyte group.
    """
    found: list[PluginRecord] = []
    seen: set[str] = set()
    for dist in importlib.metadata.distributions():
        # The first distribution of a name on sys.path shadows later ones, as importlib's own
        # entry_points() has it; _normalized_name avoids parsing every METADATA file to know it.
        key = getattr(dist, "_normalized_name", None) or _normalize(dist.metadata["Name"] or "")
        if key in seen:
            continue
        seen.add(key)
        text = dist.read_text("entry_points.txt")
        if not text or "[flyte." not in text:
            continue
        entries = list(_flyte_entry_points(text))
        if not entries:
            continue
        name, version, requires_core = _read_metadata(dist.read_text("METADATA") or "")
        for group, ep_name, value in entries:
            found.append(PluginRecord(group, ep_name, value, name or key, version, requires_core))
    # Load order, and so the winner of a conflict, is by distribution then entry point name.
    found.sort(key=lambda r: (r.group, _normalize(r.distribution), r.name))
    return found


def _flyte_entry_points(text: str) -> Iterator[tuple[str, str, str]]:
    group = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line[0] == "[":
            group = line.strip("[]").strip()
            continue
        if group in _GROUP_OWNERS and "=" in line:
            name, _, value = line.partition("=")
            yield group, name.strip(), value.strip()


def _normalize(name: str) -> str:
    return _NAME_SEPARATORS.sub("_", name).lower()


_NAME_SEPARATORS = re.compile(r"[-_.]+")
_REQUIREMENT_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _read_metadata(text: str) -> tuple[str, str, tuple[str, ...]]:
    """Name, version and the ``flyte-core`` requirements from a METADATA file's headers.

    Read by hand rather than through ``Distribution.metadata``: the email parser behind it costs
    more than the whole scan of a thousand distributions. The requirements are kept as written;
    parsing them waits until the plugin loads.
    """
    name = version = ""
    requires_core: list[str] = []
    for line in text.splitlines():
        if not line:
            break  # the headers end at the first blank line; the description follows
        key, _, value = line.partition(": ")
        if key == "Name":
            name = value.strip()
        elif key == "Version":
            version = value.strip()
        elif key == "Requires-Dist":
            match = _REQUIREMENT_NAME.match(value)
            if match and _normalize(match.group(1)) == _CORE_KEY:
                requires_core.append(value.strip())
    return name, version or "?", tuple(requires_core)


def _core_version() -> str:
    try:
        return importlib.metadata.version(CORE_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return ""
