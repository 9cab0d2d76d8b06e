/*
** sandbox_charge.c — memory the host holds for a script outside its Lua
** state: a call's record with its copies of the body and the URL, the
** attempt libcurl is carrying, a response body while it arrives, the
** result until the script has read it, the records of a parallel
** group's tasks. It counts against the same cap as the state: charges
** add to sb->mem_used, the figure the Lua allocator checks, so the
** script has one budget whichever side spends it.
**
** A charge is asked for before the memory is allocated and refused when
** it would pass the cap, so nothing is ever allocated over it. Whoever
** charges n bytes gives back exactly n, once, when they are freed: a
** call released (answered, cancelled, its script stopped), a transfer
** ended, a group done, and always before the state is closed.
**
** What stays outside the cap (measured with glibc, libcurl 7.88): about
** 0.2 MB per script, its state with the facade (RSS of a host with 101
** idle scripts minus one with 1, per script: 206 KB; 201 vs 101: 203
** KB), and about 13 MB for the host (libcurl, TLS, connections, idle
** easy handles). glibc adds slack: freed multi-megabyte blocks stay
** resident, up to about 10 MB per script in the memory attacks
** (spec/integration/host_memory_spec.lua allows 16 MB).
*/
#include <stdio.h>

#include "sandbox.h"

int sb_charge(sandbox *sb, size_t n) {
  if (sb->mem_cap != 0 &&
      (n > sb->mem_cap || sb->mem_used > sb->mem_cap - n))
    return -1;
  sb->mem_used += n;
  return 0;
}

void sb_uncharge(sandbox *sb, size_t n) {
  sb->mem_used = n <= sb->mem_used ? sb->mem_used - n : 0;
}

/* mem_cap - mem_script_cap is what the state held before the script
** ran (the facade): not the script's, and not under its cap. */
size_t sb_mem_in_use(const sandbox *sb) {
  size_t base;
  if (sb->mem_cap == 0)
    return sb->mem_used;
  base = sb->mem_cap - sb->mem_script_cap;
  return sb->mem_used > base ? sb->mem_used - base : 0;
}

void sb_format_bytes(size_t n, char *buf, size_t len) {
  if (n >= (10u << 20))
    snprintf(buf, len, "%zu MB", (n + (1u << 19)) >> 20);
  else if (n >= (1u << 20))
    snprintf(buf, len, "%.1f MB", (double)n / (1 << 20));
  else if (n >= (1u << 10))
    snprintf(buf, len, "%zu KB", (n + 512) >> 10);
  else
    snprintf(buf, len, "%zu bytes", n);
}

void sb_charge_refused(sandbox *sb, const char *what, size_t n) {
  char size[32], used[32];
  sb_format_bytes(n, size, sizeof(size));
  sb_format_bytes(sb_mem_in_use(sb), used, sizeof(used));
  sb_kill(sb, SB_LIMIT_MEMORY, "memory limit (%zu MB) exceeded: %s of %s "
          "(%s in use)", sb->mem_script_cap >> 20, what, size, used);
}
