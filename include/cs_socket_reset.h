/* Resetting a connection for real, from whichever process holds the
 * socket: the shim in the program, or the seccomp supervisor on its copy. */
#ifndef CS_SOCKET_RESET_H
#define CS_SOCKET_RESET_H

#include <stdbool.h>

/* TCP: an RST goes out, and the program's later calls on the socket agree;
 * anything else is shut down. Keeps errno. Never goes through a wrapper of
 * connect (a raw system call). */
void cs_socket_reset(int fd, bool tcp);

#endif
