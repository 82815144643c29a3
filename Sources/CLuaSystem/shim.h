/* Debian's liblua5.4-dev headers, found through pkg-config lua5.4 (-I/usr/include/lua5.4). */
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
