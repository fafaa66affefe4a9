/* Starts without OpenSSL, then dlopens a module linked with libssl (as
 * python3 imports ssl) and makes a TLS round trip through it. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: tls_dlopen MODULE.so PORT\n");
		return 2;
	}
	usleep(10000); /* well after start-up */
	void *module = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	int (*echo)(int) = module ? (int (*)(int))dlsym(module, "cs_tls_echo") : NULL;
	if (!echo) {
		fprintf(stderr, "tls_dlopen: %s\n", dlerror());
		return 1;
	}
	if (echo(atoi(argv[2])) < 0)
		return 1;
	printf("tls ok\n");
	return 0;
}
