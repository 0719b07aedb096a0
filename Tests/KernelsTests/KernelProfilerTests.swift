import Testing
@testable import Kernels

@Suite(.serialized) struct KernelProfilerTests {
    @Test func recordsOnlyWhileEnabledAndCountsWork() {
        let a = [Float](repeating: 1, count: 6), b = [Float](repeating: 2, count: 6)
        var c = [Float](repeating: 0, count: 4)
        KernelProfiler.start()
        c.withUnsafeMutableBufferPointer { c in
            Float.smallMultiplyAdd(m: 2, n: 2, k: 3, a: a, lda: 3, b: b, ldb: 2, c: c.baseAddress!, ldc: 2)
        }
        KernelProfiler.stop()
        c.withUnsafeMutableBufferPointer { c in
            Float.smallMultiplyAdd(m: 2, n: 2, k: 3, a: a, lda: 3, b: b, ldb: 2, c: c.baseAddress!, ldc: 2)
        }
        // Other suites run kernels concurrently and may be counted too while recording is on;
        // this call must be.
        let totals = KernelProfiler.totals[.thinSmallGEMM]!  // k = 3 < 8
        #expect(totals.calls >= 1)
        #expect(totals.work >= 2 * 2 * 2 * 3)
        #expect(c == [12, 12, 12, 12])
    }

    @Test func peakThroughputIsMeasured() {
        let peak = PeakThroughput.singleCoreGigaflops(seconds: 0.01)
        #expect(peak > 0.5 && peak.isFinite)
    }
}
