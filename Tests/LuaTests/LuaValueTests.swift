import Testing

@testable import Lua

@Suite("LuaValue")
struct LuaValueTests {
    /// Sends a value through Lua (`return ...`) and back.
    private func roundTrip(_ value: LuaValue, in harness: Harness) throws -> LuaValue {
        try #require(try harness.run("return ...", [value]).first)
    }

    @Test(arguments: [
        LuaValue.nil, true, false, 0, -7, .integer(.max), .integer(.min), 1.5, -0.25, .number(1e300),
        "", "plain", "héllo ✓", .string(LuaString(bytes: [0x61, 0x00, 0x62])), .string(LuaString(bytes: [0xFF, 0xFE])),
        [1, 2, 3], ["a": 1, "b": [true, false]], [[1], [2, [3]]],
    ])
    func roundTrip_throughLua_isUnchanged(_ value: LuaValue) throws {
        let harness = try Harness()
        #expect(try roundTrip(value, in: harness) == value)
        #expect(stackDepth(harness.lua) == 0)
    }

    @Test func read_integerAndFloat_stayDistinct() throws {
        let harness = try Harness()
        let values = try harness.run("return 1, 1.0, 2^53, 3 // 1, 3 / 1")
        #expect(values == [.integer(1), .number(1.0), .number(9_007_199_254_740_992), .integer(3), .number(3)])
    }

    @Test func read_tableWithDenseKeys_isArray_otherwiseMap() throws {
        let harness = try Harness()
        let values = try harness.run(
            "return {10, 20, 30}, {[1] = 'a', [3] = 'c'}, {}, {x = 1, 2}, {[2] = 'b', [1] = 'a'}")
        #expect(values[0] == [10, 20, 30])
        #expect(values[1] == [1: "a", 3: "c"])
        #expect(values[2] == .map([:]))
        #expect(values[3] == [1: 2, "x": 1])
        #expect(values[4] == ["a", "b"])
    }

    @Test func read_stringWithNulAndInvalidUTF8_keepsBytes() throws {
        let harness = try Harness()
        let value = try #require(try harness.run("return 'a\\0b\\255'").first)
        guard case .string(let string) = value else {
            Issue.record("expected a string, got \(value)")
            return
        }
        #expect(string.bytes == [0x61, 0x00, 0x62, 0xFF])
        #expect(string.string == nil)
    }

    @Test func read_cyclicTable_throwsInvalidValue() throws {
        let harness = try Harness()
        let error = harness.error("local t = {} t.me = t return t")
        // a cycle is refused by the conversion, after the call
        #expect(error?.code == .invalidValue)
        #expect(stackDepth(harness.lua) == 0)
    }

    @Test func read_sharedSubtable_isConvertedTwice_notACycle() throws {
        let harness = try Harness()
        let value = try harness.run("local shared = {1} return {a = shared, b = shared}")
        #expect(value == [["a": [1], "b": [1]]])
    }

    @Test func read_tooDeep_throwsInvalidValue() throws {
        var limits = LuaLimits.default
        limits.maxConversionDepth = 10
        let harness = try Harness(limits: limits)
        let error = harness.error("local t = {} local c = t for _ = 1, 20 do c.n = {} c = c.n end return t")
        #expect(error?.code == .invalidValue)
    }

    @Test func read_tooManyElements_throwsInvalidValue() throws {
        var limits = LuaLimits.default
        limits.maxConversionElements = 100
        let harness = try Harness(limits: limits)
        let error = harness.error("local t = {} for i = 1, 200 do t[i] = i end return t")
        #expect(error?.code == .invalidValue)
    }

    @Test func read_functionsAndCoroutines_areReferences_callableLater() throws {
        let harness = try Harness()
        let values = try harness.run("return function(x) return x * 2 end, coroutine.create(function() end)")
        guard case .function(let double) = values[0], case .thread = values[1] else {
            Issue.record("unexpected \(values)")
            return
        }
        #expect(try harness.lua.call(double, [21]) == [42])
        #expect(stackDepth(harness.lua) == 0)
    }

    @Test func push_nilOrNaNKey_throwsInvalidValue() throws {
        let harness = try Harness()
        #expect(throws: LuaError.self) { try harness.run("return ...", [.map([.nil: 1])]) }
        #expect(throws: LuaError.self) { try harness.run("return ...", [.map([.number(.nan): 1])]) }
        #expect(stackDepth(harness.lua) == 0)
    }

    @Test func push_referenceFromAnotherState_throwsInvalidValue() throws {
        let first = try Harness()
        let second = try Harness()
        let function = try #require(try first.run("return function() end").first)
        #expect(throws: LuaError.self) { try second.run("return ...", [function]) }
    }

    @Test func accessors_readTheExpectedShapes() {
        let value: LuaValue = ["id": "extract", "retries": 3, "ratio": 0.5, "tags": ["a", "b"], "on": true]
        #expect(value["id"]?.stringValue == "extract")
        #expect(value["retries"]?.intValue == 3)
        #expect(value["ratio"]?.doubleValue == 0.5)
        #expect(value["tags"]?[2]?.stringValue == "b")
        #expect(value["on"]?.boolValue == true)
        #expect(value["missing"] == nil)
        #expect(LuaValue.nil.isTruthy == false)
        #expect(LuaValue.integer(0).isTruthy == true)
        #expect(LuaValue.map([:]).arrayValue == [])
    }

    @Test func description_isLuaLike() {
        let value: LuaValue = ["b": 1, "a": [true, "x"]]
        #expect(value.description == "{a = {true, \"x\"}, b = 1}")
    }
}
