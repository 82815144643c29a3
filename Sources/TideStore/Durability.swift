/// How much a commit survives.
public enum Durability: String, Sendable, CaseIterable, Comparable {
    /// Survives the process being killed at any instant (`kill -9`): WAL with `synchronous=NORMAL`.
    /// A power loss may lose the last commits, never the database. The default.
    case process
    /// Also survives a power loss or an OS crash: `synchronous=FULL`, an fsync per commit.
    case power

    /// `process` is below `power`.
    public static func < (lhs: Durability, rhs: Durability) -> Bool { lhs == .process && rhs == .power }
}
