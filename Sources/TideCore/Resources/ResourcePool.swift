/// A pool of one resource type that the engine allocates from.
///
/// ```swift
/// ResourcePool(type: "computational", capacity: 16, costPerUnitSecond: 0.0001,
///              attributes: ["memory": 65_536, "gpu": false])
/// ```
///
/// A requirement's constraints are matched against ``attributes``: `minX: v` needs attribute `x`
/// (or `X`) ≥ v, `maxX: v` needs it ≤ v, `xRequired: true` needs `x` to be `true` (`false` asks
/// nothing), and any other key needs an attribute of the same name equal to the value. A
/// constraint that no pool of the type can be asked about is an error, not ignored.
public struct ResourcePool: Sendable, Hashable {
    /// A name for the pool, unique in the engine; the type by default.
    public var id: String
    /// The resource type it provides.
    public var type: String
    /// How much of it there is.
    public var capacity: Double
    /// The cost of holding one unit for one second.
    public var costPerUnitSecond: Double
    /// Facts about the pool that constraints are matched against.
    public var attributes: [String: JSONValue]

    /// Creates a pool.
    public init(
        id: String? = nil, type: String, capacity: Double, costPerUnitSecond: Double = 0,
        attributes: [String: JSONValue] = [:]
    ) {
        self.id = id ?? type
        self.type = type
        self.capacity = capacity
        self.costPerUnitSecond = costPerUnitSecond
        self.attributes = attributes
    }

    /// Whether the pool's attributes satisfy `constraints`; `nil` when a key cannot be asked of it.
    func satisfies(_ constraints: [String: JSONValue]) -> Bool? {
        for (key, wanted) in constraints {
            guard let answer = check(key, wanted) else { return nil }
            if !answer { return false }
        }
        return true
    }

    private func attribute(_ name: String) -> JSONValue? {
        if let value = attributes[name] { return value }
        guard let first = name.first else { return nil }
        return attributes[first.lowercased() + name.dropFirst()]
    }

    private func check(_ key: String, _ wanted: JSONValue) -> Bool? {
        if key.hasPrefix("min"), key.count > 3, let value = attribute(String(key.dropFirst(3))) {
            guard let have = value.doubleValue, let need = wanted.doubleValue else { return false }
            return have >= need
        }
        if key.hasPrefix("max"), key.count > 3, let value = attribute(String(key.dropFirst(3))) {
            guard let have = value.doubleValue, let need = wanted.doubleValue else { return false }
            return have <= need
        }
        if key.hasSuffix("Required"), key.count > 8 {
            let name = String(key.dropLast(8))
            if wanted == .bool(false) { return true }
            guard let value = attribute(name) else { return nil }
            return value == .bool(true)
        }
        guard let value = attributes[key] else { return nil }
        return value == wanted
    }
}
