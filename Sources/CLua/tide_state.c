/*
** tide_state.c: a Lua state with a memory cap, a count hook for deadlines and
** cancellation, and protected entry points that enforce the cap while Lua runs.
*/
#include "tide_lua.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


int64_t tide_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}


tide_control *tide_getcontrol(lua_State *L) {
    return *(tide_control **)lua_getextraspace(L);
}


/*
** {======================================================
** Allocator: refuses growth past mem_limit while Lua code runs; what the host
** holds for the state (mem_external) counts against the same limit. While a host
** frame is on top (host_depth > 0) it lets the state overshoot, because a memory
** error raised inside an API call made from Swift would longjmp through Swift;
** the trampoline enforces the cap once the Swift frame has returned.
** Frees and shrinks are never refused.
**
** Every block starts with a header naming the account that owns it: the run that
** grew it last (a run's coroutine charges ctl->account). A run with a share of
** its own (account->limit) is refused growth past it, so the task that allocates
** too much is the one that fails, not a neighbour that happens to allocate when
** the state is full. Frees credit the owner, whoever runs when the collector
** frees the block.
** =======================================================
*/
typedef struct tide_block {
    tide_account *owner;  /* 8 bytes: what follows stays aligned as Lua needs (LUAI_MAXALIGN, 8) */
} tide_block;
_Static_assert(sizeof(tide_block) == 8, "a block header is one pointer");

#define TIDE_HEADER sizeof(tide_block)

/* An account that owns nothing goes back to the state's pool (or is freed, if abandoned). */
static void tide_release_account(tide_control *ctl, tide_account *account) {
    if (ctl == NULL) {
        free(account);
        return;
    }
    account->next = ctl->free_accounts;
    ctl->free_accounts = account;
}

static void tide_credit(tide_control *ctl, tide_account *account, size_t bytes) {
    account->used -= bytes;
    if (account->retired && account->used == 0) tide_release_account(account->retired > 1 ? NULL : ctl, account);
}

static void *tide_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    tide_control *ctl = (tide_control *)ud;
    size_t old = ptr ? osize : 0;  /* with ptr == NULL, osize is a type tag */
    tide_block *block = ptr ? (tide_block *)ptr - 1 : NULL;
    if (nsize == 0) {
        if (block != NULL) {
            tide_credit(ctl, block->owner, old);
            free(block);
        }
        ctl->mem_used -= old;
        return NULL;
    }
    tide_account *payer = nsize > old ? ctl->account : block->owner;  /* growth is charged to who grows it */
    if (nsize > old && ctl->host_depth == 0) {
        if (ctl->mem_limit != 0 && ctl->mem_used + ctl->mem_external - old + nsize > ctl->mem_limit) {
            ctl->mem_refusals++;
            return NULL;  /* Lua runs an emergency collection and retries, then raises LUA_ERRMEM */
        }
        size_t charged = (block != NULL && block->owner == payer) ? old : 0;
        if (payer->limit != 0 && payer->used - charged + nsize > payer->limit) {
            payer->refusals++;
            ctl->mem_refusals++;
            return NULL;
        }
    }
    tide_account *previous = block != NULL ? block->owner : NULL;
    tide_block *grown = (tide_block *)realloc(block, nsize + TIDE_HEADER);
    if (grown == NULL) return NULL;
    if (previous != NULL) {
        if (previous == payer) payer->used -= old;
        else tide_credit(ctl, previous, old);
    }
    grown->owner = payer;
    payer->used += nsize;
    ctl->mem_used = ctl->mem_used - old + nsize;
    if (ctl->mem_used > ctl->mem_peak) ctl->mem_peak = ctl->mem_used;
    return grown + 1;
}

tide_account *tide_account_new(tide_control *ctl, size_t limit) {
    tide_account *account = ctl->free_accounts;
    if (account != NULL) {
        ctl->free_accounts = account->next;
        memset(account, 0, sizeof *account);
    } else {
        account = (tide_account *)calloc(1, sizeof(tide_account));
        if (account == NULL) return NULL;
    }
    account->limit = limit;
    return account;
}

void tide_account_retire(tide_control *ctl, tide_account *account) {
    account->retired = 1;
    if (account->used == 0) tide_release_account(ctl, account);
}

void tide_account_abandon(tide_account *account) {
    account->retired = 2;  /* freed, not pooled, once it owns nothing: its state may be gone */
    if (account->used == 0) free(account);
}
/* }====================================================== */


static int tide_panic(lua_State *L) {
    const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "(error object is not a string)";
    fprintf(stderr, "tide: PANIC: unprotected error in call to Lua API (%s)\n", msg);
    return 0;  /* Lua aborts */
}


lua_State *tide_newstate(void) {
    tide_control *ctl = (tide_control *)calloc(1, sizeof(tide_control));
    if (ctl == NULL) return NULL;
    ctl->host_depth = 1;  /* the host owns the state until it runs Lua code */
    ctl->account = &ctl->host_account;
    ctl->hook_interval = 1000;
    ctl->max_pattern_subject = 1 << 20;
    ctl->max_pattern_cost = 5e7;
    ctl->max_string_result = 16 << 20;
    ctl->max_table_span = 10000000;
    lua_State *L = lua_newstate(tide_alloc, ctl);
    if (L == NULL) {
        free(ctl);
        return NULL;
    }
    *(tide_control **)lua_getextraspace(L) = ctl;
    lua_atpanic(L, tide_panic);
    return L;
}


void tide_closestate(lua_State *L) {
    tide_control *ctl = tide_getcontrol(L);
    ctl->host_depth = 1;
    ctl->deadline_ns = 0;
    ctl->instructions_limited = 0;
    ctl->cancel_flag = NULL;
    ctl->kill_reason = TIDE_KILL_NONE;
    lua_close(L);
    while (ctl->free_accounts != NULL) {
        tide_account *next = ctl->free_accounts->next;
        free(ctl->free_accounts);
        ctl->free_accounts = next;
    }
    free(ctl);
}


/*
** {======================================================
** Count hook. Fires every hook_interval VM instructions of every thread.
** It decides whether the run must stop (cancel flag, instruction budget,
** deadline) and then stops it: by a yield of the run's own coroutine when it
** can (no script pcall, xpcall handler or __close can catch a yield), otherwise
** by an error, re-arming itself to fire on every instruction so that a script
** pcall loop cannot swallow it (lua.c's lstop, Redis' luaMaskCountHook).
** =======================================================
*/
static const char *tide_kill_message(int reason) {
    switch (reason) {
    case TIDE_KILL_CANCELLED: return "script cancelled";
    case TIDE_KILL_INSTRUCTIONS: return "script exceeded its instruction limit";
    case TIDE_KILL_HELD: return "script ran too long where it could not be paused";
    default: return "script exceeded its time limit";
    }
}

/* The thread's CPU time, for the hold cap: a machine too busy to run the process does not count. */
static int64_t tide_thread_cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + 1;
}

/* Whether the run has been held (unpausable past its slice) for hold_ns of CPU time. */
static int tide_held_too_long(tide_control *ctl) {
    int64_t cpu = tide_thread_cpu_ns();
    if (ctl->hold_started_ns == 0) ctl->hold_started_ns = cpu;
    return ctl->hold_ns != 0 && cpu - ctl->hold_started_ns >= ctl->hold_ns;
}

/*
** The end of a slice: a run that has used its slice is paused by a yield of the
** coroutine running now, so that the other runs of the state get a turn. The run's
** own coroutine says so in ctl->preempted, which the host sees when the resume
** returns; a coroutine the script created is named in ctl->paused_thread, which the
** prelude's resume reads as soon as the coroutine returns (resume_checked) and
** passes on by pausing its own caller (pause()), up to the run's coroutine.
** Where no yield is possible (inside a C function that called Lua: a table.sort
** comparator, a string.gsub callback, a metamethod called from C), the run goes on,
** and once it has used hold_ns more of its thread's CPU time that way it is
** stopped. A coroutine resumed from such a callback can yield, but its resumer
** cannot pass the pause on (pause_refused): its pauses count as held time too.
** Returns the kill reason the slice decides, TIDE_KILL_NONE, or -1 for a pause.
*/
static int tide_slice(lua_State *L, tide_control *ctl, int64_t now) {
    if (now < ctl->slice_end_ns) return TIDE_KILL_NONE;
    if (lua_isyieldable(L)) {
        if (L == ctl->root || !ctl->pause_refused) ctl->hold_started_ns = 0;  /* pausable again */
        else if (tide_held_too_long(ctl)) return TIDE_KILL_HELD;
        if (L == ctl->root) ctl->preempted = 1;
        else ctl->paused_thread = L;
        return -1;
    }
    if (tide_held_too_long(ctl)) return TIDE_KILL_HELD;
    return TIDE_KILL_NONE;
}

static void tide_hook(lua_State *L, lua_Debug *ar) {
    tide_control *ctl = tide_getcontrol(L);
    (void)ar;
    if (ctl->kill_reason == TIDE_KILL_NONE) {
        int64_t now = (ctl->deadline_ns != 0 || ctl->slice_ns != 0) ? tide_now_ns() : 0;
        int sliced;
        if (ctl->cancel_flag != NULL && tide_flag_get(ctl->cancel_flag))
            ctl->kill_reason = TIDE_KILL_CANCELLED;
        else if (ctl->instructions_limited && (ctl->instructions_left -= ctl->hook_interval) <= 0)
            ctl->kill_reason = TIDE_KILL_INSTRUCTIONS;
        else if (ctl->deadline_ns != 0 && now >= ctl->deadline_ns)
            ctl->kill_reason = TIDE_KILL_TIMEOUT;
        else if (ctl->slice_ns != 0 && (sliced = tide_slice(L, ctl, now)) != TIDE_KILL_NONE) {
            if (sliced < 0) {
                lua_yield(L, 0);  /* a pause, not a kill; from a hook lua_yield returns: nothing may follow it */
                return;
            }
            ctl->kill_reason = sliced;
        } else {
            if (lua_gethookcount(L) != ctl->hook_interval)  /* a thread re-armed by an earlier kill */
                tide_arm_hook(L);
            return;
        }
    }
    if (L == ctl->root && lua_isyieldable(L)) {
        lua_yield(L, 0);  /* from a hook lua_yield returns: nothing may follow it */
        return;
    }
    lua_sethook(L, tide_hook, LUA_MASKCOUNT, 1);
    luaL_error(L, "%s", tide_kill_message(ctl->kill_reason));
}

/* The value resume_checked returns after true when the slice's end paused the coroutine. */
static char tide_pause_key;

/*
** resume_checked(co, ...): coroutine.resume (its upvalue), then, before any Lua
** code can run, whether the slice's end paused co: then it returns true and the
** pause marker instead of co's (empty) yield, so that the prelude tells a pause
** from a yield of no values and passes the pause on.
*/
static int tide_resume_checked(lua_State *L) {
    lua_State *co = lua_tothread(L, 1);
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    tide_control *ctl = tide_getcontrol(L);
    if (co != NULL && ctl->paused_thread == co) {
        ctl->paused_thread = NULL;
        lua_settop(L, 0);
        lua_pushboolean(L, 1);
        lua_pushlightuserdata(L, &tide_pause_key);
        return 2;
    }
    return lua_gettop(L);
}

/*
** pause(): pauses the running coroutine for the slice's end, as the hook does, so
** that its resumer passes the pause on. Where it cannot yield, the rest of the
** slice is held instead (the hold cap applies) and it returns at once.
*/
static int tide_pause(lua_State *L) {
    tide_control *ctl = tide_getcontrol(L);
    if (!lua_isyieldable(L)) {
        ctl->pause_refused = 1;  /* the hook's hold cap applies meanwhile */
        return 0;
    }
    ctl->pause_refused = 0;
    if (L == ctl->root) ctl->preempted = 1;
    else ctl->paused_thread = L;
    return lua_yield(L, 0);
}

void tide_push_preempt_functions(lua_State *L) {
    lua_getglobal(L, LUA_COLIBNAME);
    lua_getfield(L, -1, "resume");
    lua_remove(L, -2);
    lua_pushcclosure(L, tide_resume_checked, 1);
    lua_pushcfunction(L, tide_pause);
    lua_pushlightuserdata(L, &tide_pause_key);
}

void tide_arm_hook(lua_State *L) {
    tide_control *ctl = tide_getcontrol(L);
    lua_sethook(L, tide_hook, LUA_MASKCOUNT, ctl->hook_interval);
}
/* }====================================================== */


/*
** {======================================================
** Cancel flags
** =======================================================
*/
void *tide_flag_new(void) {
    atomic_int *flag = (atomic_int *)malloc(sizeof(atomic_int));
    if (flag != NULL) atomic_init(flag, 0);
    return flag;
}

void tide_flag_set(void *flag) { atomic_store_explicit((atomic_int *)flag, 1, memory_order_relaxed); }

int tide_flag_get(void *flag) { return atomic_load_explicit((atomic_int *)flag, memory_order_relaxed); }

void tide_flag_free(void *flag) { free(flag); }
/* }====================================================== */


/*
** {======================================================
** Entry points that run Lua code. Each sets host_depth to 0 so that the memory
** cap is enforced while Lua runs, and restores it afterwards. None of them can
** raise: lua_load, lua_pcall, lua_resume and lua_resetthread catch everything.
** =======================================================
*/
int tide_load(lua_State *L, const char *buf, size_t len, const char *chunkname) {
    tide_control *ctl = tide_getcontrol(L);
    int saved = ctl->host_depth;
    ctl->host_depth = 0;
    int status = luaL_loadbufferx(L, buf, len, chunkname, "t");  /* text only: bytecode is never verified */
    ctl->host_depth = saved;
    return status;
}

/* Message handler: wraps the error object with its traceback and place. */
static int tide_msghandler(lua_State *L) {
    tide_push_error_info(L, L, 1);
    return 1;
}

int tide_pcall(lua_State *L, int nargs, int nresults) {
    tide_control *ctl = tide_getcontrol(L);
    int base = lua_gettop(L) - nargs;  /* function index */
    lua_pushcfunction(L, tide_msghandler);
    lua_rotate(L, base, 1);  /* put it under the function */
    int saved = ctl->host_depth;
    ctl->host_depth = 0;
    int status = lua_pcall(L, nargs, nresults, base);
    ctl->host_depth = saved;
    lua_rotate(L, base, -1);
    lua_settop(L, -2);  /* remove the message handler */
    return status;
}

int tide_resume(lua_State *co, lua_State *from, int nargs, int *nresults) {
    tide_control *ctl = tide_getcontrol(co);
    int saved = ctl->host_depth;
    ctl->host_depth = 0;
    int status = lua_resume(co, from, nargs, nresults);
    ctl->host_depth = saved;
    return status;
}

int tide_reset_thread(lua_State *co) {
    tide_control *ctl = tide_getcontrol(co);
    int saved = ctl->host_depth;
    ctl->host_depth = 0;
    int status = lua_resetthread(co);  /* Debian's 5.4.4: one argument; runs pending __close */
    ctl->host_depth = saved;
    return status;
}
/* }====================================================== */


/*
** {======================================================
** Library setup, run under lua_pcall by tide_setup: opens only the safe
** libraries, removes what scripts must never reach even indirectly, installs the
** input guards and locks the string metatable.
** =======================================================
*/
static const char *const tide_removed_globals[] = {
    "dofile", "loadfile", "print", "warn", NULL
};

static int tide_setup_protected(lua_State *L) {
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base},       {LUA_COLIBNAME, luaopen_coroutine},
        {LUA_TABLIBNAME, luaopen_table}, {LUA_STRLIBNAME, luaopen_string},
        {LUA_MATHLIBNAME, luaopen_math}, {LUA_UTF8LIBNAME, luaopen_utf8},
        {LUA_OSLIBNAME, luaopen_os},     {NULL, NULL}
    };
    for (const luaL_Reg *lib = libs; lib->func; lib++) {
        luaL_requiref(L, lib->name, lib->func, 1);
        lua_pop(L, 1);
    }
    lua_pushglobaltable(L);
    for (const char *const *name = tide_removed_globals; *name; name++) {
        lua_pushnil(L);
        lua_setfield(L, -2, *name);
    }
    /* os keeps only its clock and calendar functions */
    lua_getfield(L, -1, LUA_OSLIBNAME);
    lua_createtable(L, 0, 4);
    static const char *const os_kept[] = {"clock", "date", "difftime", "time", NULL};
    for (const char *const *name = os_kept; *name; name++) {
        lua_getfield(L, -2, *name);
        lua_setfield(L, -2, *name);
    }
    lua_setfield(L, -3, LUA_OSLIBNAME);
    lua_pop(L, 1);
    /* string.dump goes from the real table: ("").dump reaches it through the string metatable */
    lua_getfield(L, -1, LUA_STRLIBNAME);
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_pop(L, 2);
    tide_install_host_metatables(L);
    tide_install_guards(L);
    /* lock the string metatable: getmetatable("") no longer returns the shared table */
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 2);
    return 0;
}

int tide_setup(lua_State *L) {
    lua_pushcfunction(L, tide_setup_protected);
    int status = lua_pcall(L, 0, 0, 0);
    if (status == LUA_OK) tide_arm_hook(L);  /* threads created later copy the main thread's hook */
    return status;
}
/* }====================================================== */
