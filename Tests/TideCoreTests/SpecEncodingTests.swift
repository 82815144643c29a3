import Foundation
import Testing
import TideCore

/// Values encode to JSON with the spec's field names and enum spellings.
@Suite("Spec JSON names")
struct SpecEncodingTests {
    private func json(_ value: some Encodable) throws -> [String: Any] {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(value)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func executionResult_usesTheSpecsFieldNames() throws {
        let result = ExecutionResult(
            executionId: "e1", planId: "p", status: .completed, startedAt: Date(timeIntervalSince1970: 0),
            completedAt: Date(timeIntervalSince1970: 1), result: ["rows": 42],
            timeline: [
                ExecutionEvent(
                    id: "e1-1", type: .taskStarted, timestamp: Date(timeIntervalSince1970: 0), taskId: "t",
                    description: "started")
            ])
        let object = try json(result)
        #expect(
            Set(object.keys) == [
                "executionId", "planId", "status", "startedAt", "completedAt", "result", "metrics", "resourceUsage",
                "timeline",
            ])
        #expect(object["status"] as? String == "COMPLETED")
        let event = try #require((object["timeline"] as? [[String: Any]])?.first)
        #expect(event["type"] as? String == "TASK_STARTED")
        let metrics = try #require(object["metrics"] as? [String: Any])
        #expect(
            Set(metrics.keys) == [
                "totalDuration", "effectiveDuration", "totalCost", "resourceEfficiency", "qualityScore", "successRate",
                "throughput", "errorRate",
            ])
    }

    @Test func enums_useTheSpecsSpellings() {
        #expect(ExecutionEventType.allCases.count == 14)  // the spec's 13 and CUSTOM
        #expect(ExecutionEventType.recoveryInitiated.rawValue == "RECOVERY_INITIATED")
        #expect(RecoveryAction.checkpointRestore.rawValue == "CHECKPOINT_RESTORE")
        #expect(MessageLevel.warning.rawValue == "WARNING")
        #expect(AlertCondition.Operator.gte.rawValue == "gte")
        #expect(ExecutionStatus.allCases.filter(\.isFinal) == [.completed, .failed, .cancelled])
    }

    @Test func recoveryResult_andState_roundTrip() throws {
        let result = RecoveryResult(
            success: true, action: .retry,
            newState: ExecutionState(
                completedTasks: ["a"], taskStates: ["b": ["tries": 1]], variables: ["retry_count": 1]),
            message: "retrying")
        let data = try JSONEncoder().encode(result)
        #expect(try JSONDecoder().decode(RecoveryResult.self, from: data) == result)
        let object = try json(result)
        #expect(Set(object.keys) == ["success", "action", "newState", "message"])
    }

    @Test func jsonValue_keepsIntegersApartFromDoubles() throws {
        let value: JSONValue = ["count": 3, "ratio": 0.5, "list": [1, "two", nil, true]]
        let decoded = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
        #expect(decoded == value)
        #expect(decoded["count"] == .int(3))
    }
}
