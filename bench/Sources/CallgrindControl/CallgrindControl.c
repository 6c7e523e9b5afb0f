#include "CallgrindControl.h"

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define FIREHOUSE_HAS_CALLGRIND 1
#endif
#endif

void firehouse_callgrind_zero(void) {
#ifdef FIREHOUSE_HAS_CALLGRIND
    CALLGRIND_ZERO_STATS;
#endif
}

void firehouse_callgrind_dump(const char *reason) {
#ifdef FIREHOUSE_HAS_CALLGRIND
    CALLGRIND_DUMP_STATS_AT(reason);
#else
    (void)reason;
#endif
}

int firehouse_running_on_valgrind(void) {
#ifdef FIREHOUSE_HAS_CALLGRIND
    return RUNNING_ON_VALGRIND ? 1 : 0;
#else
    return 0;
#endif
}
