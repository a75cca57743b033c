/* The sandbox's pause process: sleeps, reaps orphans, and exits on SIGINT/SIGTERM (as PID 1 it
 * gets no default handlers, so without these the runtime could only SIGKILL it). */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void stop(int sig) { (void)sig; _exit(0); }
static void reap(int sig) { (void)sig; while (waitpid(-1, 0, WNOHANG) > 0) {} }

int main(void) {
  signal(SIGINT, stop);
  signal(SIGTERM, stop);
  signal(SIGCHLD, reap);
  for (;;) pause();
}
