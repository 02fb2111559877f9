import Foundation
import ProcessSupport

/// The async side of ``FSRunner``: the same calls, waiting on threads of their own or on callbacks,
/// never on a thread of the cooperative pool (see `onOwnThread`).
extension FSRunner {
    /// Runs `fs` with `arguments` to completion (once one of ``ProcessSlots`` is free).
    @discardableResult
    static func run(_ arguments: [String], environment: [String: String] = [:], in directory: String? = nil)
        async throws -> Result
    {
        try await ProcessSlots.shared.withSlot {
            let running = try start(arguments, environment: environment, in: directory)
            // Both pipes at once: a child that fills one while the other is read would never finish.
            async let stdout = running.readStandardOutput()
            async let stderr = running.readStandardError()
            let output = await (stdout, stderr)
            await running.waitForExit()
            return Result(status: running.process.terminationStatus, stdout: output.0, stderr: output.1)
        }
    }
}

extension FSRunner.Running {
    /// Returns once the process has ended.
    func waitForExit() async { _ = await process.waitForExit() }

    /// Sends `signal` and waits for the process to end.
    func stop(_ signal: Int32) async {
        kill(process.processIdentifier, signal)
        await waitForExit()
    }

    /// Everything the process writes to stdout, until it closes it.
    func readStandardOutput() async -> String { await Self.readToEnd(standardOutputPipe.fileHandleForReading) }

    /// Everything the process writes to stderr, until it closes it.
    func readStandardError() async -> String { await Self.readToEnd(standardErrorPipe.fileHandleForReading) }

    /// Reads stdout until `enough` says the text read so far is enough, or stdout closes; returns
    /// the text read.
    func readStandardOutput(until enough: @escaping @Sendable (String) -> Bool) async -> String {
        await Self.read(standardOutputPipe.fileHandleForReading, until: enough)
    }

    /// Reads stderr until `enough` says the text read so far is enough, or stderr closes; returns
    /// the text read.
    func readStandardError(until enough: @escaping @Sendable (String) -> Bool) async -> String {
        await Self.read(standardErrorPipe.fileHandleForReading, until: enough)
    }

    private static func readToEnd(_ handle: FileHandle) async -> String {
        await onOwnThread { String(decoding: handle.readDataToEndOfFile(), as: UTF8.self) }
    }

    private static func read(_ handle: FileHandle, until enough: @escaping @Sendable (String) -> Bool) async
        -> String
    {
        await onOwnThread {
            var data = Data()
            while !enough(String(decoding: data, as: UTF8.self)) {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                data += chunk
            }
            return String(decoding: data, as: UTF8.self)
        }
    }
}
