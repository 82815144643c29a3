import Foundation
import Testing

/// The hostile-script suite (notes/lua-embedding.md §3.6 and more): each case runs in its own
/// `tide-lua-probe` process with a 64 MiB cap (and a 200 ms budget for the cases about time),
/// must end with the error code
/// its first line names, and must leave the state able to run a normal script. A case that hangs
/// the host is killed by the guard below and fails its test instead of stalling CI.
@Suite("Hostile scripts")
struct HostileScriptTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Hostile")

    static let cases: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".lua") }.sorted()
    }()

    @Test func suite_hasAtLeastThirtyCases() {
        #expect(Self.cases.count >= 30)
    }

    @Test(arguments: cases)
    func run_hostileScript_endsWithItsClassifiedError_andStateStaysUsable(_ name: String) async throws {
        // The probe is waited for on a thread of its own, not on one of the concurrency pool's few.
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            Thread.detachNewThread {
                continuation.resume(with: Result { try Self.check(name) })
            }
        }
    }

    private static func check(_ name: String) throws {
        let path = Self.folder.appendingPathComponent(name).path
        let source = try String(decoding: Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
        let expected = try #require(field("expect", in: source), "\(name) has no '-- expect: CODE' line")
        let extra = field("args", in: source)?.split(separator: " ").map(String.init) ?? []

        // Only cases about time kills get the short budget; for the others a slow, loaded machine
        // must not turn their expected error (a memory cap, a violation) into a timeout.
        let budget = expected == "SCRIPT_TIMEOUT" ? "200" : "30000"
        let output = try ProbeProcess.run(
            [path, "--time-ms", budget, "--memory", "\(64 << 20)", "--follow-up"] + extra)
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: [String: Any]],
            "probe printed no report: \(output)")
        #expect(report["script"]?["code"] as? String == expected, "\(name): \(output)")
        #expect(report["followUp"]?["code"] as? String == "OK", "\(name): the state did not run a normal script after")
        #expect(report["followUp"]?["results"] as? String == "1000, 2000")
    }

    private static func field(_ key: String, in source: String) -> String? {
        for line in source.split(separator: "\n") where line.contains("-- \(key): ") {
            return line.components(separatedBy: "-- \(key): ").last?.trimmingCharacters(in: .whitespaces)
        }
        return nil
    }
}

/// Runs the probe binary built next to the test bundle, killing it if it outlives a generous guard.
enum ProbeProcess {
    struct Hung: Error, CustomStringConvertible {
        var arguments: [String]
        var description: String { "tide-lua-probe \(arguments.joined(separator: " ")) hung: killed after 60 s" }
    }

    static var executable: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("tide-lua-probe")
    }

    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        try process.run()
        // The report is one short line, well under a pipe's buffer: wait first, then read.
        if finished.wait(timeout: .now() + 60) == .timedOut {
            process.terminate()
            throw Hung(arguments: arguments)
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
