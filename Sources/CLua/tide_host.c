/*
** tide_host.c: Swift functions callable from Lua, and error objects.
**
** A host function is a C closure of tide_trampoline whose upvalue 1 is a full
** userdata holding an opaque pointer to a retained Swift box; the userdata's
** __gc releases the box. The trampoline calls the Swift dispatcher and acts on
** its status after the Swift frame has returned: raise, yield, or return.
*/
#include "tide_lua.h"

#include <string.h>

static tide_host_dispatch_fn tide_dispatch = NULL;
static tide_host_release_fn tide_release = NULL;

static char tide_box_metatable_key;
static char tide_error_metatable_key;
static char tide_yield_marker;

void tide_set_host_callbacks(tide_host_dispatch_fn dispatch, tide_host_release_fn release) {
    tide_dispatch = dispatch;
    tide_release = release;
}


/* __gc of a box userdata: releases the Swift box. Trivial on purpose: finalizers run without hooks. */
static int tide_box_gc(lua_State *L) {
    void **slot = (void **)lua_touserdata(L, 1);
    if (slot != NULL && *slot != NULL && tide_release != NULL) {
        tide_release(*slot);
        *slot = NULL;
    }
    return 0;
}


/*
** Makes a pending memory error real once no Swift frame is live: if the host
** overshot the cap or the running run's share (values a host function pushed,
** such as a process's output), a small allocation now fails (after an emergency
** collection) and Lua raises LUA_ERRMEM from this C frame.
*/
static void tide_enforce_memory(lua_State *L) {
    tide_control *ctl = tide_getcontrol(L);
    tide_account *account = ctl->account;
    if ((ctl->mem_limit != 0 && ctl->mem_used + ctl->mem_external > ctl->mem_limit) ||
        (account->limit != 0 && account->used > account->limit)) {
        lua_newuserdatauv(L, 64, 0);
        lua_pop(L, 1);
    }
}


/* Continuation of a host function that yielded: returns the resume values, or raises. */
static int tide_host_continue(lua_State *L, int status, lua_KContext ctx) {
    tide_control *ctl = tide_getcontrol(L);
    (void)status;
    if (ctl->resume_error) {
        ctl->resume_error = 0;  /* the owner pushed the error object */
        if (lua_type(L, -1) == LUA_TSTRING) {
            luaL_where(L, 1);
            lua_insert(L, -2);
            lua_concat(L, 2);
        }
        return lua_error(L);
    }
    return lua_gettop(L) - (int)ctx;  /* everything above the original arguments */
}


static int tide_trampoline(lua_State *L) {
    tide_control *ctl = tide_getcontrol(L);
    void **slot = (void **)lua_touserdata(L, lua_upvalueindex(1));
    int nargs = lua_gettop(L);
    int saved = ctl->host_depth;
    ctl->host_depth = saved + 1;
    int r = tide_dispatch(L, *slot);
    ctl->host_depth = saved;
    if (saved == 0) tide_enforce_memory(L);
    if (r >= 0) return r;
    switch (r) {
    case TIDE_HOST_ERROR:
        if (lua_type(L, -1) == LUA_TSTRING) {  /* add the caller's place, as luaL_error does */
            luaL_where(L, 1);
            lua_insert(L, -2);
            lua_concat(L, 2);
        }
        return lua_error(L);
    case TIDE_HOST_YIELD:
        ctl->host_yield = 1;
        lua_settop(L, nargs);
        lua_pushlightuserdata(L, &tide_yield_marker);
        return lua_yieldk(L, 1, (lua_KContext)nargs, tide_host_continue);
    default:
        return lua_error(L);
    }
}


void tide_push_host_function(lua_State *L, void *box) {
    void **slot = (void **)lua_newuserdatauv(L, sizeof(void *), 0);
    *slot = box;
    lua_rawgetp(L, LUA_REGISTRYINDEX, &tide_box_metatable_key);
    lua_setmetatable(L, -2);
    lua_pushcclosure(L, tide_trampoline, 1);
}


int tide_is_yield_marker(lua_State *L, int idx) {
    return lua_type(L, idx) == LUA_TLIGHTUSERDATA && lua_touserdata(L, idx) == &tide_yield_marker;
}

void tide_push_yield_marker(lua_State *L) { lua_pushlightuserdata(L, &tide_yield_marker); }


/*
** {======================================================
** Error objects
** =======================================================
*/

/* __tostring of host error tables: "CODE: message", read with raw access only. */
static int tide_error_tostring(lua_State *L) {
    lua_pushliteral(L, "code");
    lua_rawget(L, 1);
    lua_pushliteral(L, "message");
    lua_rawget(L, 1);
    const char *code = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "ERROR";
    const char *message = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "(no message)";
    lua_pushfstring(L, "%s: %s", code, message);
    return 1;
}

void tide_set_error_metatable(lua_State *L, int idx) {
    idx = lua_absindex(L, idx);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &tide_error_metatable_key);
    lua_setmetatable(L, idx);
}

/*
** Replaces the error object on top of L with {error, traceback, source, line}:
** the traceback of thread co from `level`, and the chunk name and line of the
** innermost Lua function on it. Never looks inside the error object, so a
** hostile __tostring cannot run. Uses only API that can fail for memory alone.
*/
void tide_push_error_info(lua_State *L, lua_State *co, int level) {
    lua_Debug ar;
    lua_createtable(L, 4, 0);
    lua_rotate(L, -2, 1);
    lua_rawseti(L, -2, 1);
    luaL_traceback(L, co, NULL, level);
    lua_rawseti(L, -2, 2);
    for (int lv = level; lua_getstack(co, lv, &ar); lv++) {
        if (lua_getinfo(co, "Sl", &ar) && ar.currentline > 0) {
            lua_pushstring(L, ar.source);
            lua_rawseti(L, -2, 3);
            lua_pushinteger(L, ar.currentline);
            lua_rawseti(L, -2, 4);
            break;
        }
    }
}

/*
** raise(code, message [, level]): raises {code = code, message = where .. message}
** with the error metatable, where is the place `level` frames up (default 1).
** Used by the sandbox prelude for violations and require errors.
*/
static int tide_raise(lua_State *L) {
    const char *code = luaL_checkstring(L, 1);
    const char *msg = luaL_checkstring(L, 2);
    int level = (int)luaL_optinteger(L, 3, 1);
    lua_createtable(L, 0, 2);
    lua_pushstring(L, code);
    lua_setfield(L, -2, "code");
    luaL_where(L, level);
    lua_pushstring(L, msg);
    lua_concat(L, 2);
    lua_setfield(L, -2, "message");
    tide_set_error_metatable(L, -1);
    return lua_error(L);
}

void tide_push_raise_function(lua_State *L) { lua_pushcfunction(L, tide_raise); }

/* Creates the registry metatables; runs inside tide_setup's protected call. */
int tide_install_host_metatables(lua_State *L) {
    lua_createtable(L, 0, 2);
    lua_pushcfunction(L, tide_box_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &tide_box_metatable_key);
    lua_createtable(L, 0, 2);
    lua_pushcfunction(L, tide_error_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "tide.error");
    lua_setfield(L, -2, "__name");
    lua_pushliteral(L, "tide.error");
    lua_setfield(L, -2, "__metatable");  /* scripts cannot reach or change the shared metatable */
    lua_rawsetp(L, LUA_REGISTRYINDEX, &tide_error_metatable_key);
    return 0;
}
/* }====================================================== */
