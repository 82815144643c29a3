/// Why the store could not do what was asked, worded for the person at the terminal.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// What went wrong and what to do about it.
    public var message: String

    /// Creates an error.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}
