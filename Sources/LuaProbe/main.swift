// tide-lua-probe: runs one Lua script in a fresh sandbox under given limits, then a normal script
// on the same state, and prints both outcomes as one JSON line. The hostile-script suite runs each
// case through it in a child process, so a case that hangs the host fails its test instead of CI.
//
//   tide-lua-probe SCRIPT.lua [--memory BYTES] [--time-ms N] [--instructions N] [--search DIR]
//                             [--cancel-after-ms N] [--follow-up]
import Lua

#if canImport(Glibc)
    import Glibc
#endif

struct Options {
    var script = ""
    var limits = LuaLimits.default
    var searchPaths: [String] = []
    var cancelAfter: Duration?
    var followUp = false
}

func parse(_ arguments: [String]) -> Options? {
    var options = Options()
    var iterator = arguments.makeIterator()
    while let argument = iterator.next() {
        switch argument {
        case "--memory": options.limits.memory = iterator.next().flatMap { Int($0) }
        case "--time-ms": options.limits.runTime = iterator.next().flatMap { Int($0) }.map { .milliseconds($0) }
        case "--instructions": options.limits.instructions = iterator.next().flatMap { Int($0) }
        case "--search": iterator.next().map { options.searchPaths.append($0) }
        case "--follow-up": options.followUp = true
        case "--cancel-after-ms": options.cancelAfter = iterator.next().flatMap { Int($0) }.map { .milliseconds($0) }
        default:
            guard options.script.isEmpty, !argument.hasPrefix("--") else { return nil }
            options.script = argument
        }
    }
    return options.script.isEmpty ? nil : options
}

func json(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 {
                out += "\\u" + String(scalar.value, radix: 16).leftPadded(to: 4)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

func describe(_ outcome: Result<[LuaValue], any Error>, elapsed: Duration) -> String {
    let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    switch outcome {
    case .success(let values):
        return
            "{\"code\":\"OK\",\"results\":\(json(values.map(\.description).joined(separator: ", "))),\"elapsedMs\":\(Int(milliseconds))}"
    case .failure(let error as LuaError):
        let line = error.line.map(String.init) ?? "null"
        return
            "{\"code\":\(json(error.code.rawValue)),\"message\":\(json(error.message)),\"chunk\":\(json(error.chunkName ?? "")),\"line\":\(line),\"elapsedMs\":\(Int(milliseconds))}"
    case .failure(let error):
        return "{\"code\":\"HOST\",\"message\":\(json(String(describing: error))),\"elapsedMs\":\(Int(milliseconds))}"
    }
}

guard let options = parse(Array(CommandLine.arguments.dropFirst())) else {
    print(
        "usage: tide-lua-probe SCRIPT.lua [--memory BYTES] [--time-ms N] [--instructions N] [--search DIR]"
            + " [--cancel-after-ms N] [--follow-up]"
    )
    exit(64)
}

let runtime = try LuaRuntime(limits: options.limits)
let clock = ContinuousClock()
let (script, followUp) = try await runtime.withState { lua in
    let sleep = lua.makeSleepFunction(clock: ContinuousClock())
    let sandbox = try lua.makeSandbox(searchPaths: options.searchPaths, globals: ["sleep": .function(sleep)])
    let script = Result { () throws(LuaError) in try lua.loadFile(atPath: options.script, in: sandbox) }
    let followUp = try lua.load(
        "local t = {} for i = 1, 1000 do t[i] = i * 2 end return #t, t[1000]", name: .label("follow-up"), in: sandbox)
    return (script, followUp)
}

let start = clock.now
let first: Result<[LuaValue], any Error>
switch script {
case .failure(let error):
    first = .failure(error)
case .success(let function):
    let task = Task { try await runtime.run(function) }
    if let delay = options.cancelAfter {
        try? await Task.sleep(for: delay)
        task.cancel()
    }
    first = await task.result
}
let firstElapsed = clock.now - start
var report = "{\"script\":\(describe(first, elapsed: firstElapsed))"
if options.followUp {
    let secondStart = clock.now
    let second: Result<[LuaValue], any Error>
    do {
        second = .success(try await runtime.run(followUp))
    } catch {
        second = .failure(error)
    }
    report += ",\"followUp\":\(describe(second, elapsed: clock.now - secondStart))"
}
print(report + "}")
if case .failure = first { exit(1) }
