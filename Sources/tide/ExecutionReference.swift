import ArgumentParser
import Tide

/// The `ID` argument and store options of the commands about one recorded execution.
struct ExecutionReference: ParsableArguments {
    @Argument(help: "The execution id (or a unique prefix of it).")
    var id: String

    @OptionGroup var storage: StoreOptions

    /// The store and the execution; prints what is wrong and exits with 1 if either is missing.
    func resolve() throws -> (store: ExecutionStore, execution: StoredExecution) {
        let store = try storage.openExisting()
        return (store, try failing { try store.execution(matching: id) })
    }
}
