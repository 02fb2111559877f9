import FeatureStoreCore
import Foundation

/// Writes rejected rows to a CSV side file: `line,reason,record` (the record as it was in the input).
struct RejectsWriter {
    let path: String
    private var bytes: [UInt8] = Array("line,reason,record\n".utf8)
    private(set) var count = 0

    init(path: String) { self.path = path }

    mutating func add(_ problem: IngestRowProblem, record: UnsafeBufferPointer<UInt8>) {
        bytes += String(problem.line).utf8
        bytes.append(UInt8(ascii: ","))
        appendQuoted(Array(problem.detail.utf8))
        bytes.append(UInt8(ascii: ","))
        appendQuoted(Array(record))
        bytes.append(10)
        count += 1
    }

    private mutating func appendQuoted(_ field: [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in field {
            if byte == UInt8(ascii: "\"") { bytes.append(byte) }
            bytes.append(byte)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Writes the file (atomically).
    func write() throws {
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw FeatureStoreError.io("cannot write the rejected rows to \(path): \(error.localizedDescription)")
        }
    }
}
