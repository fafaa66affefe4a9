/* chaos-shim-ctl internals: the subcommand table, option parsing, segment
 * access shared by the subcommands, reports and the JSON writer. */
#ifndef CS_CTL_H
#define CS_CTL_H

#include <stdbool.h>
#include <stdint.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <sys/types.h>

#include "cs_segment.h"
#include "cs_table.h"
#include "ctllib/ctllib.h"


/* Exit statuses. */
#define CS_EXIT_OK 0
#define CS_EXIT_FAILED 1
#define CS_EXIT_USAGE 2

/* What the global options decided. */
struct cs_ctl {
	const char *segment; /* -s NAME, else $CHAOS_SHIM_SEGMENT, else NULL */
	bool segment_given;  /* -s was on the command line */
	bool user_given;     /* -u was on the command line */
};

struct cs_ctl_command {
	const char *name;
	const char *synopsis; /* usage line(s), without the program name */
	const char *help;     /* what it does, and its options */
	bool needs_segment;   /* fails with a usage error without a name */
	int (*run)(const struct cs_ctl_command *cmd, struct cs_ctl *ctl,
		   int argc, char **argv);
};

extern const struct cs_ctl_command cs_cmd_run, cs_cmd_load, cs_cmd_enable,
	cs_cmd_disable, cs_cmd_set, cs_cmd_pause, cs_cmd_resume, cs_cmd_status,
	cs_cmd_stats, cs_cmd_check, cs_cmd_list, cs_cmd_destroy, cs_cmd_profiles,
	cs_cmd_sweep, cs_cmd_bisect, cs_cmd_add, cs_cmd_remove;

/* installed.c: the program's companions, found from its own path. */
/* The directory of the running program. Returns 0, or -1 with errno. */
int cs_ctl_program_dir(char *out, size_t len);
/* The directory of the installed profiles (or the source tree's). */
int cs_ctl_profile_dir(char *out, size_t len);
/* arg itself when it is a path or an existing file; else the installed
 * profile NAME or NAME.cfg in buf when there is one; else arg. */
const char *cs_ctl_profile_path(const char *arg, char *buf, size_t len);

/* main.c: messages and options. */
void cs_ctl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the problem with a pointer to --help; returns CS_EXIT_USAGE. */
int cs_ctl_usage_error(const struct cs_ctl_command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cs_ctl_print_help(const struct cs_ctl_command *cmd, FILE *out);

/* One option of a subcommand: a flag sets *flag, a valued one *value. */
struct cs_ctl_opt {
	const char *name; /* long name, without "--" */
	char letter;      /* short name, or 0 */
	bool *flag;
	const char **value;
};

#define CS_CTL_CONTINUE (-1)
/* Parses the options of argv (argv[0] is the subcommand), --help and,
 * when cmd needs a segment, -s NAME into ctl; then checks that name. With stop_at_operand, the
 * first operand ends the options (for `run`). Returns CS_CTL_CONTINUE with
 * *first at the first operand, or an exit status (0 after --help, 2 after
 * bad usage). */
int cs_ctl_parse(const struct cs_ctl_command *cmd, struct cs_ctl *ctl,
		 int argc, char **argv, const struct cs_ctl_opt *opts,
		 bool stop_at_operand, int *first);

/* Checks that a segment is named, and how: returns CS_CTL_CONTINUE or
 * CS_EXIT_USAGE after saying what is wrong. */
int cs_ctl_check_segment(const struct cs_ctl_command *cmd,
			 const char *segment);

/* The same for a subcommand that takes options only: an operand is a
 * usage error. */
int cs_ctl_parse_options(const struct cs_ctl_command *cmd, struct cs_ctl *ctl,
			 int argc, char **argv, const struct cs_ctl_opt *opts);

/* main.c: whose segments names designate: -u USER sets it (root may
 * name another user); the caller's own by default. */
void cs_ctl_set_owner(uid_t owner);
uid_t cs_ctl_owner(void);

/* The segment NAME (checked already) of that owner, for the library. */
struct chaos_shim_segment cs_ctl_named(const char *name);

/* Prints err's message when rc is -1; returns the exit status for rc. */
int cs_ctl_report(int rc, const struct chaos_shim_error *err);

/* cmd_load.c: compiles profile (an empty table when NULL) and gives it its
 * seed, as cs_ctl_load does. Prints any error; returns 0 or -1. */
int cs_ctl_compile(const char *profile, const char *seed_text,
		   struct cs_table *table);

/* Makes table the segment's rule table, counters from zero. Prints any
 * error; returns 0 or -1. */
int cs_ctl_publish(const char *segment, enum cs_seg_mode mode,
		   const struct cs_table *table);

/* cmd_load.c: replaces the table with profile (empty when NULL) and resets
 * the counters. The seed comes from seed_text when not NULL, else
 * $CHAOS_SHIM_SEED, else the profile, else getrandom(). Prints any error;
 * returns an exit status. */
int cs_ctl_load(const char *segment, enum cs_seg_mode mode,
		const char *profile, const char *seed_text);

/* cmd_status.c: the per-rule summary of `stats` and `run --stats`. */
void cs_ctl_print_stats(FILE *out, const struct cs_ctl_view *view);

/* child_run.c: commands started under the shim, each on its own segment. */
#define CS_EXIT_CANNOT_RUN 127

/* The library: $CHAOS_SHIM_LIB, else next to the installed or built
 * program, made absolute (the command may change its directory and exec
 * again). Prints why not; returns 0 or -1. */
int cs_ctl_find_library(char *out);

/* The file execvp would run for cmd; -1 when there is none. */
int cs_ctl_resolve_command(const char *cmd, char *out, size_t size);

/* A fresh segment name: PREFIX-PID-RANDOM. */
void cs_ctl_fresh_name(const char *prefix, char *name, size_t size);

/* A wait status as `run` exits with it: 128+N after signal N. */
int cs_ctl_exit_status(int status);

/* The caller's environment with the shim preloaded (LD_PRELOAD prepended
 * to; not when library is NULL), attached to segment, which exists, and
 * the event log at log (made absolute) unless NULL. */
struct cs_ctl_environ {
	char **envp;
	char *made[4];
	size_t nmade;
};
/* Prints why not; returns 0 or -1. */
int cs_ctl_environ_make(struct cs_ctl_environ *env, const char *library,
			const char *segment, const char *log);
void cs_ctl_environ_free(struct cs_ctl_environ *env);

/* Forks and runs argv (found on PATH) with envp and the signal mask;
 * detached, in a process group of its own with stdin, stdout and stderr on
 * /dev/null; with trap, under the seccomp filter of `run --trap`, whose
 * listener the parent then takes (cs_trap_receive). Returns the pid, or -1
 * after saying why. The child exits CS_EXIT_CANNOT_RUN when argv cannot be
 * run. */
struct cs_trap_handover;
pid_t cs_ctl_spawn(char **argv, char **envp, bool detached,
		   const sigset_t *mask, const struct cs_trap_handover *trap);

/* One command run many times, each with a table of its own. */
struct cs_ctl_runner {
	char **argv;
	char library[PATH_MAX];
	char name[CS_SEG_NAME_MAX - 12]; /* segments are NAME-SERIAL */
	unsigned jobs;			/* at most so many at a time, >= 1 */
	unsigned timeout_s;		/* a run is killed after it; 0: never */
	int interrupted;		/* the stop signal that ended a batch */
	unsigned serial;		/* of the next run's segment */
};

#define CS_CTL_MAX_JOBS 64

/* A decimal in [min, max] into *value; -1 when text is not one. */
int cs_ctl_parse_count(const char *text, unsigned min, unsigned max,
		       unsigned *value);

/* The runner of a subcommand that takes -j N and --timeout S (NULL when
 * not given) and runs argv, which must exist. Returns CS_CTL_CONTINUE, or
 * an exit status after saying what is wrong. */
int cs_ctl_runner_setup(struct cs_ctl_runner *runner,
			const struct cs_ctl_command *cmd, const struct cs_ctl *ctl,
			const char *jobs, const char *timeout, char **argv);

/* What one run did. */
struct cs_ctl_outcome {
	int status;	/* as `run` exits: 128+N after signal N */
	bool timed_out; /* killed after the runner's timeout */
	uint64_t matched[CS_MAX_RULES];
	uint64_t injected[CS_MAX_RULES];
};

/* Fills table with the rules of the i-th run. */
typedef void (*cs_ctl_table_fn)(void *arg, size_t i, struct cs_table *table);

/* Runs the command once for each i < n, on a fresh segment with the table
 * make gives (its event log off), at most runner->jobs at a time, in
 * process groups of their own; outcomes[i] gets what the i-th run did,
 * and its segment is removed. Returns 0; or -1 after saying why a run
 * could not be started or counted, or when SIGINT, SIGTERM or SIGHUP came
 * (runner->interrupted says which): the runs still going are then ended
 * (SIGTERM to their groups, SIGKILL 2 s later) and their segments removed. */
int cs_ctl_run_batch(struct cs_ctl_runner *runner, size_t n,
		     cs_ctl_table_fn make, void *arg,
		     struct cs_ctl_outcome *outcomes);

/* repro.c: what sweep and bisect hand out. */

/* Makes the rule inject exactly at these n (<= CS_AT_MAX) match numbers:
 * at = [...], probability 1, no after, no count, enabled. With n = 0 it
 * injects nothing but still counts its matches. */
void cs_ctl_inject_at(struct cs_rule *rule, const uint64_t *matches, size_t n);

/* "chaos-shim-ctl run -p PROFILE -- ARGV...", quoted for a shell, in
 * memory the caller frees; NULL when out of memory. */
char *cs_ctl_reproducer(const char *profile, char **argv);

/* Writes table as a profile at path. Prints why not; returns 0 or -1. */
int cs_ctl_write_profile(const char *path, const struct cs_table *table);

/* elf.c: what a program is made of, for the warnings of `run`. */
enum cs_ctl_binary {
	CS_BINARY_DYNAMIC, /* or not ELF at all (a script) */
	CS_BINARY_STATIC,
	CS_BINARY_GO
};
enum cs_ctl_binary cs_ctl_inspect_binary(const char *path);

/* TLS stacks a dynamic program uses that the shim's TLS rules (ssl_*
 * calls, a tls-scoped clock_skew) do not reach: libraries it needs
 * directly, or OpenSSL linked into the program itself. */
#define CS_TLS_GNUTLS 1u
#define CS_TLS_NSS 2u
#define CS_TLS_OPENSSL_INSIDE 4u
unsigned cs_ctl_unseen_tls(const char *path);

/* json.c: a streaming writer for one compact JSON document. Keys are
 * NULL inside arrays. */
#define CS_JSON_DEPTH 16
struct cs_json {
	FILE *out;
	int depth;
	bool first[CS_JSON_DEPTH];
};

void cs_json_init(struct cs_json *j, FILE *out);
void cs_json_object_begin(struct cs_json *j, const char *key);
void cs_json_object_end(struct cs_json *j);
void cs_json_array_begin(struct cs_json *j, const char *key);
void cs_json_array_end(struct cs_json *j);
void cs_json_string(struct cs_json *j, const char *key, const char *value);
void cs_json_uint(struct cs_json *j, const char *key, uint64_t value);
void cs_json_int(struct cs_json *j, const char *key, int64_t value);
void cs_json_double(struct cs_json *j, const char *key, double value);
void cs_json_bool(struct cs_json *j, const char *key, bool value);
void cs_json_null(struct cs_json *j, const char *key);
/* Ends the document with a newline (main checks stdout for errors). */
void cs_json_finish(struct cs_json *j);

#endif
