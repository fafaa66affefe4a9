/* Where chaos-shim-ctl finds its companions from its own path: the preload
 * library and the scenario profiles, installed ($PREFIX/bin beside
 * $PREFIX/lib and $PREFIX/share) or in the build tree (build/ beside the
 * source's profiles/). Nothing is compiled in, so a moved or unpacked
 * installation still finds its parts. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl/ctl.h"

int cs_ctl_program_dir(char *out, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", out, len - 1);

	if (n < 0)
		return -1;
	out[n] = '\0';
	*strrchr(out, '/') = '\0';
	return 0;
}

/* Installed first, then the source tree a build/ directory sits in (or a
 * sanitizer build's build/asan, build/tsan). */
static const char *const profile_dirs[] = {
	"/../share/chaos-shim/profiles",
	"/../profiles",
	"/../../profiles",
};

int cs_ctl_profile_dir(char *out, size_t len)
{
	char dir[PATH_MAX];
	struct stat st;

	if (cs_ctl_program_dir(dir, sizeof(dir)) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(profile_dirs) / sizeof(*profile_dirs); i++) {
		if ((size_t)snprintf(out, len, "%s%s", dir, profile_dirs[i]) < len &&
		    stat(out, &st) == 0 && S_ISDIR(st.st_mode))
			return 0;
	}
	errno = ENOENT;
	return -1;
}

static bool is_bare_name(const char *arg)
{
	return *arg && !strchr(arg, '/') && strcmp(arg, ".") && strcmp(arg, "..");
}

const char *cs_ctl_profile_path(const char *arg, char *buf, size_t len)
{
	char dir[PATH_MAX];
	static const char *const suffixes[] = {".cfg", ""};

	if (!is_bare_name(arg) || access(arg, F_OK) == 0 ||
	    cs_ctl_profile_dir(dir, sizeof(dir)) < 0)
		return arg;
	for (size_t i = 0; i < 2; i++)
		if ((size_t)snprintf(buf, len, "%s/%s%s", dir, arg, suffixes[i]) < len &&
		    access(buf, F_OK) == 0)
			return buf;
	return arg;
}
