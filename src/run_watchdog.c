/*
** run_watchdog.c — taskip-run's backstop for its --timeout.
**
** The host stops a script at its time limit through the count hook and
** the polls of the library functions (sandbox.c, sandbox_lib.c). This
** does not rely on either: a thread that, if the script is still
** running a grace period after its limit, prints one line and ends the
** process with exit code 3. The process is taskip-run's own, so ending
** it is allowed; an embedder of the host gets the hook's guarantees
** only (README, "Limits").
*/
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "run_watchdog.h"
#include "taskip_host.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake;
static pthread_t thread;
static int started, stopped;
static struct timespec fire_at;       /* CLOCK_MONOTONIC */
static char message[600];

static void *watch(void *arg) {
  int timed_out = 0;
  (void)arg;
  pthread_mutex_lock(&lock);
  while (!stopped && !timed_out)
    timed_out = pthread_cond_timedwait(&wake, &lock, &fire_at) == ETIMEDOUT;
  pthread_mutex_unlock(&lock);
  if (!stopped) {
    /* The main thread is stuck in the script: what it printed is
    ** flushed (stdio locks its streams), then the process ends. */
    fflush(stdout);
    if (write(STDERR_FILENO, message, strlen(message)) < 0)
      _exit(TASKIP_EXIT_LIMIT);
    _exit(TASKIP_EXIT_LIMIT);
  }
  return NULL;
}

int run_watchdog_start(double seconds, const char *script) {
  pthread_condattr_t attr;
  double whole;
  if (pthread_condattr_init(&attr) != 0)
    return -1;
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  if (pthread_cond_init(&wake, &attr) != 0) {
    pthread_condattr_destroy(&attr);
    return -1;
  }
  pthread_condattr_destroy(&attr);
  snprintf(message, sizeof(message), "taskip-run: %s: time limit (%g s) "
           "exceeded; the script did not stop, so the process was "
           "ended\n", script, seconds - RUN_WATCHDOG_GRACE);
  clock_gettime(CLOCK_MONOTONIC, &fire_at);
  seconds += (double)fire_at.tv_nsec / 1e9;
  whole = (double)(time_t)seconds;
  fire_at.tv_sec += (time_t)whole;
  fire_at.tv_nsec = (long)((seconds - whole) * 1e9);
  if (pthread_create(&thread, NULL, watch, NULL) != 0)
    return -1;
  started = 1;
  return 0;
}

void run_watchdog_disarm(void) {
  if (!started)
    return;
  pthread_mutex_lock(&lock);
  stopped = 1;
  pthread_cond_signal(&wake);
  pthread_mutex_unlock(&lock);
}

void run_watchdog_stop(void) {
  if (!started)
    return;
  run_watchdog_disarm();
  pthread_join(thread, NULL);
  pthread_cond_destroy(&wake);
  started = 0;
}
