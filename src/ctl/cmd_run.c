/* `run`: one command under a fresh segment, the way CI uses chaos-shim. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctl/ctl.h"

#define LIBRARY "libchaos-shim.so"
#define EXIT_CANNOT_RUN 127

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1,
				SIGUSR2};
#define NFORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))

static volatile sig_atomic_t child;

static void forward(int sig, siginfo_t *info, void *context)
{
	int saved = errno;

	(void)context;
	/* The terminal signals its whole foreground group, the command too:
	 * passing the signal on would deliver it twice. */
	if (info->si_code != SI_KERNEL && child > 0)
		kill(child, sig);
	errno = saved;
}

/* $CHAOS_SHIM_LIB, else next to the installed or built program. The path
 * is made absolute: the command may change its directory and exec again. */
static int find_library(char *out)
{
	const char *env = getenv("CHAOS_SHIM_LIB");
	char dir[PATH_MAX], tried[2][PATH_MAX + 32];

	if (env && *env) {
		if (!realpath(env, out)) {
			cs_ctl_error("cannot use CHAOS_SHIM_LIB '%s': %s", env,
				     strerror(errno));
			return -1;
		}
		return 0;
	}
	if (cs_ctl_program_dir(dir, sizeof(dir)) < 0) {
		cs_ctl_error("cannot find " LIBRARY ": /proc/self/exe: %s",
			     strerror(errno));
		return -1;
	}
	snprintf(tried[0], sizeof(tried[0]), "%s/../lib/" LIBRARY, dir);
	snprintf(tried[1], sizeof(tried[1]), "%s/" LIBRARY, dir);
	for (int i = 0; i < 2; i++)
		if (access(tried[i], R_OK) == 0 && realpath(tried[i], out))
			return 0;
	cs_ctl_error("cannot find " LIBRARY " (tried %s and %s; set CHAOS_SHIM_LIB)",
		     tried[0], tried[1]);
	return -1;
}

/* The file execvp will run, for the warnings; -1 when there is none. */
static int resolve_command(const char *cmd, char *out, size_t size)
{
	const char *path = getenv("PATH");
	struct stat st;

	if (strchr(cmd, '/')) {
		snprintf(out, size, "%s", cmd);
		return 0;
	}
	if (!path)
		path = "/bin:/usr/bin";
	for (const char *dir = path;; dir++) {
		size_t len = strcspn(dir, ":");
		/* An empty entry is the current directory. */
		snprintf(out, size, "%.*s%s%s", (int)len, dir, len ? "/" : "", cmd);
		if (stat(out, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(out, X_OK) == 0)
			return 0;
		dir += len;
		if (!*dir)
			return -1;
	}
}

/* Whether a rule of the table acts on TLS: its calls, or the certificate
 * check through a tls-scoped skew. Disabled ones count: they may be
 * enabled later. */
static bool has_tls_rules(const struct cs_table *table)
{
	for (uint32_t i = 0; i < table->nrules; i++) {
		const struct cs_rule *r = &table->rules[i];
		if ((r->calls & CS_SSL_FAMILIES) ||
		    (r->fault == CS_FAULT_CLOCK_SKEW && r->scope == CS_SCOPE_TLS))
			return true;
	}
	return false;
}

static void warn_tls_unseen(const char *cmd, const char *path)
{
	unsigned stacks = cs_ctl_unseen_tls(path);
	const char *what = stacks & CS_TLS_GNUTLS ? "uses GnuTLS"
			   : stacks & CS_TLS_NSS  ? "uses NSS"
						  : "carries its own OpenSSL";

	if (stacks)
		cs_ctl_error("warning: '%s' %s: the profile's TLS rules (ssl_* calls, "
			     "scope \"tls\") do not reach it",
			     cmd, what);
}

static void warn_if_unseen(const char *cmd, const struct cs_table *table)
{
	char path[PATH_MAX];

	if (resolve_command(cmd, path, sizeof(path)) < 0)
		return;
	switch (cs_ctl_inspect_binary(path)) {
	case CS_BINARY_STATIC:
		cs_ctl_error("warning: '%s' is statically linked: the shim cannot see its calls",
			     cmd);
		break;
	case CS_BINARY_GO:
		cs_ctl_error("warning: '%s' is a Go program, which makes system "
			     "calls without libc: the shim cannot see them",
			     cmd);
		break;
	case CS_BINARY_DYNAMIC:
		if (table && has_tls_rules(table))
			warn_tls_unseen(cmd, path);
		break;
	}
}

static int set_environment(const char *library, const char *segment,
			   const char *id, const char *log)
{
	const char *old = getenv("LD_PRELOAD");
	char *preload, *log_path = NULL, cwd[PATH_MAX];
	int rc;

	/* LD_PRELOAD splits on both. */
	if (strpbrk(library, ": ")) {
		cs_ctl_error("library path '%s' holds ':' or ' ', which LD_PRELOAD cannot carry",
			     library);
		return -1;
	}
	if (asprintf(&preload, "%s%s%s", library, old && *old ? ":" : "",
		     old ? old : "") < 0) {
		cs_ctl_error("out of memory");
		return -1;
	}
	if (log && log[0] != '/') {
		if (!getcwd(cwd, sizeof(cwd))) {
			cs_ctl_error("cannot make '%s' absolute: %s", log,
				     strerror(errno));
			free(preload);
			return -1;
		}
		if (asprintf(&log_path, "%s/%s", cwd, log) < 0)
			log_path = NULL;
	}
	/* The identity makes the command's tree attach to this very segment,
	 * and never make it again once it is removed. */
	rc = setenv("LD_PRELOAD", preload, 1) |
	     setenv("CHAOS_SHIM_SEGMENT", segment, 1) |
	     setenv(CS_SEG_ID_ENV, id, 1) |
	     (log ? setenv("CHAOS_SHIM_LOG", log_path ? log_path : log, 1) : 0);
	free(preload);
	free(log_path);
	if (rc) {
		cs_ctl_error("cannot set the environment: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int exit_status(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static int run_child(char **args)
{
	struct sigaction handler = {.sa_sigaction = forward, .sa_flags = SA_SIGINFO};
	struct sigaction saved[NFORWARDED];
	sigset_t block, old;
	int status;
	pid_t pid;

	/* Blocked until child is set, so no signal falls between the two. */
	sigemptyset(&block);
	for (size_t i = 0; i < NFORWARDED; i++)
		sigaddset(&block, forwarded[i]);
	sigprocmask(SIG_BLOCK, &block, &old);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		cs_ctl_error("cannot start '%s': %s", args[0], strerror(errno));
		sigprocmask(SIG_SETMASK, &old, NULL);
		return EXIT_CANNOT_RUN;
	}
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		execvp(args[0], args);
		cs_ctl_error("cannot run '%s': %s", args[0], strerror(errno));
		_exit(EXIT_CANNOT_RUN);
	}
	child = pid;
	for (size_t i = 0; i < NFORWARDED; i++) {
		sigaction(forwarded[i], NULL, &saved[i]);
		/* What the caller ignores stays ignored, as it is in the child. */
		if (saved[i].sa_handler != SIG_IGN)
			sigaction(forwarded[i], &handler, NULL);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			cs_ctl_error("cannot wait for '%s': %s", args[0],
				     strerror(errno));
			status = EXIT_CANNOT_RUN << 8;
			break;
		}
	}
	for (size_t i = 0; i < NFORWARDED; i++)
		sigaction(forwarded[i], &saved[i], NULL);
	child = 0;
	return exit_status(status);
}

static void print_summary(const char *segment)
{
	struct cs_ctl_view *view = malloc(sizeof(*view));
	struct chaos_shim_segment seg = cs_ctl_named(segment);
	struct chaos_shim_error err;

	if (!view) {
		cs_ctl_error("out of memory");
		return;
	}
	if (cs_ctl_collect(&seg, false, view, &err) < 0) {
		cs_ctl_error("%s", err.message);
	} else {
		cs_ctl_print_stats(stderr, view);
		fprintf(stderr, "seed %llu: rerun with --seed %llu to reproduce\n",
			(unsigned long long)view->table.seed,
			(unsigned long long)view->table.seed);
	}
	free(view);
}

static int run_main(const struct cs_ctl_command *cmd, struct cs_ctl *ctl,
		    int argc, char **argv)
{
	const char *profile = NULL, *segment = NULL, *seed_text = NULL,
		   *log = NULL;
	bool stats = false;
	const struct cs_ctl_opt opts[] = {
		{"profile", 'p', NULL, &profile},
		{"segment", 's', NULL, &segment},
		{"seed", 0, NULL, &seed_text},
		{"log", 0, NULL, &log},
		{"stats", 0, &stats, NULL},
		{0},
	};
	char name[CS_SEG_NAME_MAX], library[PATH_MAX], found[PATH_MAX],
		err[512], id[CS_CTL_ID_MAX];
	struct chaos_shim_segment seg;
	struct chaos_shim_error lib_err;
	uint64_t seed;
	uint32_t salt = (uint32_t)time(NULL);
	int first, rc = cs_ctl_parse(cmd, ctl, argc, argv, opts, true, &first);

	if (rc != CS_CTL_CONTINUE)
		return rc;
	if (first == argc)
		return cs_ctl_usage_error(cmd, "expected -- CMD [ARG...]");
	if (ctl->user_given)
		return cs_ctl_usage_error(cmd, "-u does not apply: run makes a segment of its own");
	if (seed_text && cs_ctl_parse_seed(seed_text, &seed) < 0)
		return cs_ctl_usage_error(cmd, "bad seed '%s': expected a decimal integer",
					  seed_text);
	if (!segment && ctl->segment_given)
		segment = ctl->segment;
	if (!segment) {
		if (getrandom(&salt, sizeof(salt), GRND_NONBLOCK) < 0)
			salt ^= (uint32_t)clock();
		snprintf(name, sizeof(name), "run-%d-%08x", (int)getpid(), salt);
		segment = name;
	}
	if (cs_segment_name_check(segment, err, sizeof(err)) < 0)
		return cs_ctl_usage_error(cmd, "%s", err);
	if (find_library(library) < 0)
		return CS_EXIT_FAILED;

	seg = cs_ctl_named(segment);
	if (cs_ctl_load(&seg, CS_SEG_CREATE_NEW,
			profile ? cs_ctl_profile_path(profile, found, sizeof(found))
				: NULL,
			NULL, seed_text, &lib_err) < 0)
		return cs_ctl_report(-1, &lib_err);
	if (cs_ctl_segment_id(&seg, id, &lib_err) < 0) {
		rc = cs_ctl_report(-1, &lib_err);
	} else if (set_environment(library, segment, id, log) < 0) {
		rc = CS_EXIT_FAILED;
	} else {
		struct cs_ctl_view *view = malloc(sizeof(*view));
		bool loaded = view && cs_ctl_collect(&seg, false, view, &lib_err) == 0;
		warn_if_unseen(argv[first], loaded ? &view->table : NULL);
		free(view);
		rc = run_child(argv + first);
		if (stats)
			print_summary(segment);
	}
	/* Children of CMD that still run pass through from here on. */
	if (cs_ctl_destroy(&seg, &lib_err) < 0)
		cs_ctl_error("%s", lib_err.message);
	return rc;
}

const struct cs_ctl_command cs_cmd_run = {
	.name = "run",
	.synopsis = "run [-p PROFILE] [-s NAME] [--seed N] [--log FILE] [--stats] -- CMD [ARG...]",
	.help = "Creates a fresh segment (named run-PID-RANDOM unless -s is given), loads\n"
		"PROFILE into it (without one the segment starts empty, for live\n"
		"control), runs CMD with the shim preloaded, and removes the segment\n"
		"when CMD ends. Children of CMD inherit the shim and share the segment.\n"
		"Children still running when CMD ends pass through from then on, and\n"
		"programs they start later too: the segment does not come back.\n"
		"\n"
		"options:\n"
		"  -p, --profile PROFILE  the rules to load\n"
		"  -s, --segment NAME     name the segment, to drive it from elsewhere\n"
		"      --seed N           the seed, which makes a run reproducible\n"
		"      --log FILE         write the JSON-lines event log to FILE\n"
		"      --stats            print matched and injected counts per rule to\n"
		"                         stderr at the end, with the seed\n"
		"\n"
		"Exits with CMD's status, 128+N when CMD died of signal N, 127 when CMD\n"
		"could not be run, 1 or 2 when the run could not be set up. SIGINT,\n"
		"SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 are passed on to CMD.\n",
	.run = run_main,
};
