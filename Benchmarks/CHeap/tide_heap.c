#include "tide_heap.h"

#if defined(__linux__)
#include <malloc.h>
/* Bytes in use by malloc'ed blocks (glibc mallinfo2().uordblks). */
size_t tide_heap_in_use(void) { return mallinfo2().uordblks; }
#else
size_t tide_heap_in_use(void) { return 0; }
#endif
