/* Unit tests of the control segment: names, creation and refusal, the
 * publish/snapshot protocol, the armed mask and the pid table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cs_profile.h"
#include "cs_segment.h"
#include "cs_table.h"

static const char two_rules[] =
	"rules = (\n"
	"  { name = \"slow\"; calls = [\"connect\"]; fault = \"latency\"; delay_ms = 10; },\n"
	"  { name = \"skew\"; calls = [\"clock\"]; enabled = false;\n"
	"    fault = \"clock_skew\"; offset_s = 5; }\n"
	");\n";

/* Each test gets its own names, so parallel runs do not collide. */
struct names {
	char name[CS_SEG_NAME_MAX];
	char path[256];
};

static int setup_names(void **state)
{
	static unsigned counter;
	struct names *n = test_malloc(sizeof(*n));

	snprintf(n->name, sizeof(n->name), "unit-%d-%u", (int)getpid(),
		 counter++);
	assert_int_equal(cs_segment_path(n->name, n->path, sizeof(n->path)), 0);
	*state = n;
	return 0;
}

static int teardown_names(void **state)
{
	struct names *n = *state;
	char err[256];

	cs_segment_destroy(n->name, err, sizeof(err));
	unlink(n->path); /* a symlink or fifo that destroy left alone */
	test_free(n);
	return 0;
}

static void compile(struct cs_table *table)
{
	char err[512];

	assert_int_equal(cs_profile_compile_string(two_rules, "unit", table, err,
						   sizeof(err)),
			 0);
}

static void create(const char *name, struct cs_seg_handle *h)
{
	char err[512];
	bool created = false;

	assert_int_equal(cs_segment_open(name, CS_SEG_CREATE_NEW, h, &created,
					 err, sizeof(err)),
			 0);
	assert_true(created);
}

/* Opening must fail with a message that contains want. */
static void expect_refusal(const char *name, enum cs_seg_mode mode,
			   const char *want)
{
	struct cs_seg_handle h;
	char err[512] = "";

	assert_int_equal(cs_segment_open(name, mode, &h, NULL, err, sizeof(err)),
			 -1);
	if (!strstr(err, want))
		fail_msg("message '%s' lacks '%s'", err, want);
	assert_null(h.seg);
	assert_int_equal(h.fd, -1);
}

static void test_name_check(void **state)
{
	char err[256], longest[CS_SEG_NAME_MAX], too_long[CS_SEG_NAME_MAX + 1];

	(void)state;
	memset(longest, 'a', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	memset(too_long, 'a', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';

	assert_int_equal(cs_segment_name_check("a", err, sizeof(err)), 0);
	assert_int_equal(cs_segment_name_check("run-12_x.Y9", err, sizeof(err)), 0);
	assert_int_equal(cs_segment_name_check(longest, err, sizeof(err)), 0);

	assert_int_equal(cs_segment_name_check("", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "empty"));
	assert_int_equal(cs_segment_name_check(too_long, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too long"));
	assert_int_equal(cs_segment_name_check(".hidden", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "starts with '.'"));
	assert_int_equal(cs_segment_name_check("../x", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'/'"));
	assert_int_equal(cs_segment_name_check("a b", err, sizeof(err)), -1);
	assert_int_equal(cs_segment_name_check("a\nb", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "0x0a"));
	assert_null(strchr(err, '\n'));
	assert_int_equal(cs_segment_name_check("caf\xc3\xa9", err, sizeof(err)), -1);
}

static void test_path(void **state)
{
	char buf[256], want[256], tiny[8];

	(void)state;
	snprintf(want, sizeof(want), "/dev/shm/chaos-shim.%u.demo",
		 (unsigned)getuid());
	assert_int_equal(cs_segment_path("demo", buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
	assert_int_equal(cs_segment_path("demo", tiny, sizeof(tiny)), -1);
}

static void test_create_and_open(void **state)
{
	struct names *n = *state;
	struct cs_seg_handle h, again;
	struct cs_table table;
	struct stat st;
	char err[512];
	bool created = true;

	create(n->name, &h);
	assert_string_equal(h.name, n->name);
	assert_true(fcntl(h.fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(fstat(h.fd, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, sizeof(struct cs_segment));
	assert_true(h.seg->hdr.magic == CS_SEG_MAGIC);
	assert_int_equal(h.seg->hdr.version, CS_SEG_VERSION);
	assert_int_equal(h.seg->hdr.owner_uid, getuid());
	assert_int_equal(atomic_load(&h.seg->hdr.generation), 0);
	assert_int_equal(atomic_load(&h.seg->hdr.armed), 0);
	cs_segment_current(h.seg, &table);
	assert_int_equal(table.nrules, 0);
	assert_int_equal(table.has_seed, 0);
	assert_int_equal(cs_table_validate(&table, err, sizeof(err)), 0);

	/* Both names of an open-or-create find the same file. */
	assert_int_equal(cs_segment_open(n->name, CS_SEG_OPEN_OR_CREATE, &again,
					 &created, err, sizeof(err)),
			 0);
	assert_false(created);
	assert_int_equal(fstat(again.fd, &st), 0);
	cs_segment_close(&again);
	assert_int_equal(cs_segment_open(n->name, CS_SEG_EXISTING, &again,
					 &created, err, sizeof(err)),
			 0);
	cs_segment_close(&again);

	expect_refusal(n->name, CS_SEG_CREATE_NEW, "already exists");
	cs_segment_close(&h);
	assert_null(h.seg);
	assert_int_equal(h.fd, -1);

	/* No temporary is left behind. */
	char tmp_prefix[64];
	snprintf(tmp_prefix, sizeof(tmp_prefix), "/dev/shm/.chaos-shim.%u.%d.",
		 (unsigned)getuid(), (int)getpid());
	for (unsigned i = 0; i < 64; i++) {
		char tmp[96];
		snprintf(tmp, sizeof(tmp), "%s%u", tmp_prefix, i);
		assert_int_equal(access(tmp, F_OK), -1);
	}
}

static void test_open_or_create_and_destroy(void **state)
{
	struct names *n = *state;
	struct cs_seg_handle h;
	char err[512];
	bool created = false;

	expect_refusal(n->name, CS_SEG_EXISTING, "does not exist");
	assert_int_equal(cs_segment_open(n->name, CS_SEG_OPEN_OR_CREATE, &h,
					 &created, err, sizeof(err)),
			 0);
	assert_true(created);
	cs_segment_close(&h);
	assert_int_equal(cs_segment_destroy(n->name, err, sizeof(err)), 0);
	assert_int_equal(access(n->path, F_OK), -1);
	assert_int_equal(cs_segment_destroy(n->name, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "does not exist"));
	assert_int_equal(cs_segment_destroy("bad/name", err, sizeof(err)), -1);
}

static void test_refuse_mode(void **state)
{
	struct names *n = *state;
	struct cs_seg_handle h;

	create(n->name, &h);
	assert_int_equal(fchmod(h.fd, 0644), 0);
	expect_refusal(n->name, CS_SEG_EXISTING, "(mode 0644)");
	expect_refusal(n->name, CS_SEG_OPEN_OR_CREATE, "open to other users");
	assert_int_equal(fchmod(h.fd, 0620), 0);
	expect_refusal(n->name, CS_SEG_EXISTING, "(mode 0620)");
	assert_int_equal(fchmod(h.fd, 0600), 0);
	cs_segment_close(&h);
}

static void test_refuse_size(void **state)
{
	struct names *n = *state;
	struct cs_seg_handle h;
	char want[64];

	create(n->name, &h);
	cs_segment_close(&h);
	assert_int_equal(truncate(n->path, 10), 0);
	snprintf(want, sizeof(want), "is 10 bytes, expected %zu",
		 sizeof(struct cs_segment));
	expect_refusal(n->name, CS_SEG_EXISTING, want);
}

static void test_refuse_header(void **state)
{
	struct names *n = *state;
	struct cs_seg_handle h;
	char err[256];

	create(n->name, &h);
	h.seg->hdr.magic ^= 1;
	expect_refusal(n->name, CS_SEG_EXISTING, "bad magic");
	assert_int_equal(cs_segment_check_header(h.seg, err, sizeof(err)), -1);
	h.seg->hdr.magic ^= 1;

	h.seg->hdr.version = 7;
	expect_refusal(n->name, CS_SEG_EXISTING, "has layout version 7, expected 2");
	/* Without a name, the message still says what is wrong. */
	assert_int_equal(cs_segment_check_header(h.seg, err, sizeof(err)), -1);
	assert_string_equal(err, "segment has layout version 7, expected 2");
	h.seg->hdr.version = CS_SEG_VERSION;

	h.seg->hdr.size--;
	expect_refusal(n->name, CS_SEG_EXISTING, "header gives size");
	h.seg->hdr.size++;

	h.seg->hdr.owner_uid++;
	expect_refusal(n->name, CS_SEG_EXISTING, "belongs to uid");
	h.seg->hdr.owner_uid--;

	assert_int_equal(cs_segment_check_header(h.seg, err, sizeof(err)), 0);
	cs_segment_close(&h);
}

static void test_refuse_owner(void **state)
{
	struct names *n = *state;
	struct cs_seg_handle h;

	if (getuid() != 0)
		skip(); /* only root can give a file away */
	create(n->name, &h);
	cs_segment_close(&h);
	assert_int_equal(chown(n->path, 4242, (gid_t)-1), 0);
	expect_refusal(n->name, CS_SEG_EXISTING, "belongs to uid 4242");
}

static void test_refuse_symlink_and_fifo(void **state)
{
	struct names *n = *state;

	assert_int_equal(symlink("/dev/null", n->path), 0);
	expect_refusal(n->name, CS_SEG_EXISTING, "is a symbolic link");
	expect_refusal(n->name, CS_SEG_OPEN_OR_CREATE, "is a symbolic link");
	assert_int_equal(unlink(n->path), 0);

	assert_int_equal(mkfifo(n->path, 0600), 0);
	expect_refusal(n->name, CS_SEG_EXISTING, "is not a regular file");
}

static void test_drop_fd_and_lock(void **state)
{
	struct names *n = *state;
	struct cs_seg_handle h, other;
	char err[256];
	int fd;

	create(n->name, &h);
	assert_int_equal(cs_segment_open(n->name, CS_SEG_EXISTING, &other, NULL,
					 err, sizeof(err)),
			 0);
	assert_int_equal(cs_segment_lock(&h), 0);
	assert_int_equal(flock(other.fd, LOCK_EX | LOCK_NB), -1);
	assert_int_equal(errno, EWOULDBLOCK);
	cs_segment_unlock(&h);
	assert_int_equal(flock(other.fd, LOCK_EX | LOCK_NB), 0);
	cs_segment_unlock(&other);

	fd = h.fd;
	cs_segment_drop_fd(&h);
	assert_int_equal(h.fd, -1);
	assert_int_equal(fcntl(fd, F_GETFD), -1);
	/* The mapping outlives the descriptor; locking is then a no-op. */
	assert_true(h.seg->hdr.magic == CS_SEG_MAGIC);
	assert_int_equal(cs_segment_lock(&h), 0);
	cs_segment_unlock(&h);
	cs_segment_close(&h);
	cs_segment_close(&other);
}

static void test_publish_snapshot(void **state)
{
	struct names *n = *state;
	struct cs_seg_handle writer, reader;
	struct cs_table table, copy;
	uint64_t gen = 99;
	char err[512];

	create(n->name, &writer);
	assert_int_equal(cs_segment_open(n->name, CS_SEG_EXISTING, &reader, NULL,
					 err, sizeof(err)),
			 0);
	cs_segment_drop_fd(&reader);
	compile(&table);
	table.seed = 1234;
	cs_segment_publish(writer.seg, &table, true);

	assert_int_equal(cs_segment_snapshot(reader.seg, &copy, &gen), 0);
	assert_int_equal(gen, 1);
	/* Publishing anchors the clock rule at the present; all else is
	 * carried as it was. */
	int skew = cs_table_find(&copy, "skew");
	assert_true(copy.rules[skew].anchor_ns > 0);
	table.rules[skew].anchor_ns = copy.rules[skew].anchor_ns;
	assert_memory_equal(&copy, &table, sizeof(table));
	assert_int_equal(cs_table_validate(&copy, err, sizeof(err)), 0);
	assert_int_equal(cs_table_find(&copy, "skew"), 1);
	cs_segment_current(reader.seg, &copy);
	assert_memory_equal(&copy, &table, sizeof(table));
	cs_segment_close(&reader);
	cs_segment_close(&writer);
}

static void test_generation_parity(void **state)
{
	struct cs_seg_handle h;
	struct cs_table table, copy;
	uint64_t gen;
	char err[256];

	(void)state;
	assert_int_equal(cs_segment_anonymous(&h, err, sizeof(err)), 0);
	assert_int_equal(h.fd, -1);
	assert_string_equal(h.name, "");
	assert_int_equal(cs_segment_check_header(h.seg, err, sizeof(err)), 0);
	compile(&table);
	for (uint64_t i = 1; i <= 5; i++) {
		table.seed = i;
		cs_segment_publish(h.seg, &table, false);
		assert_int_equal(atomic_load(&h.seg->hdr.generation), i);
		/* The new table sits in slot i & 1, the previous one in the other. */
		assert_int_equal(h.seg->slots[i & 1].seed, i);
		if (i > 1)
			assert_int_equal(h.seg->slots[(i + 1) & 1].seed, i - 1);
		assert_int_equal(cs_segment_snapshot(h.seg, &copy, &gen), 0);
		assert_int_equal(gen, i);
		assert_int_equal(copy.seed, i);
	}
	cs_segment_close(&h);
}

static void test_counters_reset(void **state)
{
	struct cs_seg_handle h;
	struct cs_table table;
	char err[256];

	(void)state;
	assert_int_equal(cs_segment_anonymous(&h, err, sizeof(err)), 0);
	compile(&table);
	cs_segment_publish(h.seg, &table, true);
	atomic_store(&h.seg->counters[0].matched, 7);
	atomic_store(&h.seg->counters[CS_MAX_RULES - 1].injected, 3);
	cs_segment_publish(h.seg, &table, false);
	assert_int_equal(atomic_load(&h.seg->counters[0].matched), 7);
	cs_segment_publish(h.seg, &table, true);
	assert_int_equal(atomic_load(&h.seg->counters[0].matched), 0);
	assert_int_equal(atomic_load(&h.seg->counters[CS_MAX_RULES - 1].injected),
			 0);
	cs_segment_close(&h);
}

/* A torn read, made on purpose: the page in the middle of the slot is
 * inaccessible, and the fault handler publishes (bumps the generation)
 * before letting the reader's copy go on, as a writer on another CPU
 * could. */
static struct cs_segment *torn_segment;
static void *torn_page;
static long page_size;

static void publish_during_copy(int sig, siginfo_t *info, void *context)
{
	(void)sig;
	(void)info;
	(void)context;
	atomic_fetch_add(&torn_segment->hdr.generation, 1);
	mprotect(torn_page, (size_t)page_size, PROT_READ | PROT_WRITE);
}

static void test_torn_snapshot(void **state)
{
	struct cs_seg_handle h;
	struct cs_table table, copy;
	struct sigaction sa = {.sa_sigaction = publish_during_copy,
			       .sa_flags = SA_SIGINFO},
			 old;
	uint64_t gen = 77;
	uintptr_t slot;
	char err[256];

	(void)state;
	page_size = sysconf(_SC_PAGESIZE);
	assert_int_equal(cs_segment_anonymous(&h, err, sizeof(err)), 0);
	compile(&table);
	cs_segment_publish(h.seg, &table, false);
	cs_segment_publish(h.seg, &table, false); /* current slot: 0 */
	slot = (uintptr_t)&h.seg->slots[0];
	torn_segment = h.seg;
	torn_page = (void *)((slot + (uintptr_t)page_size) &
			     ~((uintptr_t)page_size - 1));
	assert_true((uintptr_t)torn_page + (uintptr_t)page_size <=
		    slot + sizeof(struct cs_table));

	assert_int_equal(sigaction(SIGSEGV, &sa, &old), 0);
	assert_int_equal(mprotect(torn_page, (size_t)page_size, PROT_NONE), 0);
	assert_int_equal(cs_segment_snapshot(h.seg, &copy, &gen), -1);
	assert_int_equal(gen, 77); /* untouched on failure */
	assert_int_equal(sigaction(SIGSEGV, &old, NULL), 0);

	/* Nothing moves now: the next try succeeds. */
	assert_int_equal(cs_segment_snapshot(h.seg, &copy, &gen), 0);
	assert_int_equal(gen, 3);
	cs_segment_close(&h);
}

static void test_armed_and_paused(void **state)
{
	struct cs_seg_handle h;
	struct cs_table table;
	char err[256];

	(void)state;
	assert_int_equal(cs_segment_anonymous(&h, err, sizeof(err)), 0);
	compile(&table);
	cs_segment_publish(h.seg, &table, true);
	assert_int_equal(atomic_load(&h.seg->hdr.armed), CS_BIT(CS_FAM_CONNECT));

	table.rules[1].enabled = 1;
	cs_segment_publish(h.seg, &table, false);
	assert_int_equal(atomic_load(&h.seg->hdr.armed),
			 CS_BIT(CS_FAM_CONNECT) | CS_BIT(CS_FAM_CLOCK));

	cs_segment_set_paused(h.seg, true);
	assert_int_equal(atomic_load(&h.seg->hdr.paused), 1);
	assert_int_equal(atomic_load(&h.seg->hdr.armed), 0);
	/* A publish while paused keeps everything disarmed. */
	table.rules[0].enabled = 0;
	cs_segment_publish(h.seg, &table, false);
	assert_int_equal(atomic_load(&h.seg->hdr.armed), 0);
	cs_segment_set_paused(h.seg, false);
	assert_int_equal(atomic_load(&h.seg->hdr.armed), CS_BIT(CS_FAM_CLOCK));

	/* A scribbled table arms nothing on resume. */
	h.seg->slots[atomic_load(&h.seg->hdr.generation) & 1].nrules = 100000;
	cs_segment_set_paused(h.seg, false);
	assert_int_equal(atomic_load(&h.seg->hdr.armed), 0);
	cs_segment_close(&h);
}

static pid_t dead_pid(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return pid;
}

static void test_pids(void **state)
{
	struct cs_seg_handle h;
	char err[256];
	pid_t dead;

	(void)state;
	assert_int_equal(cs_segment_anonymous(&h, err, sizeof(err)), 0);
	cs_segment_register_pid(h.seg, 100);
	cs_segment_register_pid(h.seg, 200);
	cs_segment_register_pid(h.seg, 300);
	assert_int_equal(atomic_load(&h.seg->pids[1]), 200);
	cs_segment_unregister_pid(h.seg, 200);
	assert_int_equal(atomic_load(&h.seg->pids[1]), 0);
	cs_segment_unregister_pid(h.seg, 12345); /* not there: no effect */
	cs_segment_register_pid(h.seg, 400);
	assert_int_equal(atomic_load(&h.seg->pids[1]), 400);
	assert_int_equal(atomic_load(&h.seg->pids[2]), 300);

	/* Full of live processes: a newcomer is silently left out. */
	for (size_t i = 0; i < CS_MAX_PIDS; i++)
		atomic_store(&h.seg->pids[i], getpid());
	cs_segment_register_pid(h.seg, 500);
	for (size_t i = 0; i < CS_MAX_PIDS; i++)
		assert_int_equal(atomic_load(&h.seg->pids[i]), getpid());

	/* Full, but one entry is a process that died without leaving. */
	dead = dead_pid();
	atomic_store(&h.seg->pids[17], dead);
	cs_segment_register_pid(h.seg, 600);
	assert_int_equal(atomic_load(&h.seg->pids[17]), 600);
	cs_segment_close(&h);
}

/* The shim validates its private copy: every kind of scribble on the
 * shared slot must be caught there. */
static void expect_invalid(struct cs_seg_handle *h,
			   void (*scribble)(struct cs_table *slot))
{
	struct cs_table table, copy;
	uint64_t gen;
	char err[512];

	compile(&table);
	cs_segment_publish(h->seg, &table, false);
	scribble(&h->seg->slots[atomic_load(&h->seg->hdr.generation) & 1]);
	assert_int_equal(cs_segment_snapshot(h->seg, &copy, &gen), 0);
	assert_int_equal(cs_table_validate(&copy, err, sizeof(err)), -1);
	assert_true(err[0] != '\0');
}

static void huge_count(struct cs_table *t)
{
	t->nrules = 0x7fffffff;
}

static void unterminated_name(struct cs_table *t)
{
	memset(t->rules[0].name, 'x', sizeof(t->rules[0].name));
}

static void unterminated_log(struct cs_table *t)
{
	memset(t->log_path, 'x', sizeof(t->log_path));
}

static void bad_fault(struct cs_table *t)
{
	t->rules[0].fault = 200;
}

static void bad_proto(struct cs_table *t)
{
	t->rules[0].proto = 9;
}

static void bad_calls(struct cs_table *t)
{
	t->rules[0].calls = 1u << 30;
}

static void bad_probability(struct cs_table *t)
{
	t->rules[0].probability = 3.5;
}

static void duplicate_name(struct cs_table *t)
{
	memcpy(t->rules[1].name, t->rules[0].name, sizeof(t->rules[0].name));
}

static void test_validate_corrupted(void **state)
{
	void (*const scribbles[])(struct cs_table *) = {
		huge_count, unterminated_name, unterminated_log, bad_fault,
		bad_proto,  bad_calls,	       bad_probability,	 duplicate_name,
	};
	struct cs_seg_handle h;
	char err[256];

	(void)state;
	assert_int_equal(cs_segment_anonymous(&h, err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(scribbles) / sizeof(scribbles[0]); i++)
		expect_invalid(&h, scribbles[i]);
	cs_segment_close(&h);
}

#define NAMED_TEST(f) cmocka_unit_test_setup_teardown(f, setup_names, teardown_names)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_check),
		cmocka_unit_test(test_path),
		NAMED_TEST(test_create_and_open),
		NAMED_TEST(test_open_or_create_and_destroy),
		NAMED_TEST(test_refuse_mode),
		NAMED_TEST(test_refuse_size),
		NAMED_TEST(test_refuse_header),
		NAMED_TEST(test_refuse_owner),
		NAMED_TEST(test_refuse_symlink_and_fifo),
		NAMED_TEST(test_drop_fd_and_lock),
		NAMED_TEST(test_publish_snapshot),
		cmocka_unit_test(test_generation_parity),
		cmocka_unit_test(test_counters_reset),
		cmocka_unit_test(test_torn_snapshot),
		cmocka_unit_test(test_armed_and_paused),
		cmocka_unit_test(test_pids),
		cmocka_unit_test(test_validate_corrupted),
	};

	return cmocka_run_group_tests_name("segment", tests, NULL, NULL);
}
