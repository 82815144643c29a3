import Foundation
import Testing

@testable import Lua

@Suite("Sandbox")
struct LuaSandboxTests {
    static let modules = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/modules").path

    @Test func openSafeLibraries_doesNotExposeOsIoDebugOrLoadlib() throws {
        let harness = try Harness()
        let values = try harness.run(
            "return rawget(_ENV, 'io'), rawget(_ENV, 'debug'), rawget(_ENV, 'package'), rawget(_ENV, 'dofile'),"
                + " rawget(_ENV, 'loadfile'), rawget(os, 'execute'), rawget(string, 'dump'), rawget(math, 'randomseed')"
        )
        #expect(values.allSatisfy { $0 == .nil })
        for name in ["io", "debug", "package", "dofile", "loadfile", "os.execute", "os.exit", "string.dump"] {
            #expect(harness.error("return \(name)")?.code == .sandboxViolation, "\(name)")
        }
    }

    @Test func environment_hasTheAllowListedLibraries() throws {
        let harness = try Harness()
        let values = try harness.run(
            "return ('abc'):upper(), string.format('%d', 7), table.concat({1, 2}, ','), math.max(1, 5), utf8.char(72),"
                + " type(os.time()), type(os.clock()), select('#', 1, 2), tostring(nil), _G == _ENV")
        #expect(values == ["ABC", "7", "1,2", 5, "H", "number", "number", 2, "nil", true])
    }

    @Test func scripts_inOneSandbox_haveSeparateGlobals() throws {
        let harness = try Harness()
        try harness.run("leaked = 1; string.upper = nil")
        #expect(try harness.run("return leaked, ('a'):upper(), type(string.upper)") == [.nil, "A", "function"])
    }

    @Test func stringMetatable_isLocked() throws {
        let harness = try Harness()
        #expect(try harness.run("return getmetatable('')") == ["locked"])
    }

    @Test func load_defaultsToTheCallersEnvironment_andRefusesBinary() throws {
        let harness = try Harness()
        #expect(try harness.run("secret = 5 return load('return secret')()") == [5])
        let values = try harness.run("return load('\\27Lua')")
        #expect(values[0] == .nil)
        #expect(values[1].stringValue?.contains("binary") == true)
        #expect(try harness.run("return load(function() return nil end)")[0] == .nil)
    }

    @Test func setmetatable_withoutGc_works_withGc_isViolation() throws {
        let harness = try Harness()
        #expect(try harness.run("return setmetatable({}, { __index = function() return 7 end }).x") == [7])
        #expect(harness.error("setmetatable({}, { __gc = function() end })")?.code == .sandboxViolation)
    }

    @Test func collectgarbage_allowsCountOnly() throws {
        let harness = try Harness()
        #expect(try harness.run("return type(collectgarbage('count'))") == ["number"])
        #expect(harness.error("collectgarbage()")?.code == .sandboxViolation)
        #expect(harness.error("collectgarbage('generational')")?.code == .sandboxViolation)
    }

    @Test func xpcall_runsHandlerAfterUnwinding() throws {
        let harness = try Harness()
        #expect(
            try harness.run("return xpcall(function() error('x', 0) end, function(e) return 'handled ' .. e end)")
                == [false, "handled x"])
        #expect(try harness.run("return xpcall(function(a) return a + 1 end, print, 1)") == [true, 2])
    }

    @Test func require_findsModulesInSearchPaths_andCachesThem() throws {
        let harness = try Harness(searchPaths: [Self.modules])
        let values = try harness.run(
            "local g = require 'greet'\nlocal again = require 'greet'\nlocal util = require 'util'\n"
                + "return g.hello('tide'), g == again, g.loads, util.shout('x')")
        #expect(values == ["hello, tide", true, 1, "HELLO, X"])
    }

    @Test func require_moduleWithSyntaxError_reportsItsFileAndLine() throws {
        let harness = try Harness(searchPaths: [Self.modules])
        let error = harness.error("\nrequire 'broken'")
        #expect(error?.code == .syntaxError)
        #expect(error?.message.contains("broken.lua:3:") == true)
        #expect(error?.line == 2)
    }

    @Test func require_missingModule_listsTriedPaths() throws {
        let harness = try Harness(searchPaths: [Self.modules])
        let error = harness.error("require 'nope.missing'")
        #expect(error?.code == .moduleNotFound)
        #expect(error?.message.contains("nope/missing.lua") == true)
        #expect(error?.message.contains("nope/missing/init.lua") == true)
        #expect(error?.line == 1)
    }

    @Test func require_loop_isReported_andModuleErrorsPropagate() throws {
        let harness = try Harness(searchPaths: [Self.modules])
        #expect(harness.error("require 'loop_a'")?.message.contains("require loop") == true)
        let error = harness.error("require 'fails'")
        #expect(error?.message == "module top level failed")
        #expect(error?.chunkName?.hasSuffix("fails.lua") == true)
        #expect(error?.line == 2)
    }

    @Test(arguments: ["../etc/passwd", "a/b", "", "a..b", ".a", "9lives"])
    func require_nameOutsideLuaNames_isViolation(_ name: String) throws {
        let harness = try Harness(searchPaths: [Self.modules])
        #expect(harness.error("require '\(name)'")?.code == .sandboxViolation)
    }

    @Test func require_symlinkLeavingSearchFolder_isViolation() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tide-sandbox-\(UUID().uuidString)")
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tide-outside-\(UUID().uuidString).lua")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "return 'escaped'".write(to: outside, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            at: folder.appendingPathComponent("link.lua"), withDestinationURL: outside)
        defer {
            try? FileManager.default.removeItem(at: folder)
            try? FileManager.default.removeItem(at: outside)
        }
        let harness = try Harness(searchPaths: [folder.path])
        #expect(harness.error("require 'link'")?.code == .sandboxViolation)
    }

    @Test func globals_areSharedIntoEveryEnvironment() throws {
        let harness = try Harness(globals: ["config": ["name": "nightly"], "version": 3])
        #expect(try harness.run("return config.name, version") == ["nightly", 3])
    }
}
