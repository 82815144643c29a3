/*
** tide_lua.h: the C side of Tide's Lua host layer.
**
** Everything here exists so that no Lua error or yield ever unwinds through a Swift frame
** (DESIGN.md rule 1). Swift host functions return a status to the trampoline below; only C
** frames call lua_error or lua_yield. Every symbol we add starts with tide_.
*/
#ifndef TIDE_LUA_H
#define TIDE_LUA_H

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stddef.h>
#include <stdint.h>

/* What a Swift host function returns to the trampoline; n >= 0 is a count of results. */
#define TIDE_HOST_ERROR (-1)        /* error value on top; a string gets "chunk:line:" prepended */
#define TIDE_HOST_ERROR_OBJECT (-2) /* error value on top, raised as it is (a table with a code) */
#define TIDE_HOST_YIELD (-3)        /* suspend the run; the owner does the work, then resumes */

/* Why the count hook stopped a run (tide_control.kill_reason). */
#define TIDE_KILL_NONE 0
#define TIDE_KILL_TIMEOUT 1
#define TIDE_KILL_INSTRUCTIONS 2
#define TIDE_KILL_CANCELLED 3
#define TIDE_KILL_HELD 4            /* ran past its slice too long where it could not be paused */

/* What one run's allocations are charged to (tide_control.account). */
typedef struct tide_account {
    size_t used;              /* bytes of the state's blocks this account owns */
    size_t limit;             /* 0 = no share of its own */
    unsigned long refusals;   /* allocations refused because of limit */
    int retired;              /* its run has ended: freed once used drops to 0 */
    struct tide_account *next; /* in the state's pool of free accounts */
} tide_account;

/*
** Per-state control block, reachable from every thread of the state through
** lua_getextraspace (threads copy the main thread's extra space when created).
** It is also the allocator's user data. Only the state's owner writes it, except
** the cancel flag, which is an atomic set from any thread.
*/
typedef struct tide_control {
    /* memory */
    size_t mem_used;          /* bytes currently allocated by the state */
    size_t mem_limit;         /* 0 = no limit; covers mem_used + mem_external */
    size_t mem_external;      /* bytes the host holds on the state's behalf (data copied out of it) */
    size_t mem_peak;          /* highest mem_used seen */
    unsigned long mem_refusals; /* allocations refused because of mem_limit */
    int host_depth;           /* > 0 while host (Swift) code owns the state: allocations may overshoot */

    /* limits of the run being executed */
    int64_t deadline_ns;      /* CLOCK_MONOTONIC deadline; 0 = none */
    int64_t instructions_left;
    int instructions_limited; /* 0 = no instruction budget */
    int hook_interval;        /* instructions between two count-hook calls */
    void *cancel_flag;        /* tide_flag of the run being executed, or NULL */
    lua_State *root;          /* the run's own coroutine: only it can be killed by a yield */
    int kill_reason;          /* TIDE_KILL_* once the hook has decided to stop the run */

    /* time slices */
    int64_t slice_ns;         /* Lua time a run may use before it is paused for the others; 0 = never */
    int64_t slice_end_ns;     /* when the running slice ends */
    int64_t hold_ns;          /* how long past its slice's end a run may go where it cannot be paused; 0 = no cap */
    int preempted;            /* set when the run's own coroutine was paused for the slice's end */
    lua_State *paused_thread; /* a coroutine of the script's just paused for the slice's end, read
                                 by its resumer (resume_checked) as soon as the resume returns */
    int64_t hold_started_ns;  /* thread CPU time when the run was first found past its slice where it
                                 could not be paused; 0 while it is not held */
    int pause_refused;        /* pause() could not pass a pause on (its caller is inside a C call) */

    /* memory accounts: every block carries the account that owns it */
    tide_account *account;    /* what allocations are charged to now */
    tide_account host_account; /* allocations outside runs */
    tide_account *free_accounts; /* accounts that own nothing, kept for the next runs */

    /* host yields */
    int host_yield;           /* set by the trampoline when a host function suspends the run */
    int resume_error;         /* set by the owner: the continuation raises the value on top */
    void *host;               /* the Swift LuaState that owns this state (unretained) */

    /* caps on C functions the count hook cannot interrupt */
    size_t max_pattern_subject; /* longest subject for find/match/gmatch/gsub */
    double max_pattern_cost;    /* worst-case backtracking steps allowed for one pattern call */
    size_t max_string_result;   /* longest result of string.rep */
    lua_Integer max_table_span; /* most elements table.move/concat/insert/remove/sort/unpack may visit */
} tide_control;

/* Swift entry points, registered once by tide_set_host_callbacks. */
typedef int (*tide_host_dispatch_fn)(lua_State *L, void *box);
typedef void (*tide_host_release_fn)(void *box);
void tide_set_host_callbacks(tide_host_dispatch_fn dispatch, tide_host_release_fn release);

/* State lifecycle (tide_state.c). */
lua_State *tide_newstate(void);           /* NULL if out of memory */
void tide_closestate(lua_State *L);       /* lua_close, then frees the control block */
tide_control *tide_getcontrol(lua_State *L);
int tide_setup(lua_State *L);             /* opens the safe libraries and installs guards; a status */
void tide_arm_hook(lua_State *L);         /* (re)arms the count hook of one thread */
tide_account *tide_account_new(tide_control *ctl, size_t limit);  /* from the pool; NULL if out of memory */
void tide_account_retire(tide_control *ctl, tide_account *account); /* its run ended; pooled once it owns nothing */
void tide_account_abandon(tide_account *account); /* as retire, without the pool (no state at hand) */
void tide_push_preempt_functions(lua_State *L);  /* [-0, +3, m] resume_checked, pause, the pause marker */
int64_t tide_now_ns(void);                /* CLOCK_MONOTONIC in nanoseconds */

/* Cancel flags: atomics set from any thread, read by the hook. */
void *tide_flag_new(void);
void tide_flag_set(void *flag);
int tide_flag_get(void *flag);
void tide_flag_free(void *flag);

/* Calls that run Lua code with the memory cap enforced (host_depth 0 meanwhile). */
int tide_load(lua_State *L, const char *buf, size_t len, const char *chunkname);
int tide_pcall(lua_State *L, int nargs, int nresults);  /* with the traceback message handler */
int tide_resume(lua_State *co, lua_State *from, int nargs, int *nresults);
int tide_reset_thread(lua_State *co);

/* Host functions and error objects (tide_host.c). */
void tide_push_host_function(lua_State *L, void *box);  /* [-0, +1, m] */
int tide_is_yield_marker(lua_State *L, int idx);
void tide_push_yield_marker(lua_State *L);
void tide_set_error_metatable(lua_State *L, int idx);  /* gives a host error table its __tostring */
void tide_push_error_info(lua_State *L, lua_State *co, int level);  /* [-1, +1, m] */
void tide_push_raise_function(lua_State *L);       /* raise(code, message [, level]) */
int tide_install_host_metatables(lua_State *L);  /* [-0, +0, m]; run under a protected call */

/* Guards (tide_guards.c). */
double tide_pattern_cost(const char *p, size_t plen, size_t subject_len);
int tide_install_guards(lua_State *L);  /* [-0, +0, e]; run under a protected call */

/* Stand-ins for macros Swift cannot import. */
static inline int tide_registryindex(void) { return LUA_REGISTRYINDEX; }           /* LUA_REGISTRYINDEX */
static inline int tide_upvalueindex(int i) { return lua_upvalueindex(i); }        /* lua_upvalueindex */
static inline void tide_pop(lua_State *L, int n) { lua_settop(L, -(n) - 1); }     /* lua_pop */
static inline void tide_newtable(lua_State *L) { lua_createtable(L, 0, 0); }      /* lua_newtable */
static inline void tide_remove(lua_State *L, int idx) { lua_rotate(L, idx, -1); lua_settop(L, -2); } /* lua_remove */
static inline void tide_insert(lua_State *L, int idx) { lua_rotate(L, idx, 1); }  /* lua_insert */
static inline tide_account *tide_host_account(tide_control *c) { return &c->host_account; }
static inline int tide_ridx_globals(void) { return LUA_RIDX_GLOBALS; }             /* LUA_RIDX_GLOBALS */

#endif
