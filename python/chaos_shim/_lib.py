"""ctypes bindings of libchaos-shim-ctl (include/chaos-shim/ctl.h)."""
import ctypes
import ctypes.util
import os

NAME_MAX = 64
MAX_RULES = 64
MAX_PIDS = 256
MESSAGE_MAX = 512
PATH_MAX = 1024
PARAMS_MAX = 2048

OPEN_EXISTING, OPEN_OR_CREATE, CREATE_NEW = 0, 1, 2

# enum chaos_shim_code, by value.
CODES = ("ok", "usage", "profile", "no_segment", "exists", "no_rule", "full",
         "segment", "system")


class Error(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("sys_errno", ctypes.c_int),
                ("message", ctypes.c_char * MESSAGE_MAX)]


class RuleStats(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char * NAME_MAX), ("enabled", ctypes.c_bool),
                ("matched", ctypes.c_uint64), ("injected", ctypes.c_uint64)]


class Stats(ctypes.Structure):
    _fields_ = [("paused", ctypes.c_bool), ("nrules", ctypes.c_uint32),
                ("rules", RuleStats * MAX_RULES)]


class RuleStatus(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char * NAME_MAX), ("enabled", ctypes.c_bool),
                ("in_window", ctypes.c_bool),
                ("calls", ctypes.c_char * (NAME_MAX * 4)),
                ("fault", ctypes.c_char * NAME_MAX),
                ("parameters", ctypes.c_char * PARAMS_MAX),
                ("matched", ctypes.c_uint64), ("injected", ctypes.c_uint64)]


class Status(ctypes.Structure):
    _fields_ = [("paused", ctypes.c_bool), ("generation", ctypes.c_uint64),
                ("seed", ctypes.c_uint64), ("seed_random", ctypes.c_bool),
                ("log", ctypes.c_char * PATH_MAX), ("npids", ctypes.c_uint32),
                ("pids", ctypes.c_int32 * MAX_PIDS), ("nrules", ctypes.c_uint32),
                ("rules", RuleStatus * MAX_RULES)]


def _find():
    """$CHAOS_SHIM_CTL_LIB, else the soname through the loader's search."""
    path = os.environ.get("CHAOS_SHIM_CTL_LIB")
    if path:
        return path
    return ctypes.util.find_library("chaos-shim-ctl") or "libchaos-shim-ctl.so.0"


def _declare(lib):
    seg_p, err_p = ctypes.c_void_p, ctypes.POINTER(Error)
    names = ctypes.POINTER(ctypes.c_char_p)
    size = ctypes.c_size_t
    text = ctypes.c_char_p
    signatures = {
        "chaos_shim_open": (seg_p, [text, ctypes.c_int, err_p]),
        "chaos_shim_close": (None, [seg_p]),
        "chaos_shim_load_file": (ctypes.c_int, [seg_p, text, text, err_p]),
        "chaos_shim_load_text": (ctypes.c_int, [seg_p, text, text, err_p]),
        "chaos_shim_add": (ctypes.c_int, [seg_p, text, err_p]),
        "chaos_shim_remove": (ctypes.c_int, [seg_p, names, size, err_p]),
        "chaos_shim_enable": (ctypes.c_int, [seg_p, names, size, err_p]),
        "chaos_shim_disable": (ctypes.c_int, [seg_p, names, size, err_p]),
        "chaos_shim_set": (ctypes.c_int, [seg_p, text, names, size, err_p]),
        "chaos_shim_pause": (ctypes.c_int, [seg_p, err_p]),
        "chaos_shim_resume": (ctypes.c_int, [seg_p, err_p]),
        "chaos_shim_destroy": (ctypes.c_int, [seg_p, err_p]),
        "chaos_shim_stats": (ctypes.c_int, [seg_p, ctypes.c_bool,
                                            ctypes.POINTER(Stats), err_p]),
        "chaos_shim_status": (ctypes.c_int, [seg_p, ctypes.POINTER(Status), err_p]),
        "chaos_shim_preload_library": (ctypes.c_int, [ctypes.c_char_p, size, err_p]),
        "chaos_shim_version": (ctypes.c_char_p, []),
    }
    for name, (restype, argtypes) in signatures.items():
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes
    return lib


_lib = None


def lib():
    """The loaded library, loaded on first use."""
    global _lib
    if _lib is None:
        try:
            _lib = _declare(ctypes.CDLL(_find()))
        except OSError as exc:
            from .errors import ChaosShimError
            raise ChaosShimError(
                "system", f"cannot load libchaos-shim-ctl ({exc}): install "
                "chaos-shim or set CHAOS_SHIM_CTL_LIB") from exc
    return _lib
