// tide-lua-bench: nanoseconds per operation across the Lua host layer, release build.
//
//   dev/bench-lua.sh            (swift run -c release tide-lua-bench)
//
// Each figure is the minimum and the median of 7 rounds. Lua-side loops run in a sandboxed state
// with the default limits (count hook armed, as scripts get it), so every per-call figure includes
// one loop iteration. The last line is the ratio the Lua host issue asks for:
// swift_bound_vs_c_ratio = (Lua -> Swift host function) / (Lua -> C function math.abs).
import Foundation
import Lua

let rounds = 7
let clock = ContinuousClock()

struct Figure {
    var minimum: Double
    var median: Double
}

/// Runs `body` `rounds` times; each returns nanoseconds per operation.
func measure(_ body: () throws -> Double) rethrows -> Figure {
    var samples: [Double] = []
    for _ in 0..<rounds {
        samples.append(try body())
    }
    samples.sort()
    return Figure(minimum: samples[0], median: samples[samples.count / 2])
}

func measureAsync(_ body: () async throws -> Double) async rethrows -> Figure {
    var samples: [Double] = []
    for _ in 0..<rounds {
        samples.append(try await body())
    }
    samples.sort()
    return Figure(minimum: samples[0], median: samples[samples.count / 2])
}

func nanoseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e9 + Double(duration.components.attoseconds) / 1e9
}

func report(_ name: String, _ figure: Figure, unit: String = "ns/op") {
    let padded = name.padding(toLength: 44, withPad: " ", startingAt: 0)
    print("\(padded) min \(format(figure.minimum)) \(unit)   median \(format(figure.median)) \(unit)")
}

func format(_ value: Double) -> String {
    String(format: "%8.1f", value)
}

/// The number of OS threads of this process (`Threads:` in /proc/self/status).
func threadCount() -> Int {
    guard let file = fopen("/proc/self/status", "r") else { return -1 }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), file) != nil {
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if text.hasPrefix("Threads:") {
            return Int(text.dropFirst(8).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }
    }
    return -1
}

let iterations = 2_000_000

let lua = try LuaState()
let increment = lua.makeFunction(named: "increment") { frame in
    frame.push(integer: try frame.integer(1) + 1)
    return 1
}
let sandbox = try lua.makeSandbox(globals: ["increment": .function(increment)])

/// Compiles `body` inside `for i = 1, n do … end` and returns ns per iteration.
func luaLoop(_ setup: String, _ body: String, lua: LuaState, sandbox: LuaSandbox) throws -> Figure {
    let chunk = try lua.load(
        "\(setup)\nlocal n = ...\nfor i = 1, n do \(body) end", name: .label("bench"), in: sandbox)
    return try measure {
        let start = clock.now
        try lua.call(chunk, [.integer(iterations)], budget: .unlimited)
        return nanoseconds(clock.now - start) / Double(iterations)
    }
}

print("Tide Lua host layer, \(iterations) iterations per round, \(rounds) rounds (release build)")
let loop = try luaLoop("", "", lua: lua, sandbox: sandbox)
report("empty Lua loop iteration (baseline)", loop)
let luaCall = try luaLoop("local function f(x) return x end", "f(i)", lua: lua, sandbox: sandbox)
report("Lua -> Lua call", luaCall)
let cCall = try luaLoop("local abs = math.abs", "abs(i)", lua: lua, sandbox: sandbox)
report("Lua -> C call (math.abs)", cCall)
let swiftCall = try luaLoop("local increment = increment", "increment(i)", lua: lua, sandbox: sandbox)
report("Lua -> Swift bound call (1 int in, 1 out)", swiftCall)

let identity = try lua.call(try lua.load("return function(x) return x end", name: .label("id"), in: sandbox))[0]
guard case .function(let identityFunction) = identity else { fatalError("expected a function") }
let protectedCalls = 200_000
let swiftToLua = try measure {
    let start = clock.now
    for index in 0..<protectedCalls {
        _ = try lua.call(identityFunction, [.integer(index)], budget: .unlimited)
    }
    return nanoseconds(clock.now - start) / Double(protectedCalls)
}
report("Swift -> Lua protected call (LuaState.call)", swiftToLua)

let runtime = try LuaRuntime()
let (noop, sleepy) = try await runtime.withState { lua in
    let sleep = lua.makeSleepFunction(clock: ContinuousClock())
    let sandbox = try lua.makeSandbox(globals: ["sleep": .function(sleep)])
    return (
        try lua.load("return 1", name: .label("noop"), in: sandbox),
        try lua.load("sleep(0.05) return 1", name: .label("sleepy"), in: sandbox)
    )
}
let coroutineRuns = 100_000
// Measured from a task on the cooperative pool, as the engine calls it; from the main actor every
// call would also pay two hops to and from the main thread.
let coroutine = try await Task.detached {
    try await measureAsync {
        let start = clock.now
        for _ in 0..<coroutineRuns {
            _ = try await runtime.run(noop)
        }
        return nanoseconds(clock.now - start) / Double(coroutineRuns)
    }
}.value
report("coroutine create + resume + finish (run)", coroutine)

let sleepers = 10_000
let threadsBefore = threadCount()
let start = clock.now
let peakThreads = try await withThrowingTaskGroup(of: Int.self) { group in
    for _ in 0..<sleepers {
        group.addTask {
            _ = try await runtime.run(sleepy)
            return 0
        }
    }
    group.addTask {
        try await Task.sleep(for: .milliseconds(25))  // all sleepers are waiting by now
        return threadCount()
    }
    var peak = threadsBefore
    for try await threads in group {
        peak = max(peak, threads)
    }
    return peak
}
let wall = nanoseconds(clock.now - start) / 1e6
print(
    "\(sleepers) coroutines sleeping 50 ms at once on one state: wall \(format(wall)) ms, "
        + "OS threads \(threadsBefore) before, \(peakThreads) at most while sleeping "
        + "(\(ProcessInfo.processInfo.activeProcessorCount) cores)")
print("swift_bound_vs_c_ratio=\(String(format: "%.2f", swiftCall.minimum / cCall.minimum))")
