/* CHAOS_SHIM_PROFILE across exec. The first process under a profile
 * compiles it into a private segment (a memfd) and hands the descriptor to
 * the programs it execs, naming it in CHAOS_SHIM_PROFILE_FD; they, and
 * theirs, attach to the same segment instead of compiling the profile
 * afresh, so the whole process tree shares the counters (`after`, `count`)
 * and the seed, as under `chaos-shim-ctl run`. Nothing is left behind: the
 * memory goes when the last process holding it ends. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "shim/shim.h"

#define INHERIT_VAR "CHAOS_SHIM_PROFILE_FD"
/* Above the numbers programs and shells use for their own redirections. */
#define INHERIT_FD_MIN 100

int cs_inherit_attach(const char *profile, struct cs_seg_handle *handle)
{
	const char *value = getenv(INHERIT_VAR);
	char err[256], msg[400];
	unsigned long long ino;
	int fd, used = 0;
	struct stat st;
	if (!value || sscanf(value, "%d:%llu:%n", &fd, &ino, &used) != 2 ||
	    !used || strcmp(value + used, profile) != 0)
		return 0; /* none, or handed down for another profile */
	if (fd < 0 || fstat(fd, &st) < 0 || (unsigned long long)st.st_ino != ino) {
		snprintf(msg, sizeof msg,
			 "the profile's counters handed down as fd %d are gone "
			 "(closed or reused before this program started): this process "
			 "counts on its own, with its own seed", fd);
		cs_say(msg);
		return 0;
	}
	if (cs_segment_attach_fd(fd, handle, err, sizeof err) < 0) {
		snprintf(msg, sizeof msg, "%s: this process counts on its own", err);
		cs_say(msg);
		return 0;
	}
	return 1;
}

void cs_inherit_pass_down(const char *profile, struct cs_seg_handle *handle)
{
	char value[CS_PATH_MAX + 48];
	struct stat st;
	if (handle->fd < 0)
		return; /* no memfd: children compile the profile afresh */
	int fd = fcntl(handle->fd, F_DUPFD, INHERIT_FD_MIN);
	if (fd < 0)
		fd = fcntl(handle->fd, F_DUPFD, 3); /* a low RLIMIT_NOFILE */
	if (fd < 0 || fstat(fd, &st) < 0)
		return;
	cs_real_close(handle->fd);
	handle->fd = fd;
	if ((size_t)snprintf(value, sizeof value, "%d:%llu:%s", fd,
			     (unsigned long long)st.st_ino, profile) < sizeof value)
		setenv(INHERIT_VAR, value, 1);
}
