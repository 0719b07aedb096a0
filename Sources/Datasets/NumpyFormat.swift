import Foundation

/// The element types SeriesLens reads from and writes to `.npy` files.
enum NumpyElement: String {
    case float32 = "<f4", float64 = "<f8"
    case int8 = "|i1", int16 = "<i2", int32 = "<i4", int64 = "<i8"
    case uint8 = "|u1", uint16 = "<u2", uint32 = "<u4", uint64 = "<u8"
    case bool = "|b1"

    var size: Int {
        switch self {
        case .int8, .uint8, .bool: 1
        case .int16, .uint16: 2
        case .float32, .int32, .uint32: 4
        case .float64, .int64, .uint64: 8
        }
    }

    var isFloat: Bool { self == .float32 || self == .float64 }

    /// numpy writes single-byte types with either byte-order mark.
    init?(descriptor: String) {
        let normalised = descriptor.count == 3 && descriptor.hasSuffix("1") ? "|" + descriptor.dropFirst() : descriptor
        self.init(rawValue: normalised)
    }
}

/// A parsed `.npy` array: shape and elements widened to Double (exact for every supported type
/// except 64-bit integers beyond 2^53, which no label or length reaches).
struct NumpyArray {
    var shape: [Int]
    var element: NumpyElement
    var float32Values: [Float]?
    var doubleValues: [Double]

    var count: Int { shape.reduce(1, *) }
}

/// Reader and writer for NumPy `.npy` files, format versions 1.0, 2.0 and 3.0.
///
/// Layout: the magic `\x93NUMPY`, major and minor version bytes, the header length (UInt16 for
/// v1, UInt32 for v2/v3, little-endian), an ASCII (v3: UTF-8) Python dict literal
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (N, T), }` padded with spaces to a multiple
/// of 64 bytes and ended by `\n`, then the raw elements. Only little-endian, C-order arrays of the
/// types in `NumpyElement` are accepted; anything else is rejected with the byte offset.
public enum NumpyFormat {
    static func read(path: String) throws -> NumpyArray {
        let bytes = try readFileBytes(path)
        func fail(_ offset: Int, _ message: String) -> DatasetError { DatasetError(file: path, byteOffset: offset, message: message) }
        guard !bytes.isEmpty else { throw DatasetError(file: path, message: "the file is empty") }
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count >= 10 else { throw fail(bytes.count, "truncated: \(bytes.count) bytes is shorter than the .npy preamble") }
        guard Array(bytes[0..<6]) == magic else { throw fail(0, "not a .npy file (missing the \\x93NUMPY magic)") }
        let major = Int(bytes[6])
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail(bytes.count, "truncated: the file ends inside the header length") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw fail(6, "unsupported .npy format version \(major).\(bytes[7])")
        }
        let dataStart = headerStart + headerLength
        guard dataStart <= bytes.count else {
            throw fail(8, "header length \(headerLength) runs past the end of the file (\(bytes.count) bytes)")
        }
        let header = String(decoding: bytes[headerStart..<dataStart], as: UTF8.self)
        guard let descriptor = dictValue(header, key: "descr") else { throw fail(headerStart, "header has no 'descr'") }
        let descr = descriptor.trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
        guard let element = NumpyElement(descriptor: descr) else {
            throw fail(headerStart, "unsupported dtype '\(descr)' (supported: little-endian float32/float64, integers, uint8, bool)")
        }
        guard let order = dictValue(header, key: "fortran_order") else { throw fail(headerStart, "header has no 'fortran_order'") }
        guard order == "False" else { throw fail(headerStart, "Fortran-order arrays are not supported; save with np.ascontiguousarray") }
        guard let shapeText = dictValue(header, key: "shape"), shapeText.hasPrefix("("), shapeText.hasSuffix(")") else {
            throw fail(headerStart, "header has no 'shape' tuple")
        }
        var shape: [Int] = []
        for part in shapeText.dropFirst().dropLast().split(separator: ",") {
            let token = part.trimmingCharacters(in: .whitespaces)
            if token.isEmpty { continue }
            guard let dimension = Int(token), dimension >= 0 else { throw fail(headerStart, "bad shape \(shapeText)") }
            shape.append(dimension)
        }
        let count = shape.reduce(1, *)
        let expectedBytes = count * element.size
        guard bytes.count - dataStart >= expectedBytes else {
            throw fail(bytes.count, "truncated: shape \(shapeText) of \(descr) needs \(expectedBytes) data bytes from byte \(dataStart), the file has \(bytes.count - dataStart)")
        }
        guard bytes.count - dataStart == expectedBytes else {
            throw fail(dataStart + expectedBytes, "\(bytes.count - dataStart - expectedBytes) unexpected bytes after the data")
        }
        var doubles = [Double](repeating: 0, count: count)
        var floats: [Float]? = nil
        bytes.withUnsafeBytes { raw in
            let base = raw.baseAddress! + dataStart
            func load<T: FixedWidthInteger>(_: T.Type, _ i: Int) -> T {
                T(littleEndian: (base + i * MemoryLayout<T>.size).loadUnaligned(as: T.self))
            }
            switch element {
            case .float32:
                var values = [Float](repeating: 0, count: count)
                for i in 0..<count { values[i] = Float(bitPattern: load(UInt32.self, i)); doubles[i] = Double(values[i]) }
                floats = values
            case .float64: for i in 0..<count { doubles[i] = Double(bitPattern: load(UInt64.self, i)) }
            case .int8: for i in 0..<count { doubles[i] = Double(load(Int8.self, i)) }
            case .int16: for i in 0..<count { doubles[i] = Double(load(Int16.self, i)) }
            case .int32: for i in 0..<count { doubles[i] = Double(load(Int32.self, i)) }
            case .int64: for i in 0..<count { doubles[i] = Double(load(Int64.self, i)) }
            case .uint8, .bool: for i in 0..<count { doubles[i] = Double(load(UInt8.self, i)) }
            case .uint16: for i in 0..<count { doubles[i] = Double(load(UInt16.self, i)) }
            case .uint32: for i in 0..<count { doubles[i] = Double(load(UInt32.self, i)) }
            case .uint64: for i in 0..<count { doubles[i] = Double(load(UInt64.self, i)) }
            }
        }
        return NumpyArray(shape: shape, element: element, float32Values: floats, doubleValues: doubles)
    }

    /// The text of `'key': value` in a Python dict literal (a quoted string, a word, or a tuple).
    private static func dictValue(_ header: String, key: String) -> String? {
        for quote in ["'", "\""] {
            guard let keyRange = header.range(of: "\(quote)\(key)\(quote)") else { continue }
            var rest = header[keyRange.upperBound...].drop(while: { $0 == " " })
            guard rest.first == ":" else { return nil }
            rest = rest.dropFirst().drop(while: { $0 == " " })
            if rest.first == "(" {
                guard let close = rest.firstIndex(of: ")") else { return nil }
                return String(rest[...close])
            }
            if let first = rest.first, first == "'" || first == "\"" {
                guard let close = rest.dropFirst().firstIndex(of: first) else { return nil }
                return String(rest[...close])
            }
            return String(rest.prefix(while: { $0 != "," && $0 != "}" })).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    /// A version 1.0 `.npy` file: the header padded so the data starts at a multiple of 64 bytes.
    static func encode(shape: [Int], element: NumpyElement, body: [UInt8]) -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(element.rawValue)', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        data.append(contentsOf: body)
        return data
    }

    public static func encode(float32 values: [Float], shape: [Int]) -> Data {
        var body = [UInt8]()
        body.reserveCapacity(values.count * 4)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { body.append(contentsOf: $0) } }
        return encode(shape: shape, element: .float32, body: body)
    }

    static func encode(int64 values: [Int], shape: [Int]) -> Data {
        var body = [UInt8]()
        body.reserveCapacity(values.count * 8)
        for value in values { withUnsafeBytes(of: Int64(value).littleEndian) { body.append(contentsOf: $0) } }
        return encode(shape: shape, element: .int64, body: body)
    }

    static func encode(uint8 values: [UInt8], shape: [Int]) -> Data {
        encode(shape: shape, element: .uint8, body: values)
    }
}
