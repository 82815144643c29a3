/*
** tide_guards.c: input caps for library functions the count hook cannot
** interrupt (notes/lua-embedding.md §3.3 and §3.6 rows 6 and 7).
**
** The hook only fires between VM instructions, so a C function such as
** string.find runs to its end however long that takes: s:find('.-.-.-b') on
** 600 characters ran 35 s, table.move({}, 1, 3e8, 1, {}) 7 s. Each guard is a
** C closure over the original function (upvalue 1) that checks its inputs,
** raises SANDBOX_VIOLATION if they are out of bounds, and otherwise calls it.
*/
#include "tide_lua.h"

#include <math.h>
#include <stdarg.h>

/* Raises {code = "SANDBOX_VIOLATION", message = "<where>: <formatted>"}. */
static int tide_raise_violation(lua_State *L, const char *fmt, ...) {
    va_list argp;
    lua_createtable(L, 0, 2);
    lua_pushliteral(L, "SANDBOX_VIOLATION");
    lua_setfield(L, -2, "code");
    luaL_where(L, 1);
    va_start(argp, fmt);
    lua_pushvfstring(L, fmt, argp);
    va_end(argp);
    lua_concat(L, 2);
    lua_setfield(L, -2, "message");
    tide_set_error_metatable(L, -1);
    return lua_error(L);
}

/* Calls the original function (upvalue 1) with the current arguments. */
static int tide_call_original(lua_State *L) {
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    return lua_gettop(L);
}


/*
** {======================================================
** Patterns. Lua's matcher backtracks: each quantified item (*, +, -) followed by
** more pattern can be retried at every position of the subject, and each
** optional item (?) doubles the alternatives. The worst case of one call is
** about starts * (n+1)^q * 2^k steps, where starts is 1 for an anchored pattern
** and n+1 otherwise. A call whose estimate exceeds max_pattern_cost is refused.
** The estimate is an upper bound, not a prediction: most inputs stop far sooner.
** =======================================================
*/

/* Index just past the single-character class starting at p[i]. */
static size_t tide_class_end(const char *p, size_t m, size_t i) {
    if (p[i] == '%') return i + 2 <= m ? i + 2 : m;
    if (p[i] == '[') {
        size_t j = i + 1;
        if (j < m && p[j] == '^') j++;
        do {  /* the first ']' of a set is literal */
            if (j >= m) return m;
            if (p[j] == '%') j++;
            j++;
        } while (j < m && p[j] != ']');
        return j < m ? j + 1 : m;
    }
    return i + 1;
}

/* Whether anything but captures closers and a final '$' follows position i. */
static int tide_rest_has_item(const char *p, size_t m, size_t i) {
    for (; i < m; i++) {
        if (p[i] == ')') continue;
        if (p[i] == '$' && i + 1 == m) return 0;
        return 1;
    }
    return 0;
}

double tide_pattern_cost(const char *p, size_t m, size_t n) {
    double positions = (double)n + 1.0;
    size_t i = 0;
    double cost = positions;
    if (m > 0 && p[0] == '^') {
        cost = 1.0;
        i = 1;
    }
    while (i < m && cost < 1e300) {
        char c = p[i];
        if (c == '(' || c == ')') {
            i++;
            continue;
        }
        if (c == '$' && i + 1 == m) break;
        if (c == '%' && i + 1 < m && p[i + 1] == 'b') {  /* %bxy scans ahead like a lazy item */
            i += 4;
            if (tide_rest_has_item(p, m, i)) cost *= positions;
            continue;
        }
        if (c == '%' && i + 1 < m && p[i + 1] == 'f') {  /* frontier: one set, no repetition */
            i = i + 2 < m ? tide_class_end(p, m, i + 2) : m;
            continue;
        }
        size_t e = tide_class_end(p, m, i);
        if (e < m && (p[e] == '*' || p[e] == '+' || p[e] == '-')) {
            e++;
            if (tide_rest_has_item(p, m, e)) cost *= positions;
        } else if (e < m && p[e] == '?') {
            e++;
            cost *= 2.0;
        }
        i = e;
    }
    return cost;
}

/* upvalue 2: 1 for string.find (which has a 'plain' argument), 0 otherwise. */
static int tide_guard_pattern(lua_State *L) {
    tide_control *ctl = tide_getcontrol(L);
    int is_find = (int)lua_tointeger(L, lua_upvalueindex(2));
    if (lua_type(L, 1) == LUA_TSTRING && lua_type(L, 2) == LUA_TSTRING) {
        size_t n, m;
        lua_tolstring(L, 1, &n);
        const char *p = lua_tolstring(L, 2, &m);
        if (n > ctl->max_pattern_subject)
            return tide_raise_violation(L,
                "pattern subject is %I bytes, over the sandbox limit of %I bytes (maxPatternSubject); "
                "split the input or raise the limit", (lua_Integer)n, (lua_Integer)ctl->max_pattern_subject);
        int plain = is_find && lua_toboolean(L, 4);
        double cost = plain ? (double)n : tide_pattern_cost(p, m, n);
        if (cost > ctl->max_pattern_cost)
            return tide_raise_violation(L,
                "pattern '%s' on a %I-byte subject could take about %f steps, over the sandbox limit of %f "
                "(maxPatternCost); anchor the pattern, use fewer '.-'/'.*' items, or shorten the subject",
                m > 60 ? "(long pattern)" : p, (lua_Integer)n, cost, ctl->max_pattern_cost);
    }
    return tide_call_original(L);
}
/* }====================================================== */


static int tide_guard_rep(lua_State *L) {
    tide_control *ctl = tide_getcontrol(L);
    int isnum = 0;
    lua_Integer count = lua_tointegerx(L, 2, &isnum);
    if (lua_type(L, 1) == LUA_TSTRING && isnum && count > 0) {
        size_t len, seplen = 0;
        lua_tolstring(L, 1, &len);
        if (lua_type(L, 3) == LUA_TSTRING) lua_tolstring(L, 3, &seplen);
        double total = (double)len * (double)count + (double)seplen * (double)(count - 1);
        if (total > (double)ctl->max_string_result)
            return tide_raise_violation(L,
                "string.rep result would be %f bytes, over the sandbox limit of %I bytes (maxStringResult)",
                total, (lua_Integer)ctl->max_string_result);
    }
    return tide_call_original(L);
}


/*
** {======================================================
** Tables. The loops of table.* run in C; with library C functions as
** metamethods (e.g. __index = rawlen) no Lua code runs inside them, so the span
** each call may visit is capped. Lengths are computed once here and passed on,
** so a __len that answers differently the second time cannot get around the cap.
** =======================================================
*/
static void tide_check_span(lua_State *L, const char *fname, lua_Integer first, lua_Integer last) {
    tide_control *ctl = tide_getcontrol(L);
    if (last >= first && (lua_Unsigned)last - (lua_Unsigned)first >= (lua_Unsigned)ctl->max_table_span)
        tide_raise_violation(L, "%s over %f elements is over the sandbox limit of %I (maxTableSpan)",
            fname, (double)last - (double)first + 1.0, ctl->max_table_span);
}

static int tide_has_len_metamethod(lua_State *L, int idx) {
    int has = 0;
    if (lua_getmetatable(L, idx)) {
        lua_pushliteral(L, "__len");
        has = lua_rawget(L, -2) != LUA_TNIL;
        lua_pop(L, 2);
    }
    return has;
}

/* table.concat(list [, sep [, i [, j]]]) and table.unpack(list [, i [, j]]): explicit bounds. */
static int tide_guard_range(lua_State *L) {
    int is_concat = (int)lua_tointeger(L, lua_upvalueindex(2));
    const char *fname = is_concat ? "table.concat" : "table.unpack";
    int ifirst = is_concat ? 3 : 2;
    if (lua_type(L, 1) != LUA_TTABLE) return tide_call_original(L);
    lua_settop(L, ifirst + 1);
    if (is_concat && lua_isnil(L, 2)) {
        lua_pushliteral(L, "");
        lua_replace(L, 2);
    }
    if (lua_isnil(L, ifirst)) {
        lua_pushinteger(L, 1);
        lua_replace(L, ifirst);
    }
    if (lua_isnil(L, ifirst + 1)) {
        lua_pushinteger(L, luaL_len(L, 1));
        lua_replace(L, ifirst + 1);
    }
    int ok1 = 0, ok2 = 0;
    lua_Integer i = lua_tointegerx(L, ifirst, &ok1);
    lua_Integer j = lua_tointegerx(L, ifirst + 1, &ok2);
    if (ok1 && ok2) tide_check_span(L, fname, i, j);
    return tide_call_original(L);
}

/* table.insert, table.remove, table.sort: these read #t themselves. */
static int tide_guard_length(lua_State *L) {
    const char *fname = lua_tostring(L, lua_upvalueindex(2));
    if (lua_type(L, 1) == LUA_TTABLE) {
        if (tide_has_len_metamethod(L, 1))
            return tide_raise_violation(L,
                "%s on a table with a __len metamethod is not allowed in the sandbox; "
                "copy the elements into a plain table first", fname);
        tide_check_span(L, fname, 1, (lua_Integer)lua_rawlen(L, 1));
    }
    return tide_call_original(L);
}

/* table.move(a1, f, e, t [, a2]) */
static int tide_guard_move(lua_State *L) {
    int ok1 = 0, ok2 = 0;
    lua_Integer f = lua_tointegerx(L, 2, &ok1);
    lua_Integer e = lua_tointegerx(L, 3, &ok2);
    if (ok1 && ok2) tide_check_span(L, "table.move", f, e);
    return tide_call_original(L);
}
/* }====================================================== */


/* Replaces lib[name] by closure(original, extra). The library table is on top of the stack. */
static void tide_wrap(lua_State *L, const char *name, lua_CFunction guard, lua_Integer extra) {
    lua_getfield(L, -1, name);
    lua_pushinteger(L, extra);
    lua_pushcclosure(L, guard, 2);
    lua_setfield(L, -2, name);
}

int tide_install_guards(lua_State *L) {
    lua_getglobal(L, LUA_STRLIBNAME);
    tide_wrap(L, "find", tide_guard_pattern, 1);
    tide_wrap(L, "match", tide_guard_pattern, 0);
    tide_wrap(L, "gmatch", tide_guard_pattern, 0);
    tide_wrap(L, "gsub", tide_guard_pattern, 0);
    tide_wrap(L, "rep", tide_guard_rep, 0);
    lua_pop(L, 1);
    lua_getglobal(L, LUA_TABLIBNAME);
    tide_wrap(L, "concat", tide_guard_range, 1);
    tide_wrap(L, "unpack", tide_guard_range, 0);
    tide_wrap(L, "move", tide_guard_move, 0);
    static const char *const by_length[] = {"insert", "remove", "sort", NULL};
    for (const char *const *name = by_length; *name; name++) {
        lua_getfield(L, -1, *name);
        lua_pushfstring(L, "table.%s", *name);
        lua_pushcclosure(L, tide_guard_length, 2);
        lua_setfield(L, -2, *name);
    }
    lua_pop(L, 1);
    return 0;
}
