/*
** run_watchdog.h — taskip-run's backstop for its --timeout (see
** run_watchdog.c). Internal to taskip-run.
*/
#ifndef TASKIP_RUN_WATCHDOG_H
#define TASKIP_RUN_WATCHDOG_H

/* Seconds after the script's time limit before the process is ended. */
#define RUN_WATCHDOG_GRACE 0.5

/* Ends the process with exit code 3 and one line on stderr naming
** script once `seconds` have passed, unless stopped first. 0, or -1
** when the thread cannot start. */
int run_watchdog_start(double seconds, const char *script);

/* The script has finished: the watchdog will not end the process.
** Its thread may still be running (it ends with the process). */
void run_watchdog_disarm(void);

/* The same, and the thread has ended. */
void run_watchdog_stop(void);

#endif
