"""A control segment, driven through libchaos-shim-ctl: load profiles,
add and remove rules, read counters, and run programs under the shim."""
import contextlib
import ctypes
import itertools
import os
import re
import secrets
from typing import NamedTuple

from . import _lib
from .errors import ChaosShimError


class RuleStats(NamedTuple):
    matched: int   # calls that matched the rule, in every attached process
    injected: int  # faults injected
    enabled: bool


def _call(function, *args):
    err = _lib.Error()
    if function(*args, ctypes.byref(err)) < 0:
        raise ChaosShimError(_lib.CODES[err.code], err.message.decode(),
                             err.sys_errno)


def _names(items):
    array = (ctypes.c_char_p * max(len(items), 1))(*[s.encode() for s in items])
    return array, len(items)


def _value(value):
    """A Python value in profile syntax."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} in a profile")


def rule_text(**rule):
    """One rule in profile syntax from keyword arguments:
    rule_text(name="db-down", calls=["connect"], fault="reset")."""
    return "{ " + " ".join(f"{k} = {_value(v)};" for k, v in rule.items()) + " }"


def preload_library():
    """The path of libchaos-shim.so for LD_PRELOAD ($CHAOS_SHIM_LIB, else
    beside libchaos-shim-ctl)."""
    buf = ctypes.create_string_buffer(4096)
    _call(_lib.lib().chaos_shim_preload_library, buf, len(buf))
    return buf.value.decode()


def version():
    return _lib.lib().chaos_shim_version().decode()


_counter = itertools.count(1)
# A rule's name in profile syntax (the library has checked the text).
_NAME = re.compile(r'\bname\s*[=:]\s*"((?:[^"\\]|\\.)*)"')


class Segment:
    """A named control segment of this user. Programs attach to it when
    they run with `env()` (LD_PRELOAD and CHAOS_SHIM_SEGMENT).

    Segment() creates a fresh one with a unique name; Segment("name")
    opens that one, creating it when missing (create=True) or failing
    (create=False); exclusive=True fails when it exists. As a context
    manager it is destroyed on exit."""

    def __init__(self, name=None, create=True, exclusive=False):
        self._handle = None  # until opened: nothing for close() to free
        if name is None:
            name = f"py-{os.getpid()}-{secrets.token_hex(4)}"
            exclusive = True
        mode = (_lib.CREATE_NEW if exclusive else
                _lib.OPEN_OR_CREATE if create else _lib.OPEN_EXISTING)
        err = _lib.Error()
        self._lib = _lib.lib()
        self._handle = self._lib.chaos_shim_open(name.encode(), mode,
                                                 ctypes.byref(err))
        if not self._handle:
            raise ChaosShimError(_lib.CODES[err.code], err.message.decode(),
                                 err.sys_errno)
        self.name = name

    # --- life

    def close(self):
        """Frees the handle; the segment stays."""
        if self._handle:
            self._lib.chaos_shim_close(self._handle)
            self._handle = None

    def destroy(self):
        """Disarms the segment for good and removes it, then closes."""
        if self._handle:
            try:
                _call(self._lib.chaos_shim_destroy, self._h())
            finally:
                self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.destroy()

    def __del__(self):
        self.close()

    def _h(self):
        if not self._handle:
            raise ChaosShimError("usage", f"segment '{self.name}' is closed")
        return self._handle

    # --- the rule table

    def load(self, profile=None, *, text=None, seed=None):
        """Replaces the table with a profile file (or text=...) and zeroes
        the counters. seed: an int, else $CHAOS_SHIM_SEED, the profile's,
        or random. load() alone empties the table."""
        seed_text = None if seed is None else str(seed).encode()
        if profile is not None:
            _call(self._lib.chaos_shim_load_file, self._h(),
                  os.fsencode(profile), seed_text)
        else:
            _call(self._lib.chaos_shim_load_text, self._h(),
                  (text or "").encode(), seed_text)

    def add(self, rule=None, **keys):
        """Adds one rule: text in profile syntax, or keys
        (add(name="db-down", calls=["connect"], fault="reset")).
        Returns its name."""
        text = rule if rule is not None else rule_text(**keys)
        _call(self._lib.chaos_shim_add, self._h(), text.encode())
        return keys.get("name") or _NAME.search(text).group(1)

    def remove(self, *rules):
        array, n = _names(rules)
        _call(self._lib.chaos_shim_remove, self._h(), array, n)

    def enable(self, *rules):
        """Enables the named rules, or every rule when none is named."""
        array, n = _names(rules)
        _call(self._lib.chaos_shim_enable, self._h(), array, n)

    def disable(self, *rules):
        array, n = _names(rules)
        _call(self._lib.chaos_shim_disable, self._h(), array, n)

    def set(self, rule, **params):
        """set("slow-db", delay_ms=500, probability=0.5)."""
        pairs = [f"{k}={_set_value(v)}" for k, v in params.items()]
        array, n = _names(pairs)
        _call(self._lib.chaos_shim_set, self._h(), rule.encode(), array, n)

    def pause(self):
        _call(self._lib.chaos_shim_pause, self._h())

    def resume(self):
        _call(self._lib.chaos_shim_resume, self._h())

    # --- what happened

    def stats(self, rule=None, reset=False):
        """RuleStats(matched, injected, enabled) of one rule, or a dict of
        them by rule name."""
        out = _lib.Stats()
        _call(self._lib.chaos_shim_stats, self._h(), reset, ctypes.byref(out))
        every = {r.name.decode(): RuleStats(r.matched, r.injected, r.enabled)
                 for r in out.rules[:out.nrules]}
        if rule is None:
            return every
        if rule not in every:
            raise ChaosShimError("no_rule",
                                 f"no rule '{rule}' in segment '{self.name}'")
        return every[rule]

    def status(self):
        """What `chaos-shim-ctl status` shows, as a dict."""
        out = _lib.Status()
        _call(self._lib.chaos_shim_status, self._h(), ctypes.byref(out))
        return {
            "segment": self.name, "paused": out.paused,
            "generation": out.generation, "seed": out.seed,
            "seed_random": out.seed_random, "log": out.log.decode() or None,
            "pids": list(out.pids[:out.npids]),
            "rules": [{"name": r.name.decode(), "enabled": r.enabled,
                       "in_window": r.in_window,
                       "calls": r.calls.decode().split(","),
                       "fault": r.fault.decode(),
                       "parameters": r.parameters.decode(),
                       "matched": r.matched, "injected": r.injected}
                      for r in out.rules[:out.nrules]],
        }

    # --- programs under the shim

    def env(self, base=None):
        """A copy of base (os.environ by default) under which programs
        attach to this segment: the preload library put first in
        LD_PRELOAD, and CHAOS_SHIM_SEGMENT."""
        env = dict(os.environ if base is None else base)
        library = preload_library()
        preload = env.get("LD_PRELOAD", "")
        if library not in preload.split():
            env["LD_PRELOAD"] = f"{library} {preload}".strip()
        env["CHAOS_SHIM_SEGMENT"] = self.name
        env.pop("CHAOS_SHIM_SEGMENT_ID", None)
        env.pop("CHAOS_SHIM_PROFILE", None)
        return env

    @contextlib.contextmanager
    def fault(self, rule=None, **keys):
        """Adds a rule for the block and removes it afterwards, also when
        the block raises. Yields the rule's name; a rule without a name
        gets one."""
        if rule is None and "name" not in keys:
            keys = {"name": f"fault-{os.getpid()}-{next(_counter)}", **keys}
        name = self.add(rule, **keys)
        try:
            yield name
        finally:
            self.remove(name)


def _set_value(value):
    """A value as `set KEY=VALUE` takes it: text bare, lists with commas."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)
