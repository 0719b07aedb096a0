import Foundation
import Testing
@testable import Layers

@Suite struct SafeTensorsTests {
    @Test func roundTripsTensorsAndMetadata() throws {
        var file = SafeTensors()
        file.metadata = ["model": "bilstm-attention", "note": "quote \" and ünïcode"]
        file.add("a.weight", floats: [1, -2.5, .pi, 1e-30], shape: [2, 2])
        file.add("b", doubles: [0.1, 0.2, 0.3], shape: [3])
        file.add("step", int64s: [42], shape: [])
        file.add("empty", floats: [], shape: [0, 4])
        let data = file.serialized()
        let header = data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        #expect(header % 8 == 0)
        let read = try SafeTensors(data: data)
        #expect(read.names == ["a.weight", "b", "step", "empty"])
        #expect(read.metadata == file.metadata)
        #expect(try read.floats("a.weight") == [1, -2.5, .pi, 1e-30])
        #expect(try read.doubles("b") == [0.1, 0.2, 0.3])
        #expect(try read.doubles("step") == [42])
        #expect(try read.tensor("empty").shape == [0, 4])
    }

    static func bytes(header: String, payload: [UInt8] = []) -> Data {
        var data = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(Data(header.utf8))
        data.append(contentsOf: payload)
        return data
    }

    @Test(arguments: [
        (Data([1, 2, 3]), "x.safetensors: file is 3 bytes, shorter than the 8-byte header length"),
        (Data([0xFF, 0, 0, 0, 0, 0, 0, 0, 0x7B]), "x.safetensors: header length 255 runs past the end of the file (9 bytes)"),
        (SafeTensorsTests.bytes(header: "[1,2]"), "x.safetensors: header at byte 8 is not a JSON object"),
        (SafeTensorsTests.bytes(header: #"{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, payload: [0, 0, 0, 0]),
         "x.safetensors: tensor 't': data_offsets end 8 is past the data (4 bytes; file truncated?)"),
        (SafeTensorsTests.bytes(header: #"{"t":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, payload: Array(repeating: 0, count: 8)),
         "x.safetensors: tensor 't': 8 bytes for dtype F32 shape [3], expected 12"),
        (SafeTensorsTests.bytes(header: #"{"t":{"dtype":"Q7","shape":[1],"data_offsets":[0,4]}}"#, payload: Array(repeating: 0, count: 4)),
         "x.safetensors: tensor 't': missing or unsupported dtype Q7"),
        (SafeTensorsTests.bytes(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, payload: Array(repeating: 0, count: 8)),
         "x.safetensors: tensors 'a' and 'b' overlap"),
    ])
    func rejectsCorruptFiles(data: Data, message: String) {
        #expect(throws: SafeTensorsError(file: "x.safetensors", String(message.dropFirst("x.safetensors: ".count)))) {
            try SafeTensors(data: data, source: "x.safetensors")
        }
    }

    @Test func atomicWriteReplacesWholeFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("safetensors-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        var first = SafeTensors()
        first.add("w", floats: [1, 2, 3], shape: [3])
        try first.write(to: url)
        var second = SafeTensors()
        second.add("w", floats: [4], shape: [1])
        try second.write(to: url)
        #expect(try SafeTensors(contentsOf: url).floats("w") == [4])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0 != "model.safetensors" }
        #expect(leftovers.isEmpty)
    }
}
