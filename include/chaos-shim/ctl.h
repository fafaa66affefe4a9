/* libchaos-shim-ctl: drive the faults of programs that run under
 * libchaos-shim.so from a test or a controller, through a named control
 * segment, as chaos-shim-ctl does. Build with
 * `pkg-config --cflags --libs chaos-shim-ctl`; never link libchaos-shim.so
 * itself (it is preloaded into the programs under test).
 *
 * Every function that can fail returns 0 on success and -1 on failure,
 * with *err filled (err may be NULL): a code and the one-line message that
 * chaos-shim-ctl prints for the same failure. Results go into memory the
 * caller provides; a handle may be used by several threads at once. */
#ifndef CHAOS_SHIM_CTL_H
#define CHAOS_SHIM_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CHAOS_SHIM_API __attribute__((visibility("default")))

#define CHAOS_SHIM_NAME_MAX 64     /* segment and rule names, NUL included */
#define CHAOS_SHIM_MAX_RULES 64
#define CHAOS_SHIM_MAX_PIDS 256
#define CHAOS_SHIM_MESSAGE_MAX 512
#define CHAOS_SHIM_PATH_MAX 1024
#define CHAOS_SHIM_PARAMS_MAX 2048

enum chaos_shim_code {
	CHAOS_SHIM_OK = 0,
	CHAOS_SHIM_E_USAGE,      /* a bad argument: segment name, seed, KEY=VALUE form */
	CHAOS_SHIM_E_PROFILE,    /* the profile or rule text, or a value, is refused */
	CHAOS_SHIM_E_NO_SEGMENT, /* no segment of that name */
	CHAOS_SHIM_E_EXISTS,     /* the segment (CHAOS_SHIM_CREATE_NEW) or rule exists */
	CHAOS_SHIM_E_NO_RULE,    /* no rule of that name in the segment */
	CHAOS_SHIM_E_FULL,       /* the table holds CHAOS_SHIM_MAX_RULES rules */
	CHAOS_SHIM_E_SEGMENT,    /* the segment cannot be used: another user's,
				    open to others, another layout, broken */
	CHAOS_SHIM_E_SYSTEM      /* a system call failed: see sys_errno */
};

struct chaos_shim_error {
	int code;      /* enum chaos_shim_code */
	int sys_errno; /* the errno behind CHAOS_SHIM_E_SYSTEM, else 0 */
	char message[CHAOS_SHIM_MESSAGE_MAX];
};

/* A segment of the calling user, by name. */
typedef struct chaos_shim_segment chaos_shim_segment;

enum chaos_shim_open_mode {
	CHAOS_SHIM_OPEN_EXISTING,  /* fail when it does not exist */
	CHAOS_SHIM_OPEN_OR_CREATE, /* create it empty (mode 0600) if missing */
	CHAOS_SHIM_CREATE_NEW      /* fail when it exists */
};

/* Checks the name, opens or creates the segment as mode says, and returns
 * a handle (NULL on failure). Programs attach to the segment with
 * CHAOS_SHIM_SEGMENT=name and LD_PRELOAD=<preload library>. */
CHAOS_SHIM_API chaos_shim_segment *
chaos_shim_open(const char *name, int mode, struct chaos_shim_error *err);

/* Frees the handle; the segment stays (see chaos_shim_destroy). */
CHAOS_SHIM_API void chaos_shim_close(chaos_shim_segment *seg);

CHAOS_SHIM_API const char *chaos_shim_name(const chaos_shim_segment *seg);

/* Replaces the rule table with a profile, from a file or from text, and
 * zeroes the counters. seed: decimal text, or NULL for $CHAOS_SHIM_SEED,
 * else the profile's seed, else a random one. An empty profile ("") is
 * an empty table. */
CHAOS_SHIM_API int chaos_shim_load_file(chaos_shim_segment *seg,
					const char *path, const char *seed,
					struct chaos_shim_error *err);
CHAOS_SHIM_API int chaos_shim_load_text(chaos_shim_segment *seg,
					const char *text, const char *seed,
					struct chaos_shim_error *err);

/* One rule in profile syntax, braces optional:
 *   { name = "db-down"; calls = ["connect"]; peer = "*:5432"; fault = "reset"; }
 * Fails when a rule of that name exists. The other rules keep their
 * counters, here and in chaos_shim_remove. */
CHAOS_SHIM_API int chaos_shim_add(chaos_shim_segment *seg, const char *rule,
				  struct chaos_shim_error *err);

/* Removes the named rules: all of them, or none when one is unknown. */
CHAOS_SHIM_API int chaos_shim_remove(chaos_shim_segment *seg,
				     const char *const *rules, size_t nrules,
				     struct chaos_shim_error *err);

/* Enables or disables the named rules, or every rule when nrules is 0. */
CHAOS_SHIM_API int chaos_shim_enable(chaos_shim_segment *seg,
				     const char *const *rules, size_t nrules,
				     struct chaos_shim_error *err);
CHAOS_SHIM_API int chaos_shim_disable(chaos_shim_segment *seg,
				      const char *const *rules, size_t nrules,
				      struct chaos_shim_error *err);

/* Sets parameters of a rule from "KEY=VALUE" pairs spelt as in a profile
 * ("delay_ms=500", "peer=127.0.0.1:80"): all of them or none. */
CHAOS_SHIM_API int chaos_shim_set(chaos_shim_segment *seg, const char *rule,
				  const char *const *pairs, size_t npairs,
				  struct chaos_shim_error *err);

/* The global switch: no injection while paused, rules kept. */
CHAOS_SHIM_API int chaos_shim_pause(chaos_shim_segment *seg,
				    struct chaos_shim_error *err);
CHAOS_SHIM_API int chaos_shim_resume(chaos_shim_segment *seg,
				     struct chaos_shim_error *err);

/* Disarms the segment for good (attached programs pass through from now
 * on) and removes it. The handle must still be closed. */
CHAOS_SHIM_API int chaos_shim_destroy(chaos_shim_segment *seg,
				      struct chaos_shim_error *err);

struct chaos_shim_rule_stats {
	char name[CHAOS_SHIM_NAME_MAX];
	bool enabled;
	uint64_t matched;  /* calls that matched the rule, in every process */
	uint64_t injected; /* faults injected */
};

struct chaos_shim_stats {
	bool paused;
	uint32_t nrules;
	struct chaos_shim_rule_stats rules[CHAOS_SHIM_MAX_RULES];
};

/* Per-rule counters; with reset, zeroed after reading. */
CHAOS_SHIM_API int chaos_shim_stats(chaos_shim_segment *seg, bool reset,
				    struct chaos_shim_stats *out,
				    struct chaos_shim_error *err);

struct chaos_shim_rule_status {
	char name[CHAOS_SHIM_NAME_MAX];
	bool enabled;
	bool in_window; /* enabled, and its time window (if any) open now */
	char calls[CHAOS_SHIM_NAME_MAX * 4]; /* "connect,send" */
	char fault[CHAOS_SHIM_NAME_MAX];     /* "reset" */
	/* "KEY=VALUE ...", as `chaos-shim-ctl status` shows and `set` takes */
	char parameters[CHAOS_SHIM_PARAMS_MAX];
	uint64_t matched;
	uint64_t injected;
};

struct chaos_shim_status {
	bool paused;
	uint64_t generation; /* bumped by every change of the table */
	uint64_t seed;
	bool seed_random;               /* chosen at load, not given */
	char log[CHAOS_SHIM_PATH_MAX];  /* event log path, "" for none */
	uint32_t npids;                 /* attached processes that run */
	int32_t pids[CHAOS_SHIM_MAX_PIDS];
	uint32_t nrules;
	struct chaos_shim_rule_status rules[CHAOS_SHIM_MAX_RULES];
};

/* Everything `chaos-shim-ctl status` shows (about 150 KB: allocate it). */
CHAOS_SHIM_API int chaos_shim_status(chaos_shim_segment *seg,
				     struct chaos_shim_status *out,
				     struct chaos_shim_error *err);

/* The path of the preload library that programs under test need in
 * LD_PRELOAD: $CHAOS_SHIM_LIB when set, else libchaos-shim.so in the
 * folder this library was loaded from (where `make install` puts both). */
CHAOS_SHIM_API int chaos_shim_preload_library(char *buf, size_t size,
					      struct chaos_shim_error *err);

/* The library's version, "MAJOR.MINOR.PATCH". */
CHAOS_SHIM_API const char *chaos_shim_version(void);

#ifdef __cplusplus
}
#endif

#endif
