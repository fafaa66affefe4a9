/* Loading a profile (a file or text) into a segment, with its seed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cs_profile.h"
#include "ctllib/ctllib.h"

int cs_ctl_parse_seed(const char *text, uint64_t *seed)
{
	char *end;
	unsigned long long value;

	if (!(*text >= '0' && *text <= '9'))
		return -1;
	errno = 0;
	value = strtoull(text, &end, 10);
	if (errno || *end)
		return -1;
	*seed = value;
	return 0;
}

/* The seed rules of CONTRACT.md: an explicit seed wins and counts as
 * fixed; a profile without one gets a random seed that `status` marks. */
static int choose_seed(struct cs_table *table, const char *seed_text,
		       struct chaos_shim_error *err)
{
	const char *origin = "--seed";

	if (!seed_text) {
		seed_text = getenv("CHAOS_SHIM_SEED");
		origin = "CHAOS_SHIM_SEED";
	}
	if (seed_text && *seed_text) {
		if (cs_ctl_parse_seed(seed_text, &table->seed) < 0)
			return cs_ctl_fail(err, CHAOS_SHIM_E_USAGE,
					   "bad seed '%s' in %s: expected a decimal integer",
					   seed_text, origin);
		table->has_seed = 1;
		return 0;
	}
	if (table->has_seed)
		return 0;
	if (getrandom(&table->seed, sizeof(table->seed), 0) !=
	    (ssize_t)sizeof(table->seed)) {
		int e = errno;
		cs_ctl_fail(err, CHAOS_SHIM_E_SYSTEM,
			    "cannot choose a random seed: %s", strerror(e));
		if (err)
			err->sys_errno = e;
		return -1;
	}
	/* 53 bits: JSON readers that hold numbers as doubles (jq, JavaScript)
	 * still read the seed back exactly, for --seed. */
	table->seed &= (1ull << 53) - 1;
	return 0;
}

static int publish_locked(struct cs_seg_handle *handle, void *arg,
			  struct chaos_shim_error *err)
{
	(void)err;
	cs_segment_publish(handle->seg, arg, true);
	return 0;
}

/* Where messages about a profile given as text point: "(profile:LINE)". */
#define TEXT_ORIGIN "profile"

static int compile(const char *path, const char *text, struct cs_table *table,
		   struct chaos_shim_error *err)
{
	char reason[CHAOS_SHIM_MESSAGE_MAX];
	int rc = 0;

	memset(table, 0, sizeof(*table));
	if (path)
		rc = cs_profile_compile_file(path, table, reason, sizeof(reason));
	else if (text)
		rc = cs_profile_compile_string(text, TEXT_ORIGIN, table, reason,
					       sizeof(reason));
	return rc < 0 ? cs_ctl_fail(err, CHAOS_SHIM_E_PROFILE, "%s", reason) : 0;
}

int cs_ctl_load(const struct chaos_shim_segment *seg, enum cs_seg_mode mode,
		const char *path, const char *text, const char *seed_text,
		struct chaos_shim_error *err)
{
	struct cs_table *table = malloc(sizeof(*table));
	int rc = -1;

	if (!table)
		return cs_ctl_fail(err, CHAOS_SHIM_E_SYSTEM, "out of memory");
	if (compile(path, text, table, err) == 0 &&
	    choose_seed(table, seed_text, err) == 0)
		rc = cs_ctl_with_segment(seg, mode, publish_locked, table, err);
	free(table);
	return rc;
}
