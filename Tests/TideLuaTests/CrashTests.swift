import Foundation
import GRDB
import Testing
import Tide

#if canImport(Glibc)
    import Glibc
#endif

/// The durability contract attacked from outside: the built `tide` runs a 400-task plan with real
/// dependencies and is killed with SIGKILL again and again — at the instant the k-th
/// `TASK_COMPLETED` line is read, at random delays, and during start-up — and after each kill four
/// resumers race for the execution. After every kill: every event the dead process printed is in
/// the store, the store's timeline extends the one seen at the kill before, and exactly one racer
/// ran. At the end: no task whose completion was committed ran again (each body writes a line of
/// evidence through `tide.exec`), no attempt id was given twice, and the timeline is whole.
@Suite("Crash and resume: what was printed survives")
struct CrashTests {
    static let kills = 26

    /// 20 layers of 20 tasks; each depends on two of the layer before and leaves evidence.
    static func plan(evidence: String) -> String {
        """
        local plan = require "tide.plan"
        -- "pid:start taskId attemptId" of the tide process that ran the body (pid and start time:
        -- pids are reused over the thousands of processes this test starts); the shell's parent
        -- is the attempt's tide-guard, whose parent is tide.
        local EVIDENCE = [=[t=$1 a=$2 f=$3; p=$PPID; read -r s < /proc/$p/stat; set -- $s
        case $2 in "(tide-guard)") p=$4; read -r s < /proc/$p/stat; set -- $s;; esac; shift 21
        printf "%s:%s %s %s\\n" "$p" "$1" "$t" "$a" >> "$f"]=]
        local tasks = {}
        for layer = 1, 20 do
          for i = 1, 20 do
            local after = nil
            if layer > 1 then
              after = { "L" .. (layer - 1) .. "_" .. i, "L" .. (layer - 1) .. "_" .. (i % 20 + 1) }
            end
            tasks[#tasks + 1] = { id = "L" .. layer .. "_" .. i, after = after, run = function(ctx)
              tide.exec { "sh", "-c", EVIDENCE, "sh", ctx.taskId, ctx.attemptId, "\(evidence)" }
              return layer * 100 + i
            end }
          end
        end
        return plan { id = "attack", concurrency = 8, tasks = tasks }
        """
    }

    /// A small deterministic generator (SplitMix64), so a failing seed can be replayed.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// When a run is killed.
    enum KillPoint {
        /// The instant the k-th `TASK_COMPLETED` line is read from its output.
        case afterCompletions(Int)
        /// A delay after it was started (often during start-up).
        case afterDelay(milliseconds: Int)
        /// The instant its first line (the execution's id) is read: before any task ran.
        case atFirstLine
    }

    /// An event as printed or stored.
    struct Key: Hashable {
        var id: String
        var type: String
        var taskId: String?
    }

    /// Everything one seed's attack observed.
    struct Attack {
        let seed: Int
        let database: String
        let evidence: String
        var random: Generator
        /// Every tide process started, in order, as `pid:startTicks`.
        var pids: [String] = []
        /// After each kill: how many processes had been started, and the tasks committed completed.
        var committedAtKill: [(started: Int, tasks: Set<String>)] = []
        var lastSnapshot: [Key] = []
        var kills = 0

        mutating func killPoint() -> KillPoint {
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<6: .afterCompletions(.random(in: 1...30, using: &random))
            case 6..<9: .afterDelay(milliseconds: .random(in: 0...150, using: &random))
            default: .atFirstLine
            }
        }
    }

    @Test(arguments: 1...8)
    func killAtAnyInstant_losesNothingPrinted_runsNothingTwice_andOneOwnerRuns(seed: Int) async throws {
        try await offThePool { try Self.attack(seed: seed) }
    }

    /// One seed's attack (it blocks on child processes for tens of seconds: run it off the pool).
    static func attack(seed: Int) throws {
        let folder = try temporaryFolder()
        let evidence = folder.appendingPathComponent("evidence").path
        _ = FileManager.default.createFile(atPath: evidence, contents: nil)
        let planFile = folder.appendingPathComponent("attack.lua").path
        try Self.plan(evidence: evidence).write(toFile: planFile, atomically: true, encoding: .utf8)
        var attack = Attack(
            seed: seed, database: folder.appendingPathComponent("tide.db").path, evidence: evidence,
            random: Generator(state: UInt64(seed) &* 7919))
        let durability = seed % 2 == 0 ? "power" : "process"

        // The first run, killed.
        let first = try TideProcess.start(
            ["run", planFile, "--json", "--durability", durability, "--no-recovery", "--no-alerts"],
            database: attack.database)
        attack.pids.append(Self.identity(first))
        let point = attack.killPoint()
        guard let id = try Self.executionId(first) else {
            Issue.record("seed \(seed): no first line")
            return
        }
        try Self.kill(first, at: point)
        try Self.checkAfterKill(first, id: id, &attack)

        // Then resumers race after every kill; the one that wins is killed in turn.
        var completed = false
        while attack.kills < Self.kills && !completed {
            let json = Bool.random(using: &attack.random)
            let arguments = ["resume", id, "--no-recovery", "--no-alerts"] + (json ? ["--json"] : [])
            let racers = try (0..<4).map { _ in try TideProcess.start(arguments, database: attack.database) }
            attack.pids += racers.map(Self.identity)
            guard let winner = try Self.winner(of: racers, seed: seed) else {
                completed = true  // every racer found it completed
                break
            }
            let point = attack.killPoint()
            try Self.kill(winner, at: point)
            let outcome = try winner.wait()
            if outcome.status == 0 {
                completed = true
            } else {
                #expect(outcome.status == 128 + SIGKILL || outcome.status == SIGKILL, "seed \(seed): \(outcome.stderr)")
            }
            try Self.checkAfterKill(winner, id: id, &attack)
        }
        // Run it to its end.
        var tries = 0
        while !completed && tries < 3 {
            let last = try TideProcess.start(["resume", id, "--quiet"], database: attack.database)
            attack.pids.append(Self.identity(last))
            let outcome = try last.wait()
            #expect(outcome.status == 0, "seed \(seed): the last resume exited \(outcome.status): \(outcome.stderr)")
            completed = outcome.status == 0
            tries += 1
        }
        #expect(attack.kills >= 20, "seed \(seed): only \(attack.kills) kills")
        try Self.checkEnd(id: id, attack)
    }

    /// `pid:startTicks` of a process just started (read while it surely runs: it was not waited for).
    static func identity(_ running: TideProcess.Running) -> String {
        let start = ProcessIdentity.startToken(of: Int(running.pid))?.split(separator: ":").last.map(String.init)
        return "\(running.pid):\(start ?? "?")"
    }

    /// Four resumers of a failed execution, started at once: one runs it, the others are refused
    /// with 75 having run nothing (a failed execution's status says nothing about its owner).
    @Test func resumersRacing_aFailedExecution_oneRuns_theOthersExit75() async throws {
        try await offThePool {
            let folder = try temporaryFolder()
            let evidence = folder.appendingPathComponent("evidence").path
            let marker = folder.appendingPathComponent("fixed").path
            _ = FileManager.default.createFile(atPath: evidence, contents: nil)
            let plan = try writePlan(
                """
                local EVIDENCE = [=[p=$PPID; read -r s < /proc/$p/stat; set -- $s
                case $2 in "(tide-guard)") p=$4; read -r s < /proc/$p/stat; set -- $s;; esac
                shift 21; echo "$p:$1" >> "\(evidence)"]=]
                local tasks = {}
                for i = 1, 4 do
                  tasks[i] = { id = "t" .. i, run = function()
                    tide.exec { "sh", "-c", EVIDENCE }
                    if tide.exec { "test", "-e", "\(marker)" }.code ~= 0 then error("not yet") end
                    tide.sleep("2s")  -- long enough for every racer to reach the claim on a loaded machine
                  end }
                end
                return { failurePolicy = "continue", tasks = tasks }
                """)
            let database = folder.appendingPathComponent("tide.db").path
            #expect(try TideProcess.run(["run", plan, "--quiet", "--no-recovery"], database: database).status == 1)
            let id = try #require(try ExecutionStore(path: database).recentExecutions().first?.id)
            _ = FileManager.default.createFile(atPath: marker, contents: nil)
            let before = Set(try String(contentsOfFile: evidence, encoding: .utf8).split(separator: "\n"))
            let racers = try (0..<4).map { _ in
                try TideProcess.start(["resume", id, "--quiet", "--no-recovery"], database: database)
            }
            let identities = racers.map(Self.identity)
            let outcomes = try racers.map { try $0.wait() }
            #expect(outcomes.map(\.status).sorted() == [0, 75, 75, 75], "\(outcomes.map(\.stderr))")
            let after = Set(try String(contentsOfFile: evidence, encoding: .utf8).split(separator: "\n"))
            let ranIn = Set(after.subtracting(before).map(String.init))
            #expect(ranIn.count == 1 && ranIn.isSubset(of: Set(identities)), "bodies ran in \(ranIn)")
        }
    }

    /// A run whose execution another process takes over stops, reports STORE_ERROR (never the end
    /// it reached on its own), and exits 75.
    @Test func run_whenAnotherProcessTakesItOver_reportsStoreError_andExits75() async throws {
        try await offThePool {
            let folder = try temporaryFolder()
            let database = folder.appendingPathComponent("tide.db").path
            let plan = try writePlan(
                """
                local tasks = {}
                for i = 1, 40 do tasks[i] = { id = "t" .. i, after = i > 1 and { "t" .. (i - 1) } or nil,
                  run = function() tide.sleep("50ms") end } end
                return { tasks = tasks }
                """)
            let run = try TideProcess.run(["run", plan, "--json", "--no-recovery"], database: database) { _, output in
                _ = output.waitFor("TASK_COMPLETED", count: 2)
                let queue = try DatabaseQueue(path: database)
                try queue.write { db in try db.execute(sql: "UPDATE executions SET ownerToken = 'taken', pid = 1") }
            }
            #expect(run.status == 75, "\(run.stderr)")
            let last = try #require(run.stdout.split(separator: "\n").last)
            let result = try JSONDecoder().decode([String: JSONValue].self, from: Data(last.utf8))["result"]
            #expect(result?["status"] == "FAILED")
            #expect(result?["error"]?["code"] == "STORE_ERROR")
            #expect(
                try ExecutionStore(path: database).execution(matching: "").status == .running,
                "nothing more was written")
        }
    }

    /// Reads the execution id from a run's first line (JSON or text).
    static func executionId(_ running: TideProcess.Running) throws -> String? {
        guard running.output.wait(on: 0, for: { $0.contains("\n") }) else { return nil }
        let line = String(running.output.stdout.prefix { $0 != "\n" })
        if let data = try? JSONDecoder().decode([String: JSONValue].self, from: Data(line.utf8)) {
            return data["execution"]?["executionId"]?.stringValue
        }
        let words = line.split(separator: " ")
        return words.count > 1 && words[0] == "execution" ? String(words[1]) : nil
    }

    /// Waits until each racer either printed its first line (it owns the execution) or exited;
    /// returns the one that owns it. The others must have been refused with 75 having printed
    /// nothing, or found the execution completed (4).
    static func winner(of racers: [TideProcess.Running], seed: Int) throws -> TideProcess.Running? {
        var winners: [TideProcess.Running] = []
        for racer in racers {
            _ = racer.output.wait(on: 0) { $0.contains("\n") }
            if racer.output.stdout.contains("\n") {
                winners.append(racer)
                continue
            }
            let outcome = try racer.wait()
            #expect(
                outcome.status == 75 || outcome.status == 4,
                "seed \(seed): a racer exited \(outcome.status): \(outcome.stderr)")
            if outcome.status == 75 { #expect(outcome.stderr.contains("owned by process")) }
            #expect(outcome.stdout.isEmpty, "seed \(seed): a refused racer printed \(outcome.stdout)")
        }
        #expect(winners.count <= 1, "seed \(seed): \(winners.count) processes own the execution at once")
        return winners.first
    }

    /// Sends SIGKILL at the kill point (or lets the run end, if it ends first).
    static func kill(_ running: TideProcess.Running, at point: KillPoint) throws {
        switch point {
        case .afterCompletions(let count):
            _ = running.output.waitFor("TASK_COMPLETED", count: count)
        case .afterDelay(let milliseconds):
            // Not a wait for something: the kill lands at a random instant, start-up included.
            usleep(useconds_t(milliseconds * 1000))
        case .atFirstLine:
            _ = running.output.wait(on: 0) { $0.contains("\n") }
        }
        // Only a process that still runs: the pid of one that ended (and was reaped) may be another's now.
        if running.process.isRunning { Glibc.kill(running.pid, SIGKILL) }
    }

    /// After a kill: what the dead process printed is stored, the timeline extends the last one
    /// seen, and the committed completions are noted.
    static func checkAfterKill(_ running: TideProcess.Running, id: String, _ attack: inout Attack) throws {
        _ = try running.wait()
        attack.kills += 1
        let store = try ExecutionStore(path: attack.database)
        let stored = try store.events(of: id)
        let keys = stored.map { Key(id: $0.id, type: $0.type.rawValue, taskId: $0.taskId) }
        let byId = Dictionary(uniqueKeysWithValues: keys.map { ($0.id, $0) })
        let context = "seed \(attack.seed), kill \(attack.kills)"
        for line in running.output.stdout.split(separator: "\n") {
            if let object = try? JSONDecoder().decode([String: JSONValue].self, from: Data(line.utf8)) {
                if let result = object["result"] {
                    // A printed end is a committed end.
                    let status = try store.execution(matching: id).status.rawValue
                    #expect(result["status"]?.stringValue == status, "\(context): printed \(result["status"] ?? nil)")
                }
                guard let event = object["event"], let eventId = event["id"]?.stringValue else { continue }
                let printed = Key(
                    id: eventId, type: event["type"]?.stringValue ?? "", taskId: event["taskId"]?.stringValue)
                #expect(
                    byId[eventId] == printed,
                    "\(context): printed \(printed) but stored \(String(describing: byId[eventId]))")
            } else if let printed = Self.printedEvent(line) {
                #expect(
                    stored.contains { $0.type.rawValue == printed.type && $0.description == printed.description },
                    "\(context): printed '\(line)' is not in the store")
            }
        }
        #expect(
            Array(keys.prefix(attack.lastSnapshot.count)) == attack.lastSnapshot, "\(context): the timeline changed")
        attack.lastSnapshot = keys
        let completed = Set(stored.filter { $0.type == .taskCompleted }.compactMap(\.taskId))
        attack.committedAtKill.append((attack.pids.count, completed))
        #expect(try store.integrityCheck() == "ok")
    }

    /// An event line of the text output: `[   1.234s] TYPE   description`.
    static func printedEvent(_ line: Substring) -> (type: String, description: String)? {
        guard line.hasPrefix("["), let close = line.firstIndex(of: "]") else { return nil }
        let rest = line[line.index(after: close)...].drop { $0 == " " }
        let type = String(rest.prefix { $0 != " " })
        guard ExecutionEventType(rawValue: type) != nil else { return nil }
        let description = rest.dropFirst(type.count).drop { $0 == " " }
        return (type, String(description))
    }

    /// At the end: the execution completed once per task, nothing committed ran again, attempt ids
    /// are unique, the timeline is gapless.
    static func checkEnd(id: String, _ attack: Attack) throws {
        let context = "seed \(attack.seed)"
        let store = try ExecutionStore(path: attack.database)
        #expect(try store.execution(matching: id).status == .completed, "\(context)")
        let events = try store.events(of: id)
        #expect(events.map(\.id) == events.indices.map { String($0 + 1) }, "\(context): the timeline has a gap")
        #expect(events.first?.type == .executionStarted, "\(context): the timeline does not start")
        var completedAt: [String: Int] = [:]
        for (position, event) in events.enumerated() where event.type == .taskCompleted {
            if let taskId = event.taskId {
                #expect(completedAt[taskId] == nil, "\(context): \(taskId) completed twice")
                completedAt[taskId] = position
            }
        }
        #expect(completedAt.count == 400, "\(context): \(completedAt.count) of 400 tasks completed")
        for (position, event) in events.enumerated() where event.type == .taskStarted {
            if let taskId = event.taskId, let done = completedAt[taskId] {
                #expect(position < done, "\(context): \(taskId) started again after its completion was recorded")
            }
        }
        // Evidence: "pid:start taskId attemptId" per body run.
        let lines = try String(contentsOfFile: attack.evidence, encoding: .utf8).split(separator: "\n")
        var attemptIds: Set<Substring> = []
        var ranIn: [String: Set<String>] = [:]
        for line in lines {
            let fields = line.split(separator: " ")
            guard fields.count == 3 else {
                Issue.record("\(context): bad evidence line '\(line)'")
                continue
            }
            #expect(attemptIds.insert(fields[2]).inserted, "\(context): attempt id \(fields[2]) was given twice")
            ranIn[String(fields[0]), default: []].insert(String(fields[1]))
        }
        for (started, committed) in attack.committedAtKill {
            for pid in attack.pids.dropFirst(started) {
                let again = ranIn[pid, default: []].intersection(committed)
                #expect(
                    again.isEmpty, "\(context): \(again.sorted().prefix(5)) ran again after their completion committed")
            }
        }
    }
}
