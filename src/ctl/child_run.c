/* Commands started under the shim, each on a segment of its own: where the
 * library is, the environment that attaches a command to its segment, and
 * batches of child runs for `sweep` and `bisect` (one rule table each, at
 * most -j at a time, exit status and counters collected, every segment
 * removed, also when SIGINT, SIGTERM or SIGHUP ends the batch). */
#include <errno.h>
#include <fcntl.h>
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

#include "cs_seed.h"
#include "ctl/ctl.h"
#include "ctl/trap.h"

#define LIBRARY "libchaos-shim.so"

extern char **environ;

int cs_ctl_find_library(char *out)
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

int cs_ctl_resolve_command(const char *cmd, char *out, size_t size)
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

void cs_ctl_fresh_name(const char *prefix, char *name, size_t size)
{
	uint32_t salt = (uint32_t)time(NULL);

	if (getrandom(&salt, sizeof(salt), GRND_NONBLOCK) < 0)
		salt ^= (uint32_t)clock();
	snprintf(name, size, "%s-%d-%08x", prefix, (int)getpid(), salt);
}

int cs_ctl_exit_status(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* ---- the environment of a command on a segment */

/* The variables the environment sets: anything the caller's environment
 * has under these names is replaced. */
static bool replaced(const char *entry, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]);
		if (names[i][0] && strncmp(entry, names[i], len) == 0 &&
		    entry[len] == '=')
			return true;
	}
	return false;
}

void cs_ctl_environ_free(struct cs_ctl_environ *env)
{
	for (size_t i = 0; i < env->nmade; i++)
		free(env->made[i]);
	free(env->envp);
	memset(env, 0, sizeof(*env));
}

int cs_ctl_environ_make(struct cs_ctl_environ *env, const char *library,
			const char *segment, const char *log)
{
	const char *old = getenv("LD_PRELOAD");
	const char *const names[] = {library ? "LD_PRELOAD" : "", "CHAOS_SHIM_SEGMENT",
				     CS_SEG_ID_ENV, log ? "CHAOS_SHIM_LOG" : ""};
	const size_t nnames = sizeof(names) / sizeof(names[0]);
	char id[CS_CTL_ID_MAX], cwd[PATH_MAX] = "";
	struct chaos_shim_segment seg;
	struct chaos_shim_error lib_err;
	size_t n = 0, kept = 0;
	bool relative = log && log[0] != '/';
	int rc;

	memset(env, 0, sizeof(*env));
	/* LD_PRELOAD splits on both. */
	if (library && strpbrk(library, ": ")) {
		cs_ctl_error("library path '%s' holds ':' or ' ', which LD_PRELOAD cannot carry",
			     library);
		return -1;
	}
	/* The identity makes the command's tree attach to this very segment,
	 * and never make it again once it is removed. */
	seg = cs_ctl_named(segment);
	if (cs_ctl_segment_id(&seg, id, &lib_err) < 0) {
		cs_ctl_error("%s", lib_err.message);
		return -1;
	}
	if (relative && !getcwd(cwd, sizeof(cwd))) {
		cs_ctl_error("cannot make '%s' absolute: %s", log, strerror(errno));
		return -1;
	}
	while (environ[n])
		n++;
	env->envp = calloc(n + nnames + 1, sizeof(*env->envp));
	rc = env->envp ? 0 : -1;
	if (rc == 0 && library)
		rc = asprintf(&env->made[env->nmade++], "LD_PRELOAD=%s%s%s", library,
			      old && *old ? ":" : "", old ? old : "");
	if (rc >= 0)
		rc = asprintf(&env->made[env->nmade++], "CHAOS_SHIM_SEGMENT=%s",
			      segment);
	if (rc >= 0)
		rc = asprintf(&env->made[env->nmade++], CS_SEG_ID_ENV "=%s", id);
	if (rc >= 0 && log)
		rc = asprintf(&env->made[env->nmade++], "CHAOS_SHIM_LOG=%s%s%s",
			      cwd, relative ? "/" : "", log);
	if (rc < 0) {
		if (env->nmade)
			env->made[--env->nmade] = NULL; /* undefined after a failure */
		cs_ctl_environ_free(env);
		cs_ctl_error("out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (!replaced(environ[i], names, nnames))
			env->envp[kept++] = environ[i];
	for (size_t i = 0; i < env->nmade; i++)
		env->envp[kept++] = env->made[i];
	return 0;
}

pid_t cs_ctl_spawn(char **argv, char **envp, bool detached,
		   const sigset_t *mask, const struct cs_trap_handover *trap)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		cs_ctl_error("cannot start '%s': %s", argv[0], strerror(errno));
		return -1;
	}
	if (pid == 0) {
		if (detached) {
			int null = open("/dev/null", O_RDWR);
			setpgid(0, 0);
			for (int fd = 0; null >= 0 && fd <= 2; fd++)
				dup2(null, fd);
			if (null > 2)
				close(null);
		}
		sigprocmask(SIG_SETMASK, mask, NULL);
		if (trap && cs_trap_install(trap) < 0)
			_exit(CS_EXIT_CANNOT_RUN);
		execvpe(argv[0], argv, envp);
		cs_ctl_error("cannot run '%s': %s", argv[0], strerror(errno));
		_exit(CS_EXIT_CANNOT_RUN);
	}
	/* Here too, so that the group exists before the parent signals it. */
	if (detached)
		setpgid(pid, pid);
	return pid;
}

/* ---- batches of child runs */

static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define NSTOP (sizeof(stop_signals) / sizeof(stop_signals[0]))
#define GRACE_MS 2000 /* between SIGTERM and SIGKILL when stopping */

struct slot {
	pid_t pid; /* 0: free */
	size_t index;
	bool timed_out;
	int64_t deadline_ms; /* 0: none */
	char segment[CS_SEG_NAME_MAX];
};

struct batch {
	struct cs_ctl_runner *runner;
	struct slot *slots;
	struct cs_table table;
	struct cs_ctl_view view;
	sigset_t waited;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void remove_segment(const char *segment)
{
	struct chaos_shim_segment seg = cs_ctl_named(segment);
	struct chaos_shim_error err;

	if (cs_ctl_destroy(&seg, &err) < 0)
		cs_ctl_error("%s", err.message);
}

/* Publishes the index-th table on a fresh segment and starts the command
 * there. Returns 0, or -1 after saying why. */
static int start_run(struct batch *b, struct slot *slot, size_t index,
		     cs_ctl_table_fn make, void *arg, const sigset_t *mask)
{
	struct cs_ctl_runner *r = b->runner;
	struct cs_ctl_environ env;

	snprintf(slot->segment, sizeof(slot->segment), "%s-%u", r->name,
		 r->serial++);
	make(arg, index, &b->table);
	b->table.log_path[0] = '\0'; /* many runs, one file: not wanted */
	if (cs_ctl_publish(slot->segment, CS_SEG_CREATE_NEW, &b->table) < 0)
		return -1;
	if (cs_ctl_environ_make(&env, r->library, slot->segment, NULL) < 0) {
		remove_segment(slot->segment);
		return -1;
	}
	slot->pid = cs_ctl_spawn(r->argv, env.envp, true, mask, NULL);
	cs_ctl_environ_free(&env);
	if (slot->pid < 0) {
		slot->pid = 0;
		remove_segment(slot->segment);
		return -1;
	}
	slot->index = index;
	slot->timed_out = false;
	slot->deadline_ms = r->timeout_s ? now_ms() + 1000ll * r->timeout_s : 0;
	return 0;
}

/* The run in slot ended with status: its counters, then its segment goes.
 * Returns 0, or -1 after saying why. */
static int finish_run(struct batch *b, struct slot *slot, int status,
		      struct cs_ctl_outcome *outcomes)
{
	struct cs_ctl_outcome *o = &outcomes[slot->index];
	struct chaos_shim_segment seg;
	struct chaos_shim_error lib_err;
	int rc = 0;

	o->status = cs_ctl_exit_status(status);
	o->timed_out = slot->timed_out;
	seg = cs_ctl_named(slot->segment);
	if (cs_ctl_collect(&seg, false, &b->view, &lib_err) < 0) {
		cs_ctl_error("%s", lib_err.message);
		rc = -1;
	} else {
		memcpy(o->matched, b->view.matched, sizeof(o->matched));
		memcpy(o->injected, b->view.injected, sizeof(o->injected));
	}
	remove_segment(slot->segment);
	slot->pid = 0;
	return rc;
}

static struct slot *slot_of(struct batch *b, pid_t pid)
{
	for (unsigned i = 0; i < b->runner->jobs; i++)
		if (b->slots[i].pid == pid)
			return &b->slots[i];
	return NULL;
}

/* Waits for the next child to end, a stop signal or the nearest deadline;
 * returns the stop signal, or 0. */
static int wait_event(struct batch *b, int64_t until_ms)
{
	struct timespec ts;
	int sig;

	if (until_ms) {
		int64_t left = until_ms - now_ms();
		if (left < 0)
			left = 0;
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000;
		sig = sigtimedwait(&b->waited, NULL, &ts);
	} else {
		sig = sigwaitinfo(&b->waited, NULL);
	}
	return sig > 0 && sig != SIGCHLD ? sig : 0;
}

static int64_t nearest_deadline(const struct batch *b)
{
	int64_t nearest = 0;

	for (unsigned i = 0; i < b->runner->jobs; i++) {
		const struct slot *s = &b->slots[i];
		if (s->pid && !s->timed_out && s->deadline_ms &&
		    (!nearest || s->deadline_ms < nearest))
			nearest = s->deadline_ms;
	}
	return nearest;
}

/* Kills the process groups of runs past their deadline. */
static void expire(struct batch *b)
{
	int64_t now = now_ms();

	for (unsigned i = 0; i < b->runner->jobs; i++) {
		struct slot *s = &b->slots[i];
		if (s->pid && !s->timed_out && s->deadline_ms &&
		    s->deadline_ms <= now) {
			s->timed_out = true;
			kill(-s->pid, SIGKILL);
		}
	}
}

/* Reaps every child that has ended; -1 when one's counters were lost. */
static int reap(struct batch *b, struct cs_ctl_outcome *outcomes,
		unsigned *running)
{
	int status, rc = 0;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct slot *s = slot_of(b, pid);
		if (!s)
			continue;
		if (finish_run(b, s, status, outcomes) < 0)
			rc = -1;
		(*running)--;
	}
	return rc;
}

/* Ends every run still going: SIGTERM to its process group, SIGKILL after
 * a grace period, then its segment goes. */
static void stop_all(struct batch *b)
{
	int64_t until = now_ms() + GRACE_MS;
	unsigned left = 0;
	int status;

	for (unsigned i = 0; i < b->runner->jobs; i++)
		if (b->slots[i].pid) {
			kill(-b->slots[i].pid, SIGTERM);
			left++;
		}
	while (left) {
		pid_t pid = waitpid(-1, &status, WNOHANG);
		struct slot *s = pid > 0 ? slot_of(b, pid) : NULL;
		if (s) {
			remove_segment(s->segment);
			s->pid = 0;
			left--;
			continue;
		}
		/* A second stop signal does not wait for the grace period. */
		if (pid < 0 || now_ms() >= until || wait_event(b, until))
			break;
	}
	for (unsigned i = 0; i < b->runner->jobs; i++) {
		struct slot *s = &b->slots[i];
		if (!s->pid)
			continue;
		kill(-s->pid, SIGKILL);
		while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
			;
		remove_segment(s->segment);
		s->pid = 0;
	}
}

int cs_ctl_run_batch(struct cs_ctl_runner *runner, size_t n,
		     cs_ctl_table_fn make, void *arg,
		     struct cs_ctl_outcome *outcomes)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL}, saved_chld;
	struct batch *b = calloc(1, sizeof(*b));
	size_t next = 0;
	unsigned running = 0;
	sigset_t old;
	int rc = 0;

	if (b)
		b->slots = calloc(runner->jobs, sizeof(*b->slots));
	if (!b || !b->slots) {
		free(b);
		cs_ctl_error("out of memory");
		return -1;
	}
	b->runner = runner;
	runner->interrupted = 0;
	/* Taken synchronously: a stop signal cannot fall between two steps.
	 * What the caller ignores stays ignored. */
	sigemptyset(&b->waited);
	sigaddset(&b->waited, SIGCHLD);
	for (size_t i = 0; i < NSTOP; i++) {
		struct sigaction sa;
		sigaction(stop_signals[i], NULL, &sa);
		if (sa.sa_handler != SIG_IGN)
			sigaddset(&b->waited, stop_signals[i]);
	}
	sigprocmask(SIG_BLOCK, &b->waited, &old);
	sigaction(SIGCHLD, &dfl, &saved_chld); /* an ignored one reaps itself */

	while (rc == 0 && (next < n || running)) {
		while (next < n && running < runner->jobs) {
			struct slot *free_slot = slot_of(b, 0);
			if (start_run(b, free_slot, next, make, arg, &old) < 0) {
				rc = -1;
				break;
			}
			next++;
			running++;
		}
		if (rc < 0)
			break;
		runner->interrupted = wait_event(b, nearest_deadline(b));
		if (runner->interrupted) {
			rc = -1;
			break;
		}
		expire(b);
		rc = reap(b, outcomes, &running);
	}
	if (rc < 0)
		stop_all(b);

	sigaction(SIGCHLD, &saved_chld, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(b->slots);
	free(b);
	return rc;
}

int cs_ctl_parse_count(const char *text, unsigned min, unsigned max,
		       unsigned *value)
{
	uint64_t v;

	if (cs_seed_parse(text, &v) < 0 || v < min || v > max)
		return -1;
	*value = (unsigned)v;
	return 0;
}

int cs_ctl_runner_setup(struct cs_ctl_runner *runner,
			const struct cs_ctl_command *cmd, const struct cs_ctl *ctl,
			const char *jobs, const char *timeout, char **argv)
{
	char path[PATH_MAX];

	memset(runner, 0, sizeof(*runner));
	runner->jobs = 1;
	if (!argv[0])
		return cs_ctl_usage_error(cmd, "expected -- CMD [ARG...]");
	if (ctl->user_given)
		return cs_ctl_usage_error(cmd, "-u does not apply: %s makes segments of its own",
					  cmd->name);
	if (jobs && cs_ctl_parse_count(jobs, 1, CS_CTL_MAX_JOBS, &runner->jobs) < 0)
		return cs_ctl_usage_error(cmd, "bad -j '%s': expected 1 to %d",
					  jobs, CS_CTL_MAX_JOBS);
	if (timeout && cs_ctl_parse_count(timeout, 1, 86400, &runner->timeout_s) < 0)
		return cs_ctl_usage_error(cmd, "bad --timeout '%s': expected 1 to 86400 seconds",
					  timeout);
	if (cs_ctl_resolve_command(argv[0], path, sizeof(path)) < 0) {
		cs_ctl_error("cannot run '%s': no such command", argv[0]);
		return CS_EXIT_CANNOT_RUN;
	}
	if (cs_ctl_find_library(runner->library) < 0)
		return CS_EXIT_FAILED;
	runner->argv = argv;
	cs_ctl_fresh_name(cmd->name, runner->name, sizeof(runner->name));
	return CS_CTL_CONTINUE;
}
