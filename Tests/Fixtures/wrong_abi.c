/* A plugin built for another ABI version: the host must refuse it before touching any Swift type. */
#include <stdint.h>
uint32_t vigil_plugin_entry(uint32_t host_abi, void **out) {
    (void)host_abi;
    if (out) *out = (void *)0x1; /* garbage: the host must never read it */
    return 999;
}
