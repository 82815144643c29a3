public import Foundation

/// The consumption record of one allocation (the spec's `ResourceUsage`).
public struct ResourceUsage: Sendable, Hashable, Codable {
    /// The allocation's resource id.
    public var resourceId: String
    /// The type of resource.
    public var resourceType: String
    /// The quantity held.
    public var amountUsed: Double
    /// Amount × unit cost per second × seconds held.
    public var cost: Double
    /// When the allocation started.
    public var startTime: Date
    /// When it was released; `nil` while still held.
    public var endTime: Date?
    /// Busy time of the holding task divided by held time (0–1).
    public var efficiency: Double

    /// Creates a usage record.
    public init(
        resourceId: String, resourceType: String, amountUsed: Double, cost: Double, startTime: Date,
        endTime: Date? = nil, efficiency: Double
    ) {
        self.resourceId = resourceId
        self.resourceType = resourceType
        self.amountUsed = amountUsed
        self.cost = cost
        self.startTime = startTime
        self.endTime = endTime
        self.efficiency = efficiency
    }
}
