import CLua

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension LuaState {
    /// Compiles Lua source text into a function whose `_ENV` is a fresh environment of `sandbox`.
    ///
    /// Only text is accepted: a precompiled (binary) chunk is refused, because Lua does not verify
    /// bytecode and crafted bytecode can crash the interpreter. The source may be at most
    /// ``LuaLimits/maxSourceBytes`` long and is compiled under the memory cap.
    ///
    /// ```swift
    /// let main = try lua.load(source, name: .file("plan.lua"), in: sandbox)
    /// let results = try await runtime.run(main)
    /// ```
    ///
    /// - Parameters:
    ///   - source: The Lua source text.
    ///   - name: The chunk name shown in errors and tracebacks.
    ///   - sandbox: The sandbox whose environment the chunk gets.
    /// - Returns: A reference to the compiled function.
    /// - Throws: ``LuaError/Code/syntaxError`` with the line, ``LuaError/Code/sandboxViolation`` for a
    ///   binary chunk or an oversized source, ``LuaError/Code/memoryLimit``.
    public func load(_ source: String, name: LuaChunkName, in sandbox: LuaSandbox) throws(LuaError) -> LuaReference {
        let environment = try makeEnvironment(in: sandbox)
        return try load(Array(source.utf8), name: name, environment: environment)
    }

    /// Reads a Lua file and compiles it like ``load(_:name:in:)``, named by its path.
    ///
    /// - Parameters:
    ///   - path: The file to read.
    ///   - sandbox: The sandbox whose environment the chunk gets.
    /// - Returns: A reference to the compiled function.
    /// - Throws: ``LuaError/Code/scriptError`` if the file cannot be read, and the errors of ``load(_:name:in:)``.
    public func loadFile(atPath path: String, in sandbox: LuaSandbox) throws(LuaError) -> LuaReference {
        let source = try SourceFile.read(path, maxBytes: limits.maxSourceBytes)
        let environment = try makeEnvironment(in: sandbox)
        return try load(source, name: .file(path), environment: environment)
    }

    /// Compiles `source` and sets its first upvalue (`_ENV`) to `environment`.
    func load(_ source: [UInt8], name: LuaChunkName, environment: LuaReference?) throws(LuaError) -> LuaReference {
        try compile(source, name: name, environment: environment, on: L)
        return popReference(on: L)
    }

    /// Compiles `source` onto the top of thread `T`; with `environment`, sets it as `_ENV`.
    ///
    /// `trusted` skips the source size cap, for the host's own prelude.
    func compile(
        _ source: [UInt8], name: LuaChunkName, environment: LuaReference?, on T: OpaquePointer, trusted: Bool = false
    ) throws(LuaError) {
        collectReleasedReferences()
        let chunk = name.description
        guard trusted || source.count <= limits.maxSourceBytes else {
            throw LuaError(
                .sandboxViolation,
                "source is \(source.count) bytes, over the limit of \(limits.maxSourceBytes) bytes (maxSourceBytes)",
                chunkName: chunk)
        }
        guard source.first != 0x1B else {  // LUA_SIGNATURE starts with ESC
            throw LuaError(
                .sandboxViolation,
                "binary (precompiled) chunks are refused: Tide loads Lua source text only",
                chunkName: chunk)
        }
        let refusals = control.pointee.mem_refusals
        let status = source.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                tide_load(T, chars.baseAddress, chars.count, name.rawValue)
            }
        }
        guard status == LUA_OK else {
            lua_xmove(T, L, 1)
            var error = popBareError(Failure(status: status, memoryRefused: control.pointee.mem_refusals != refusals))
            if error.chunkName == nil { error.chunkName = chunk }
            error.restoreTruncatedChunkName(chunk)
            throw error
        }
        if let environment {
            try push(environment, on: T)
            _ = lua_setupvalue(T, -2, 1)
        }
    }
}

/// Reading source files with a size cap and clear errors.
enum SourceFile {
    /// The bytes of the file at `path`, refusing files over `maxBytes`.
    static func read(_ path: String, maxBytes: Int) throws(LuaError) -> [UInt8] {
        guard let handle = fopen(path, "rb") else {
            throw LuaError(.scriptError, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(handle) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, handle) }
            if count > 0 { bytes.append(contentsOf: chunk[0..<count]) }
            guard bytes.count <= maxBytes else {
                throw LuaError(
                    .sandboxViolation,
                    "\(path) is over the limit of \(maxBytes) bytes (maxSourceBytes)",
                    chunkName: path)
            }
            if count < chunk.count {
                if ferror(handle) != 0 {
                    throw LuaError(.scriptError, "cannot read \(path): \(String(cString: strerror(errno)))")
                }
                return bytes
            }
        }
    }
}
