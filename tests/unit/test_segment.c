/* Unit tests of the control segment: names, creation and refusal, the
 * publish/snapshot protocol, the armed mask, the pid table, destroy, the
 * attach rules of a process tree, and a writer stopped after every single
 * instruction of a publish, pause, resume or destroy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
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
	assert_int_equal(
		cs_segment_path(getuid(), n->name, n->path, sizeof(n->path)), 0);
	*state = n;
	return 0;
}

static int teardown_names(void **state)
{
	struct names *n = *state;
	char err[256];

	cs_segment_unlink(getuid(), n->name, err, sizeof(err));
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

static struct cs_seg_state state_of(const struct cs_seg_handle *h)
{
	struct cs_seg_state st;

	cs_segment_state(h->seg, &st);
	return st;
}

static struct cs_table *current_slot(struct cs_seg_handle *h)
{
	return &h->seg->slots[state_of(h).publishes & 1];
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
	assert_int_equal(cs_segment_path(getuid(), "demo", buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
	assert_int_equal(cs_segment_path(4242, "demo", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/dev/shm/chaos-shim.4242.demo");
	assert_int_equal(cs_segment_path(getuid(), "demo", tiny, sizeof(tiny)),
			 -1);
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
	assert_int_equal(h.seg->hdr.creator_pid, getpid());
	assert_true(h.seg->hdr.instance != 0);
	assert_int_equal(h.owner, getuid());
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

static void lock_and_destroy(struct cs_seg_handle *h)
{
	char err[512];

	assert_int_equal(cs_segment_lock(h), 0);
	assert_int_equal(cs_segment_destroy(h, err, sizeof(err)), 0);
	cs_segment_unlock(h);
}

static void test_open_or_create_and_destroy(void **state)
{
	struct names *n = *state;
	struct cs_seg_handle h;
	struct cs_seg_state st;
	char err[512];
	bool created = false;

	expect_refusal(n->name, CS_SEG_EXISTING, "does not exist");
	assert_int_equal(cs_segment_open(n->name, CS_SEG_OPEN_OR_CREATE, &h,
					 &created, err, sizeof(err)),
			 0);
	assert_true(created);
	lock_and_destroy(&h);
	assert_int_equal(access(n->path, F_OK), -1);
	cs_segment_state(h.seg, &st);
	assert_true(st.destroyed);
	assert_int_equal(atomic_load(&h.seg->hdr.armed), CS_SEG_DESTROYED);
	cs_segment_close(&h);
	expect_refusal(n->name, CS_SEG_EXISTING, "does not exist");
	assert_int_equal(cs_segment_unlink(getuid(), n->name, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "does not exist"));
	assert_int_equal(cs_segment_unlink(getuid(), "bad/name", err,
					   sizeof(err)),
			 -1);
}

/* Issue: `resume` (or any writer) that opened the segment before a
 * `destroy` and got the lock after it re-armed an unlinked segment. */
static void test_destroy_wins_over_waiting_writer(void **state)
{
	struct names *n = *state;
	struct cs_seg_handle destroyer, waiter, fresh;
	struct cs_table table;
	char err[512];
	bool created;

	create(n->name, &destroyer);
	compile(&table);
	cs_segment_publish(destroyer.seg, &table, true);
	cs_segment_set_paused(destroyer.seg, true);
	assert_int_equal(cs_segment_open(n->name, CS_SEG_EXISTING, &waiter,
					 NULL, err, sizeof(err)),
			 0);
	lock_and_destroy(&destroyer);
	/* The waiter gets the lock now and learns the segment is gone. */
	errno = 0;
	assert_int_equal(cs_segment_lock(&waiter), -1);
	assert_int_equal(errno, ENOENT);
	/* Nothing a writer does re-arms it. */
	cs_segment_set_paused(waiter.seg, false);
	assert_int_equal(atomic_load(&waiter.seg->hdr.armed), CS_SEG_DESTROYED);
	cs_segment_close(&waiter);
	/* The name is free for a new segment, which the old mapping does not
	 * see. */
	assert_int_equal(cs_segment_open(n->name, CS_SEG_OPEN_OR_CREATE, &fresh,
					 &created, err, sizeof(err)),
			 0);
	assert_true(created);
	assert_true(fresh.seg->hdr.instance != destroyer.seg->hdr.instance);
	cs_segment_publish(fresh.seg, &table, true);
	assert_int_equal(atomic_load(&destroyer.seg->hdr.armed),
			 CS_SEG_DESTROYED);
	cs_segment_close(&fresh);
	cs_segment_close(&destroyer);
}

/* A destroyer killed between its store and the unlink: the file stays,
 * marked. Openers treat it as gone and remove it. */
static void test_destroyed_file_left_behind(void **state)
{
	struct names *n = *state;
	struct cs_seg_handle h, again;
	const uint64_t destroyed = (uint64_t)5 << 32 | CS_SEG_DESTROYED;
	char err[512];
	bool created;

	create(n->name, &h);
	atomic_store(&h.seg->hdr.generation, destroyed);
	expect_refusal(n->name, CS_SEG_EXISTING, "does not exist");
	assert_int_equal(access(n->path, F_OK), -1);
	cs_segment_close(&h);

	create(n->name, &h);
	atomic_store(&h.seg->hdr.generation, destroyed);
	assert_int_equal(cs_segment_open(n->name, CS_SEG_OPEN_OR_CREATE, &again,
					 &created, err, sizeof(err)),
			 0);
	assert_true(created);
	assert_true(again.seg->hdr.instance != h.seg->hdr.instance);
	cs_segment_close(&again);
	cs_segment_close(&h);
}

/* Issue: a background child of `run` made the segment again after `run`
 * removed it. A process tree sticks to the segment its first process
 * attached to. */
static void test_attach_tree(void **state)
{
	struct names *n = *state;
	struct cs_seg_handle first, child, later;
	char err[512], id[128];

	unsetenv(CS_SEG_ID_ENV);
	assert_int_equal(cs_segment_attach(n->name, &first, err, sizeof(err)), 0);
	assert_int_equal(cs_segment_id(&first, id, sizeof(id)), 0);
	assert_non_null(getenv(CS_SEG_ID_ENV));
	assert_string_equal(getenv(CS_SEG_ID_ENV), id);

	/* A child, with the same environment: the same segment. */
	assert_int_equal(cs_segment_attach(n->name, &child, err, sizeof(err)), 0);
	assert_true(child.seg->hdr.instance == first.seg->hdr.instance);
	cs_segment_close(&child);

	/* Destroyed: a child does not make it again. */
	lock_and_destroy(&first);
	assert_int_equal(cs_segment_attach(n->name, &child, err, sizeof(err)),
			 -1);
	if (!strstr(err, "is gone"))
		fail_msg("message: %s", err);
	assert_int_equal(access(n->path, F_OK), -1);

	/* Made again under the name (a later `load`): not the tree's. */
	create(n->name, &later);
	assert_int_equal(cs_segment_attach(n->name, &child, err, sizeof(err)),
			 -1);
	if (!strstr(err, "made again"))
		fail_msg("message: %s", err);

	/* A program exec'd after a change of uid does not attach across
	 * users. */
	snprintf(id, sizeof(id), "%s:%u:%016llx", n->name, (unsigned)getuid() + 1,
		 (unsigned long long)later.seg->hdr.instance);
	setenv(CS_SEG_ID_ENV, id, 1);
	assert_int_equal(cs_segment_attach(n->name, &child, err, sizeof(err)),
			 -1);
	if (!strstr(err, "belongs to another user than this program"))
		fail_msg("message: %s", err);

	/* A program that names another segment starts a tree of its own. */
	setenv(CS_SEG_ID_ENV, "some-other:0:00000000000004d2", 1);
	assert_int_equal(cs_segment_attach(n->name, &child, err, sizeof(err)), 0);
	assert_true(child.seg->hdr.instance == later.seg->hdr.instance);
	assert_int_equal(cs_segment_id(&later, id, sizeof(id)), 0);
	assert_string_equal(getenv(CS_SEG_ID_ENV), id);
	cs_segment_close(&child);
	/* So does one whose identity is garbage. */
	setenv(CS_SEG_ID_ENV, "x", 1);
	assert_int_equal(cs_segment_attach(n->name, &child, err, sizeof(err)), 0);
	cs_segment_close(&child);

	unsetenv(CS_SEG_ID_ENV);
	cs_segment_close(&later);
	cs_segment_close(&first);
}

/* Root may make and open the segments of another user. */
static void test_other_owner(void **state)
{
	struct names *n = *state;
	struct cs_seg_handle h, again;
	char err[512], path[256];
	struct stat st;

	(void)n;
	if (getuid() != 0)
		skip();
	assert_int_equal(cs_segment_open_as(4242, n->name, CS_SEG_CREATE_NEW, &h,
					    NULL, err, sizeof(err)),
			 0);
	assert_int_equal(cs_segment_path(4242, n->name, path, sizeof(path)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_uid, 4242);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(h.seg->hdr.owner_uid, 4242);
	assert_int_equal(cs_segment_open_as(4242, n->name, CS_SEG_EXISTING,
					    &again, NULL, err, sizeof(err)),
			 0);
	cs_segment_close(&again);
	/* Root's own namespace does not hold it. */
	expect_refusal(n->name, CS_SEG_EXISTING, "does not exist");
	/* Messages say whose segment it is. */
	assert_int_equal(cs_segment_open_as(4242, n->name, CS_SEG_CREATE_NEW,
					    &again, NULL, err, sizeof(err)),
			 -1);
	if (!strstr(err, "of uid 4242 already exists"))
		fail_msg("message: %s", err);
	lock_and_destroy(&h);
	assert_int_equal(access(path, F_OK), -1);
	cs_segment_close(&h);
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
	expect_refusal(n->name, CS_SEG_EXISTING, "has layout version 7, expected 5");
	/* Without a name, the message still says what is wrong. */
	assert_int_equal(cs_segment_check_header(h.seg, err, sizeof(err)), -1);
	assert_string_equal(err, "segment has layout version 7, expected 5");
	h.seg->hdr.version = CS_SEG_VERSION;

	h.seg->hdr.size--;
	expect_refusal(n->name, CS_SEG_EXISTING, "header gives size");
	h.seg->hdr.size++;

	/* The owner is checked when a process attaches, not afterwards: a
	 * program that drops privileges stays attached (its getuid changes,
	 * the header does not). */
	h.seg->hdr.owner_uid++;
	expect_refusal(n->name, CS_SEG_EXISTING, "belongs to uid");
	assert_int_equal(cs_segment_check_header(h.seg, err, sizeof(err)), 0);
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
	assert_int_equal(gen >> 32, 1);
	/* Publishing anchors the clock rule at the present; all else is
	 * carried as it was. */
	int skew = cs_table_find(&copy, "skew");
	assert_true(copy.rules[skew].anchor_ns > 0);
	table.rules[skew].anchor_ns = copy.rules[skew].anchor_ns;
	/* ...and every rule's time window starts at the load. */
	for (uint32_t i = 0; i < table.nrules; i++) {
		assert_true(copy.rules[i].window_anchor_ns > 0);
		table.rules[i].window_anchor_ns = copy.rules[i].window_anchor_ns;
	}
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
	/* A close-on-exec memfd, where the kernel has them. */
	assert_true(h.fd == -1 || (fcntl(h.fd, F_GETFD) & FD_CLOEXEC));
	assert_string_equal(h.name, "");
	assert_int_equal(cs_segment_check_header(h.seg, err, sizeof(err)), 0);
	compile(&table);
	for (uint64_t i = 1; i <= 5; i++) {
		table.seed = i;
		cs_segment_publish(h.seg, &table, false);
		assert_int_equal(state_of(&h).publishes, i);
		/* The new table sits in slot i & 1, the previous one in the other. */
		assert_int_equal(h.seg->slots[i & 1].seed, i);
		if (i > 1)
			assert_int_equal(h.seg->slots[(i + 1) & 1].seed, i - 1);
		assert_int_equal(cs_segment_snapshot(h.seg, &copy, &gen), 0);
		assert_int_equal(gen >> 32, i);
		assert_int_equal(gen & 0xffffffff, CS_BIT(CS_FAM_CONNECT));
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
	atomic_fetch_add(&torn_segment->hdr.generation, (uint64_t)1 << 32);
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
	assert_int_equal(gen >> 32, 3);
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

	/* Pausing keeps the publish count and arms no family. */
	cs_segment_set_paused(h.seg, true);
	assert_true(state_of(&h).paused);
	assert_int_equal(state_of(&h).publishes, 2);
	assert_int_equal(atomic_load(&h.seg->hdr.armed), CS_SEG_PAUSED);
	/* A publish while paused keeps everything disarmed. */
	table.rules[0].enabled = 0;
	cs_segment_publish(h.seg, &table, false);
	assert_int_equal(atomic_load(&h.seg->hdr.armed), CS_SEG_PAUSED);
	cs_segment_set_paused(h.seg, false);
	assert_false(state_of(&h).paused);
	assert_int_equal(atomic_load(&h.seg->hdr.armed), CS_BIT(CS_FAM_CLOCK));

	/* A scribbled table arms nothing on resume. */
	current_slot(&h)->nrules = 100000;
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

/* What a writer killed at this instant leaves behind must be whole: the
 * armed families are those of the table the state word points at, none
 * when paused or destroyed. */
static bool consistent(const struct cs_segment *seg, char *why, size_t len)
{
	struct cs_seg_state st;
	uint32_t want;

	cs_segment_state(seg, &st);
	want = st.paused || st.destroyed
		       ? 0
		       : cs_table_armed_mask(&seg->slots[st.publishes & 1]);
	snprintf(why, len, "publishes %u, paused %d, destroyed %d: armed 0x%x, the table says 0x%x",
		 st.publishes, st.paused, st.destroyed, st.armed, want);
	return st.armed == want;
}

/* Runs op in a child stopped after every single instruction (where a
 * SIGKILL of chaos-shim-ctl lands), checking the segment each time.
 * Returns the number of instructions. */
static long step_through(struct cs_seg_handle *h,
			 void (*op)(struct cs_seg_handle *h))
{
	char why[256];
	long steps = 0;
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		op(h);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSTOPPED(status));
	for (;;) {
		if (!consistent(h->seg, why, sizeof(why))) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			fail_msg("after instruction %ld: %s", steps, why);
		}
		if (ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) < 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			skip(); /* no ptrace here (a sandbox, or a tracer) */
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (WIFEXITED(status) || WIFSIGNALED(status))
			break;
		steps++;
	}
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return steps;
}

static struct cs_table stepped_table;

static void publish_op(struct cs_seg_handle *h)
{
	cs_segment_publish(h->seg, &stepped_table, true);
}

static void pause_op(struct cs_seg_handle *h)
{
	cs_segment_set_paused(h->seg, true);
}

static void resume_op(struct cs_seg_handle *h)
{
	cs_segment_set_paused(h->seg, false);
}

static void destroy_op(struct cs_seg_handle *h)
{
	char err[256];

	cs_segment_destroy(h, err, sizeof(err));
}

/* Issue: a CLI killed inside a publish or a pause left the armed mask or
 * the paused flag disagreeing with the table until the next write. */
static void test_writer_killed_anywhere(void **state)
{
	struct cs_seg_handle h;
	struct cs_seg_state st;
	char err[256];

	(void)state;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	skip(); /* instrumented copies take millions of steps */
#endif
	assert_int_equal(cs_segment_anonymous(&h, err, sizeof(err)), 0);
	compile(&stepped_table);
	cs_segment_publish(h.seg, &stepped_table, true); /* connect armed */
	/* Arm clock, disarm connect: every armed bit changes. */
	stepped_table.rules[0].enabled = 0;
	stepped_table.rules[1].enabled = 1;
	assert_true(step_through(&h, publish_op) > 0);
	assert_int_equal(atomic_load(&h.seg->hdr.armed), CS_BIT(CS_FAM_CLOCK));
	step_through(&h, pause_op);
	assert_true(state_of(&h).paused);
	stepped_table.rules[0].enabled = 1;
	step_through(&h, publish_op); /* while paused */
	step_through(&h, resume_op);
	assert_int_equal(atomic_load(&h.seg->hdr.armed),
			 CS_BIT(CS_FAM_CONNECT) | CS_BIT(CS_FAM_CLOCK));
	step_through(&h, destroy_op);
	st = state_of(&h);
	assert_true(st.destroyed);
	assert_int_equal(st.publishes, 3);
	cs_segment_close(&h);
}

/* Issue: after exec a pid was listed twice (the image before exec had
 * registered it, and the new one registered it again). */
static void test_pids_once_and_stale(void **state)
{
	struct cs_seg_handle h;
	pid_t pids[CS_MAX_PIDS], dead = dead_pid();
	char err[256];

	(void)state;
	assert_int_equal(cs_segment_anonymous(&h, err, sizeof(err)), 0);
	cs_segment_register_pid(h.seg, getpid());
	cs_segment_register_pid(h.seg, getpid()); /* the exec'd image */
	assert_int_equal(atomic_load(&h.seg->pids[1]), 0);
	assert_int_equal(cs_segment_live_pids(h.seg, pids), 1);
	assert_int_equal(pids[0], getpid());
	/* One exit takes the pid out. */
	cs_segment_unregister_pid(h.seg, getpid());
	assert_int_equal(cs_segment_live_pids(h.seg, pids), 0);

	/* Twice in the table anyway (written by hand): listed once; a dead
	 * process not at all. */
	atomic_store(&h.seg->pids[3], getpid());
	atomic_store(&h.seg->pids[9], dead);
	atomic_store(&h.seg->pids[40], getpid());
	assert_int_equal(cs_segment_live_pids(h.seg, pids), 1);

	/* Stale: no attached process runs, and the creator is gone. */
	assert_int_equal(cs_segment_creator(h.seg), getpid());
	assert_false(cs_segment_is_stale(h.seg));
	h.seg->hdr.creator_pid = dead;
	assert_int_equal(cs_segment_creator(h.seg), 0);
	assert_false(cs_segment_is_stale(h.seg)); /* getpid() is attached */
	atomic_store(&h.seg->pids[3], 0);
	atomic_store(&h.seg->pids[40], 0);
	assert_true(cs_segment_is_stale(h.seg));
	h.seg->hdr.creator_pid = getpid();
	assert_false(cs_segment_is_stale(h.seg));
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
	scribble(current_slot(h));
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

int main(int argc, char **argv)
{
	(void)argc;
	/* Single-stepped, `rep movsb` traps once a byte: have memcpy use
	 * vector loops instead, which makes test_writer_killed_anywhere six
	 * times quicker. Tunables are read at start, hence the exec. */
	if (!getenv("GLIBC_TUNABLES") &&
	    setenv("GLIBC_TUNABLES", "glibc.cpu.x86_rep_movsb_threshold=1000000000", 1) == 0)
		execv("/proc/self/exe", argv);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_check),
		cmocka_unit_test(test_path),
		NAMED_TEST(test_create_and_open),
		NAMED_TEST(test_open_or_create_and_destroy),
		NAMED_TEST(test_destroy_wins_over_waiting_writer),
		NAMED_TEST(test_destroyed_file_left_behind),
		NAMED_TEST(test_attach_tree),
		NAMED_TEST(test_other_owner),
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
		cmocka_unit_test(test_writer_killed_anywhere),
		cmocka_unit_test(test_pids),
		cmocka_unit_test(test_pids_once_and_stale),
		cmocka_unit_test(test_validate_corrupted),
	};

	return cmocka_run_group_tests_name("segment", tests, NULL, NULL);
}
