import Foundation

/// The safetensors format (huggingface/safetensors), our checkpoint and fixture format:
/// 8-byte little-endian header length N, N bytes of JSON mapping each tensor name to
/// `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets relative to the byte after the header)
/// plus an optional `"__metadata__"` string map, then the raw little-endian tensor bytes.
///
/// Reading validates everything before trusting it (header inside the file, offsets in range and
/// consistent with dtype × shape, no overlaps) so a corrupt or truncated file gives one clear error.
public struct SafeTensors: Sendable {
    public enum DType: String, Sendable, CaseIterable {
        case float64 = "F64", float32 = "F32", float16 = "F16", int64 = "I64", int32 = "I32"
        case int16 = "I16", int8 = "I8", uint8 = "U8", uint64 = "U64", uint32 = "U32", bool = "BOOL"

        public var byteCount: Int {
            switch self {
            case .float64, .int64, .uint64: return 8
            case .float32, .int32, .uint32: return 4
            case .float16, .int16: return 2
            case .int8, .uint8, .bool: return 1
            }
        }
    }

    public struct Tensor: Sendable, Equatable {
        public let dtype: DType
        public let shape: [Int]
        public let bytes: Data
        public var elementCount: Int { shape.reduce(1, *) }
    }

    /// Names in file order (the order of their data).
    public private(set) var names: [String] = []
    public private(set) var tensors: [String: Tensor] = [:]
    public var metadata: [String: String] = [:]
    /// Where the tensors were read from, for error messages.
    public private(set) var source = ""

    public init() {}

    // MARK: Reading

    public init(contentsOf url: URL) throws {
        let data: Data
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw SafeTensorsError(file: url.path, "no such file")
        }
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw SafeTensorsError(file: url.path, "cannot read file (\(error.localizedDescription))")
        }
        try self.init(data: data, source: url.path)
    }

    public init(data: Data, source: String = "<memory>") throws {
        self.source = source
        func fail(_ message: String) -> SafeTensorsError { SafeTensorsError(file: source, message) }
        guard data.count >= 8 else { throw fail("file is \(data.count) bytes, shorter than the 8-byte header length") }
        let headerLength = data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw fail("header length \(headerLength) runs past the end of the file (\(data.count) bytes)")
        }
        let headerEnd = 8 + Int(headerLength)
        let headerBytes = data[data.startIndex + 8..<data.startIndex + headerEnd]
        guard let json = try? JSONSerialization.jsonObject(with: headerBytes), let header = json as? [String: Any] else {
            throw fail("header at byte 8 is not a JSON object")
        }
        let payload = data.count - headerEnd
        var spans: [(begin: Int, end: Int, name: String)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else { throw fail("__metadata__ is not an object") }
                for (key, entry) in map {
                    guard let text = entry as? String else { throw fail("__metadata__.\(key) is not a string") }
                    metadata[key] = text
                }
                continue
            }
            guard let entry = value as? [String: Any] else { throw fail("tensor '\(name)': entry is not an object") }
            guard let dtypeName = entry["dtype"] as? String, let dtype = DType(rawValue: dtypeName) else {
                throw fail("tensor '\(name)': missing or unsupported dtype \(String(describing: entry["dtype"] ?? "nil"))")
            }
            guard let shapeValues = entry["shape"] as? [Any],
                  let shape = Optional(shapeValues.compactMap { ($0 as? NSNumber)?.intValue }), shape.count == shapeValues.count,
                  shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("tensor '\(name)': shape is not a list of non-negative integers")
            }
            guard let offsets = entry["data_offsets"] as? [Any], offsets.count == 2,
                  let begin = (offsets[0] as? NSNumber)?.intValue, let end = (offsets[1] as? NSNumber)?.intValue,
                  begin >= 0, begin <= end else {
                throw fail("tensor '\(name)': data_offsets must be [begin, end] with 0 ≤ begin ≤ end")
            }
            guard end <= payload else {
                throw fail("tensor '\(name)': data_offsets end \(end) is past the data (\(payload) bytes; file truncated?)")
            }
            let expected = shape.reduce(1, *) * dtype.byteCount
            guard end - begin == expected else {
                throw fail("tensor '\(name)': \(end - begin) bytes for dtype \(dtype.rawValue) shape \(shape), expected \(expected)")
            }
            let start = data.startIndex + headerEnd + begin
            tensors[name] = Tensor(dtype: dtype, shape: shape, bytes: Data(data[start..<(start + end - begin)]))
            spans.append((begin, end, name))
        }
        spans.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        for index in spans.indices.dropFirst() where spans[index].begin < spans[index - 1].end {
            throw fail("tensors '\(spans[index - 1].name)' and '\(spans[index].name)' overlap")
        }
        names = spans.map(\.name)
    }

    public func tensor(_ name: String) throws -> Tensor {
        guard let tensor = tensors[name] else { throw SafeTensorsError(file: source, "no tensor named '\(name)'") }
        return tensor
    }

    /// The tensor converted to Double (from any float or integer dtype).
    public func doubles(_ name: String) throws -> [Double] {
        let tensor = try tensor(name)
        return tensor.bytes.withUnsafeBytes { raw -> [Double] in
            let count = tensor.elementCount
            func read<T>(_ type: T.Type, _ convert: (T) -> Double) -> [Double] {
                (0..<count).map { convert(raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self)) }
            }
            switch tensor.dtype {
            case .float64: return read(UInt64.self) { Double(bitPattern: UInt64(littleEndian: $0)) }
            case .float32: return read(UInt32.self) { Double(Float(bitPattern: UInt32(littleEndian: $0))) }
            case .float16: return read(UInt16.self) { Double(Self.halfToFloat(UInt16(littleEndian: $0))) }
            case .int64: return read(Int64.self) { Double(Int64(littleEndian: $0)) }
            case .uint64: return read(UInt64.self) { Double(UInt64(littleEndian: $0)) }
            case .int32: return read(Int32.self) { Double(Int32(littleEndian: $0)) }
            case .uint32: return read(UInt32.self) { Double(UInt32(littleEndian: $0)) }
            case .int16: return read(Int16.self) { Double(Int16(littleEndian: $0)) }
            case .int8: return read(Int8.self) { Double($0) }
            case .uint8, .bool: return read(UInt8.self) { Double($0) }
            }
        }
    }

    public func floats(_ name: String) throws -> [Float] {
        let tensor = try tensor(name)
        if tensor.dtype == .float32 {
            return tensor.bytes.withUnsafeBytes { raw in
                (0..<tensor.elementCount).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
            }
        }
        return try doubles(name).map(Float.init)
    }

    static func halfToFloat(_ bits: UInt16) -> Float {
        let sign = UInt32(bits >> 15) << 31
        let exponent = Int((bits >> 10) & 0x1F), mantissa = UInt32(bits & 0x3FF)
        if exponent == 0 { return (sign == 0 ? 1 : -1) * Float(mantissa) * 0x1p-24 }
        if exponent == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
    }

    // MARK: Writing

    public mutating func add(_ name: String, floats values: [Float], shape: [Int]) {
        precondition(values.count == shape.reduce(1, *), "\(name): \(values.count) values for shape \(shape)")
        var bytes = Data(capacity: values.count * 4)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        insert(name, Tensor(dtype: .float32, shape: shape, bytes: bytes))
    }

    public mutating func add(_ name: String, doubles values: [Double], shape: [Int]) {
        precondition(values.count == shape.reduce(1, *), "\(name): \(values.count) values for shape \(shape)")
        var bytes = Data(capacity: values.count * 8)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        insert(name, Tensor(dtype: .float64, shape: shape, bytes: bytes))
    }

    public mutating func add(_ name: String, int64s values: [Int64], shape: [Int]) {
        precondition(values.count == shape.reduce(1, *), "\(name): \(values.count) values for shape \(shape)")
        var bytes = Data(capacity: values.count * 8)
        for value in values { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
        insert(name, Tensor(dtype: .int64, shape: shape, bytes: bytes))
    }

    private mutating func insert(_ name: String, _ tensor: Tensor) {
        precondition(name != "__metadata__", "reserved name")
        if tensors[name] == nil { names.append(name) }
        tensors[name] = tensor
    }

    /// The file's bytes: header (tensors in insertion order, padded with spaces to a multiple of 8
    /// as the reference implementation does) then data.
    public func serialized() -> Data {
        func quoted(_ text: String) -> String {
            let encoded = try! JSONEncoder().encode(text)
            return String(decoding: encoded, as: UTF8.self)
        }
        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(quoted($0)):\(quoted(metadata[$0]!))" }
            entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for name in names {
            let tensor = tensors[name]!
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append("\(quoted(name)):{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + tensor.bytes.count)]}")
            offset += tensor.bytes.count
        }
        var header = Data("{\(entries.joined(separator: ","))}".utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var file = Data()
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(header)
        for name in names { file.append(tensors[name]!.bytes) }
        return file
    }

    /// Writes atomically: a temporary file in the same directory, then rename, so a crash leaves the
    /// previous file intact.
    public func write(to url: URL) throws {
        try AtomicFile.write(serialized(), to: url)
    }
}

public struct SafeTensorsError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let message: String

    public init(file: String, _ message: String) {
        self.file = file
        self.message = message
    }

    public var description: String { file.isEmpty ? message : "\(file): \(message)" }
}

/// Temp-file-and-rename writes, so readers see the old file or the new one, never half of one.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try data.write(to: temporary)
            if rename(temporary.path, url.path) != 0 {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }
}
