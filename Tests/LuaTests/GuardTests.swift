import CLua
import Testing

@testable import Lua

@Suite("Input guards")
struct GuardTests {
    @Test(arguments: [
        ("abc", 10, 11.0),  // no quantifier: one attempt per start position
        ("^abc", 10, 1.0),  // anchored
        ("%s+", 10, 11.0),  // a last quantified item cannot backtrack into anything
        ("^(%w+)=(.*)$", 10, 11.0),  // one backtracking item, anchored
        (".-.-.-b", 10, 14641.0),  // three backtracking items, unanchored: 11^4
        ("a?a?a?", 0, 8.0),  // optional items double the alternatives
        ("%bxy.", 10, 121.0),  // a balanced match followed by more pattern
        ("[%a_][%w_]*", 10, 11.0),
    ])
    func patternCost_estimatesWorstCaseSteps(pattern: String, subjectLength: Int, expected: Double) {
        let cost = tide_pattern_cost(pattern, pattern.utf8.count, subjectLength)
        #expect(cost == expected)
    }

    @Test func ordinaryPatterns_onOrdinaryInput_work() throws {
        let harness = try Harness()
        let values = try harness.run(
            "local k, v = ('key=value'):match('^(%w+)=(.*)$')\n"
                + "local words = 0 for _ in ('a b  c'):gmatch('%S+') do words = words + 1 end\n"
                + "return k, v, words, (('  x  '):gsub('^%s+', '')), (('hello'):find('l+')), (('a.b'):find('.', 1, true))"
        )
        #expect(values == ["key", "value", 3, "x  ", 3, 2])
    }

    @Test func tableFunctions_withinTheSpan_work() throws {
        let harness = try Harness()
        let values = try harness.run(
            "local t = {3, 1, 2} table.sort(t) table.insert(t, 4) table.remove(t, 1)\n"
                + "local m = table.move({1, 2, 3}, 1, 3, 2, {}) return table.concat(t, ','), table.unpack(m, 2, 4)")
        #expect(values == ["2,3,4", 1, 2, 3])
    }

    @Test func tableFunctions_onProxyWithLuaLen_areRefusedOnlyWhenTheyReadLengthThemselves() throws {
        let harness = try Harness()
        #expect(
            try harness.run(
                "local p = setmetatable({}, { __len = function() return 2 end, __index = function(_, i) return i * 10 end })\n"
                    + "return table.concat(p, '-'), table.unpack(p)") == ["10-20", 10, 20])
        #expect(
            harness.error("table.insert(setmetatable({}, { __len = function() return 1 end }), 1)")?.code
                == .sandboxViolation)
    }

    @Test func caps_areConfigurable() throws {
        var limits = LuaLimits.default
        limits.maxStringResult = 10
        limits.maxTableSpan = 5
        limits.maxPatternSubject = 8
        let harness = try Harness(limits: limits)
        #expect(try harness.run("return ('ab'):rep(5)") == ["ababababab"])
        #expect(harness.error("return ('ab'):rep(6)")?.code == .sandboxViolation)
        #expect(harness.error("return table.unpack({}, 1, 6)")?.code == .sandboxViolation)
        #expect(harness.error("return ('123456789'):find('9')")?.code == .sandboxViolation)
    }
}

@Suite("C constants")
struct ConstantsTests {
    @Test func luaVersion_isDebians54() {
        #expect(LUA_VERSION_NUM == 504)
    }

    @Test func statusCodes_matchWhatSwiftAssumes() {
        #expect([LUA_OK, LUA_YIELD, LUA_ERRRUN, LUA_ERRSYNTAX, LUA_ERRMEM, LUA_ERRERR] == [0, 1, 2, 3, 4, 5])
        #expect(TIDE_HOST_ERROR < 0 && TIDE_HOST_ERROR_OBJECT < 0 && TIDE_HOST_YIELD < 0)
        #expect(Set([TIDE_HOST_ERROR, TIDE_HOST_ERROR_OBJECT, TIDE_HOST_YIELD]).count == 3)
        #expect(registryIndex == -1_001_000)
    }
}
