/*
** watchdog-test: taskip-run's backstop (src/run_watchdog.c) ends a
** process whose main thread never comes back, and leaves one alone that
** dismissed it. Each case runs in a child process; the parent reports.
**
** Prints "stuck: exit CODE after SECONDS s" and "dismissed: exit CODE";
** the child's own output (its stdout, flushed by the watchdog, and the
** watchdog's line on stderr) comes in between. Run by
** spec/integration/host_preemption_spec.lua.
*/
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run_watchdog.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits for pid at most `limit` seconds (then kills it): its exit code,
** or -1. */
static int wait_for(pid_t pid, double limit) {
  double end = now() + limit;
  int status;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (now() > end) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    usleep(10000);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(void) {
  double t0 = now();
  pid_t pid;
  int code;
  fflush(stdout);
  pid = fork();
  if (pid == 0) {                       /* a script stuck in one C call */
    volatile unsigned long spin = 0;
    printf("output before the end\n");  /* buffered: a pipe */
    if (run_watchdog_start(0.2 + RUN_WATCHDOG_GRACE, "stuck.lua") != 0)
      _exit(99);
    for (;;)
      spin++;
  }
  code = wait_for(pid, 10);
  printf("stuck: exit %d after %.2f s\n", code, now() - t0);
  fflush(stdout);
  pid = fork();
  if (pid == 0) {                       /* a script that finished */
    if (run_watchdog_start(0.1, "quick.lua") != 0)
      _exit(99);
    run_watchdog_stop();
    usleep(300000);                     /* well past the watchdog's time */
    _exit(0);
  }
  printf("dismissed: exit %d\n", wait_for(pid, 10));
  return 0;
}
