/*
** lversion.h — taskip.core refuses, with a message, to run in a Lua
** other than the one it was built for (see lversion.c).
*/
#ifndef TASKIP_LVERSION_H
#define TASKIP_LVERSION_H

#include <lua.h>

/* Raises "taskip.core was built for Lua X but this is Lua Y ..." when
** the running Lua is not the one lua.h described at build time. Uses
** only functions every Lua from 5.1 to 5.4 has. */
void lversion_check(lua_State *L);

#endif
