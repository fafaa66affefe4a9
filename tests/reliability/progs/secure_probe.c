/* Loads the shim given as its argument and reads time() through it: prints
 * whether the kernel marked the program for secure execution (AT_SECURE,
 * e.g. setuid) and how far the shim's clock is from the kernel's. */
#include <dlfcn.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: secure_probe LIBCHAOS-SHIM.SO\n");
		return 2;
	}
	void *shim = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	time_t (*shim_time)(time_t *) = shim ? (time_t(*)(time_t *))dlsym(shim, "time") : NULL;
	if (!shim_time) {
		fprintf(stderr, "secure_probe: %s\n", dlerror());
		return 1;
	}
	long skew = (long)(shim_time(NULL) - (time_t)syscall(SYS_time, NULL));
	printf("secure=%lu skew=%ld\n", getauxval(AT_SECURE), skew);
	return 0;
}
