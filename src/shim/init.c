/* Start-up of the shim inside a program: read the environment, attach to a
 * named segment or compile a private profile, and keep that true across
 * fork. Until this has run (and whenever anything is wrong) every call
 * passes through, because the armed mask reads a static zero. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>
#include <urcu/urcu-bp.h>

#include "cs_profile.h"
#include "cs_seed.h"
#include "shim/shim.h"

static const uint32_t armed_zero;
const uint32_t *cs_armed_word = &armed_zero;
static const uint32_t clock_held = CS_BIT(CS_FAM_CLOCK);
const uint32_t *cs_clock_reads_word = &armed_zero;
static const uint32_t ready_held = CS_SOCKET_FAMILIES;
const uint32_t *cs_ready_word = &armed_zero;
static const uint32_t send_held = CS_BIT(CS_FAM_SEND);
const uint32_t *cs_send_word = &armed_zero;
struct cs_segment *cs_seg;
static struct cs_seg_handle handle = {.fd = -1};
static int detached;

void cs_say(const char *msg)
{
	char line[512];
	static const char prefix[] = "chaos-shim: ";
	size_t n = sizeof prefix - 1, len = strlen(msg);
	if (len > sizeof line - n - 1)
		len = sizeof line - n - 1;
	memcpy(line, prefix, n);
	memcpy(line + n, msg, len);
	line[n + len] = '\n';
	int saved = errno;
	(void)!cs_real_write(2, line, n + len + 1);
	errno = saved;
}

/* Points a word that an interposer tests instead of the armed mask at
 * `to`, unless it was sent to its slow path for good (`held`). */
static void follow(const uint32_t **word, const uint32_t *held,
		   const uint32_t *to)
{
	const uint32_t *was = __atomic_load_n(word, __ATOMIC_ACQUIRE);
	if (was != held)
		__atomic_compare_exchange_n(word, &was, to, false,
					    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

static void hold_for_good(const uint32_t **word, const uint32_t *held)
{
	if (__atomic_load_n(word, __ATOMIC_RELAXED) != held)
		__atomic_store_n(word, held, __ATOMIC_RELEASE);
}

void cs_detach(const char *reason)
{
	__atomic_store_n(&cs_armed_word, &armed_zero, __ATOMIC_RELEASE);
	/* Clock reads follow, unless they hold a monotonic floor; readiness
	 * calls and sends, unless something was held or queued. */
	follow(&cs_clock_reads_word, &clock_held, &armed_zero);
	follow(&cs_ready_word, &ready_held, &armed_zero);
	follow(&cs_send_word, &send_held, &armed_zero);
	if (__atomic_exchange_n(&detached, 1, __ATOMIC_ACQ_REL))
		return;
	char line[400];
	size_t len = strlen(reason);
	static const char tail[] = "; calls pass through";
	if (len > sizeof line - sizeof tail)
		len = sizeof line - sizeof tail;
	memcpy(line, reason, len);
	memcpy(line + len, tail, sizeof tail);
	cs_say(line);
}

/* CHAOS_SHIM_PROFILE: the profile lives in this process tree, in private
 * shared memory with the same layout as a named segment: compiled by the
 * first process, attached by the programs it execs (inherit.c). */
static int load_private_profile(const char *path, char *err, size_t errlen)
{
	static struct cs_table table; /* too large for the loader's stack */
	if (cs_inherit_attach(path, &handle))
		return 0;
	if (cs_profile_compile_file(path, &table, err, errlen) < 0)
		return -1;
	if (cs_seed_choose(&table, NULL, NULL, err, errlen) < 0)
		return -1;
	if (cs_segment_anonymous(&handle, err, errlen) < 0)
		return -1;
	cs_segment_publish(handle.seg, &table, true);
	cs_inherit_pass_down(path, &handle);
	return 0;
}

static void before_fork(void)
{
	urcu_bp_before_fork();
}

static void after_fork_parent(void)
{
	urcu_bp_after_fork_parent();
}

static void after_fork_child(void)
{
	urcu_bp_after_fork_child();
	cs_snapshot_after_fork_child();
	cs_skewlane_after_fork_child();
	cs_eventlog_after_fork_child();
	cs_slowclose_all();
	if (cs_seg)
		cs_segment_register_pid(cs_seg, getpid());
}

/* Children that change directory before they exec must find the same
 * profile and log: a relative path in the environment is made absolute. */
static void make_absolute(const char *var)
{
	const char *value = getenv(var);
	char cwd[CS_PATH_MAX], path[2 * CS_PATH_MAX];
	if (!value || !*value || value[0] == '/' || !getcwd(cwd, sizeof cwd))
		return;
	if ((size_t)snprintf(path, sizeof path, "%s/%s", cwd, value) <
	    sizeof path)
		setenv(var, path, 1);
}

__attribute__((constructor)) static void cs_init(void)
{
	char err[512];
	if (getauxval(AT_SECURE))
		return; /* setuid and friends: never act on the environment */
	make_absolute("CHAOS_SHIM_PROFILE");
	make_absolute("CHAOS_SHIM_LOG");
	const char *segment = getenv("CHAOS_SHIM_SEGMENT");
	const char *profile = getenv("CHAOS_SHIM_PROFILE");
	const char *log = getenv("CHAOS_SHIM_LOG");
	if (log && *log)
		cs_eventlog_set_override(log);
	if (segment && *segment) {
		if (cs_segment_attach(segment, &handle, err, sizeof err) < 0) {
			cs_detach(err);
			return;
		}
		cs_segment_drop_fd(&handle);
		cs_sigbus_guard(handle.seg, sizeof *handle.seg);
	} else if (profile && *profile) {
		if (load_private_profile(profile, err, sizeof err) < 0) {
			cs_detach(err);
			return;
		}
	} else {
		return;
	}
	cs_program_init(); /* before the first snapshot matches `process` */
	if (cs_snapshot_init() < 0) {
		cs_detach("cannot allocate the rule snapshot");
		return;
	}
	cs_seg = handle.seg;
	pthread_atfork(before_fork, after_fork_parent, after_fork_child);
	cs_skewlane_init();
	cs_segment_register_pid(cs_seg, getpid());
	const uint32_t *armed = (const uint32_t *)&cs_seg->hdr.armed;
	follow(&cs_clock_reads_word, &clock_held, armed);
	follow(&cs_ready_word, &ready_held, armed);
	follow(&cs_send_word, &send_held, armed);
	__atomic_store_n(&cs_armed_word,
			 (const uint32_t *)&cs_seg->hdr.armed, __ATOMIC_RELEASE);
}

void cs_clock_reads_hold(void)
{
	hold_for_good(&cs_clock_reads_word, &clock_held);
}

void cs_ready_hold(void)
{
	hold_for_good(&cs_ready_word, &ready_held);
}

void cs_send_hold(void)
{
	hold_for_good(&cs_send_word, &send_held);
}

__attribute__((destructor)) static void cs_fini(void)
{
	cs_skewlane_flush();
	cs_sendq_at_exit();
	cs_reorder_at_exit();
	cs_slowclose_all();
	if (cs_seg)
		cs_segment_unregister_pid(cs_seg, getpid());
}
