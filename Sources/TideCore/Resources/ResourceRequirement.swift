/// A request for resources (the spec's `ResourceRequirement`).
///
/// ```swift
/// ResourceRequirement(type: "computational", amount: 4, duration: 3_600_000, priority: 8,
///                     constraints: ["minMemory": 8192, "gpuRequired": false])
/// ```
public struct ResourceRequirement: Sendable, Hashable, Codable {
    /// The resource type needed (`computational`, `memory`, `gpu`, or any pool's name).
    public var type: String
    /// The quantity required; never negative.
    public var amount: Double
    /// The expected usage duration in milliseconds, if known.
    public var duration: Double?
    /// Allocation priority, 0 (lowest) to 10 (highest).
    public var priority: Int
    /// Requirements a pool's attributes must meet.
    public var constraints: [String: JSONValue]?

    /// Creates a requirement.
    public init(
        type: String, amount: Double, duration: Double? = nil, priority: Int = 5,
        constraints: [String: JSONValue]? = nil
    ) {
        self.type = type
        self.amount = amount
        self.duration = duration
        self.priority = priority
        self.constraints = constraints
    }
}
