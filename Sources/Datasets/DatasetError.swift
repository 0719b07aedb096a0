import Foundation

/// Why a dataset could not be read, written or generated, as one line naming where.
///
/// `description` is the exact line the CLI prints: `path:line: message` for text formats,
/// `path: byte N: message` for binary ones, `path: message` when no position applies, and just
/// `message` for errors that concern no file (an invalid generator setting).
public struct DatasetError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file as the caller named it, when the error concerns a file.
    public var file: String?
    /// 1-based line number in a text file.
    public var line: Int?
    /// 0-based byte offset in a binary file.
    public var byteOffset: Int?
    /// What is wrong, in words a user can act on.
    public var message: String

    public init(file: String? = nil, line: Int? = nil, byteOffset: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.byteOffset = byteOffset
        self.message = message
    }

    public var description: String {
        guard let file else { return message }
        if let line { return "\(file):\(line): \(message)" }
        if let byteOffset { return "\(file): byte \(byteOffset): \(message)" }
        return "\(file): \(message)"
    }
}

/// Reads a whole file as bytes, turning I/O failures into a `DatasetError` naming the file.
func readFileBytes(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            let reason = isDirectory.boolValue ? "is a directory, not a file" : "cannot be read (permissions?)"
            throw DatasetError(file: path, message: reason)
        }
        throw DatasetError(file: path, message: "no such file")
    }
    return [UInt8](data)
}

/// The lines of a text file with their 1-based numbers. Splits on LF and drops a trailing CR, so
/// files written on Windows read the same (Swift's `String` treats CRLF as one character, which is
/// why this works on bytes).
func textLines(_ bytes: [UInt8]) -> [(number: Int, text: String)] {
    var lines: [(number: Int, text: String)] = []
    var start = 0
    var number = 1
    let count = bytes.count
    while start < count {
        var end = start
        while end < count && bytes[end] != 0x0A { end += 1 }
        var contentEnd = end
        if contentEnd > start && bytes[contentEnd - 1] == 0x0D { contentEnd -= 1 }
        lines.append((number, String(decoding: bytes[start..<contentEnd], as: UTF8.self)))
        number += 1
        start = end + 1
    }
    return lines
}

/// Writes `data` to `path` without ever leaving a half-written file there: the bytes go to a
/// temporary file in the same directory (so the rename cannot cross file systems), which then
/// replaces `path` in one `rename(2)`. On failure the temporary file is removed and whatever was at
/// `path` before is untouched.
func writeFileAtomically(_ data: Data, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let directory = url.deletingLastPathComponent()
    let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).\(UInt32.random(in: 0...UInt32.max)).tmp")
    do {
        try data.write(to: temporary)
    } catch {
        try? FileManager.default.removeItem(at: temporary)
        throw DatasetError(file: path, message: "cannot write: \(error.localizedDescription)")
    }
    if rename(temporary.path, url.path) != 0 {
        let reason = String(cString: strerror(errno))
        try? FileManager.default.removeItem(at: temporary)
        throw DatasetError(file: path, message: "cannot replace file: \(reason)")
    }
}
