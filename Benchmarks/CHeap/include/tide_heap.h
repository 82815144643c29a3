/* Heap statistics for the benchmarks (glibc's mallinfo2, which Swift's Glibc module does not export). */
#include <stddef.h>
size_t tide_heap_in_use(void);
