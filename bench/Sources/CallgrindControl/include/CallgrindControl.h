#ifndef FIREHOUSE_CALLGRIND_CONTROL_H
#define FIREHOUSE_CALLGRIND_CONTROL_H

/// Callgrind's client requests for Swift (they are C macros of inline assembly): zero the counters
/// before a measured phase and dump them after it. Outside valgrind, or where valgrind's headers
/// are not installed, they do nothing.
void firehouse_callgrind_zero(void);
void firehouse_callgrind_dump(const char *reason);
/// Non-zero when running under valgrind (and its headers were present at build time).
int firehouse_running_on_valgrind(void);

#endif
