/* Linked with libctor.so, whose constructor and destructor make intercepted
 * calls around the shim's own start-up and shut-down; main makes them too. */
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

const char *cs_ctor_verdict(void);

int main(void)
{
	if (!cs_ctor_verdict()[0])
		return 1;
	fprintf(stderr, "ctor-prog: main skew=%ld\n",
		(long)(time(NULL) - (time_t)syscall(SYS_time, NULL)));
	return 0;
}
