/*
** host_values.h — what the host's files use of taskip_value beyond the
** public API (host_values.c). Not a public API.
*/
#ifndef TASKIP_HOST_VALUES_H
#define TASKIP_HOST_VALUES_H

#include <stddef.h>

#include "taskip_host.h"

/* Takes item i out of array (leaving nil in its place) and returns it,
** owned by the caller; NULL if there is none. */
taskip_value *host_value_detach(taskip_value *array, size_t i);

#endif
