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

    /// Blocks of 2 MiB and more sit on 2 MiB boundaries (whole huge pages), zeroed, and growing
    /// into that size keeps the contents.
    @Test func largeBlocksStartOnHugePageBoundaries() {
        let floatsPerHugePage = Buffer<Float>.hugePageBytes / MemoryLayout<Float>.stride
        for count in [floatsPerHugePage, floatsPerHugePage + 1, 3 * floatsPerHugePage - 7] {
            let buffer = Buffer<Float>(count: count)
            #expect(Int(bitPattern: UnsafeRawPointer(buffer.pointer)) % Buffer<Float>.hugePageBytes == 0, "count \(count)")
            #expect(buffer.storage.count == count && buffer.storage.allSatisfy { $0 == 0 })
        }
        let growing = Buffer<Float>(count: 1000)
        for index in 0..<1000 { growing.storage[index] = Float(index) }
        growing.resize(floatsPerHugePage + 5)
        #expect(Int(bitPattern: UnsafeRawPointer(growing.pointer)) % Buffer<Float>.hugePageBytes == 0)
        #expect(Array(growing.storage[0..<1000]) == (0..<1000).map(Float.init))
        #expect(growing.storage[1000..<(floatsPerHugePage + 5)].allSatisfy { $0 == 0 })
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
