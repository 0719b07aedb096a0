import Testing
@testable import Layers

/// Buffers start on a cache line (the kernels' 32-byte loads must not straddle two lines) and keep
/// their contents and zero fill when they grow.
struct BufferTests {
    private func isAligned<Scalar>(_ buffer: Buffer<Scalar>) -> Bool {
        Int(bitPattern: UnsafeRawPointer(buffer.pointer)) % Buffer<Scalar>.alignment == 0
    }

    @Test(arguments: [0, 1, 3, 17, 1000, 300_000])
    func storageIsCacheLineAligned(count: Int) {
        let floats = Buffer<Float>(count: count), doubles = Buffer<Double>(count: count)
        #expect(isAligned(floats) && isAligned(doubles))
        #expect(floats.storage.allSatisfy { $0 == 0 } && doubles.storage.allSatisfy { $0 == 0 })
    }

    @Test func growingKeepsContentsAlignmentAndZeroFill() {
        let buffer = Buffer<Float>(count: 5)
        for index in 0..<5 { buffer.storage[index] = Float(index + 1) }
        buffer.resize(70_001)
        #expect(isAligned(buffer))
        #expect(buffer.count == 70_001 && buffer.storage.count >= 70_001)
        #expect(Array(buffer.storage[0..<5]) == [1, 2, 3, 4, 5])
        #expect(buffer.storage[5..<70_001].allSatisfy { $0 == 0 })
        buffer.resize(3)
        #expect(buffer.count == 3 && buffer.array == [1, 2, 3])
        buffer.resize(4, zeroed: true)
        #expect(buffer.array == [0, 0, 0, 0])
    }
}
