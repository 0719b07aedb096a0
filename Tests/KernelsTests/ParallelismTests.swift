import CPUControl
import Dispatch
import Foundation
import Synchronization
import Testing
@testable import Kernels

/// `Parallelism.onTwoThreads` on its persistent second thread (CPUControl/TwoThreads.c): both parts
/// run once, on two threads, as workers with flush-to-zero; concurrent and nested callers, and a
/// worker that has gone to sleep, still get both parts.
@Suite struct ParallelismTests {
    struct PartRecord: Sendable, Equatable {
        var thread: UInt
        var worker: Int32
        var flushToZero: Int32
    }

    static func record() -> PartRecord {
        PartRecord(thread: UInt(pthread_self()),
                   worker: serieslens_is_parallel_worker(), flushToZero: serieslens_flush_to_zero_enabled())
    }

    @Test func bothPartsRunOnceOnTwoThreadsAsWorkers() {
        var usedTwoThreads = false
        // A split in flight elsewhere (a parallel test) makes a caller run both parts itself, so
        // one thread is allowed now and then; never two is a missing second thread.
        let deadline = Date().addingTimeInterval(30)
        while !usedTwoThreads && Date() < deadline {
            let records = Mutex<[Int: PartRecord]>([:])
            let callerWasWorker = serieslens_is_parallel_worker()
            Parallelism.onTwoThreads { part in
                let mine = Self.record()
                records.withLock { #expect($0.updateValue(mine, forKey: part) == nil, "part \(part) ran twice") }
            }
            let seen = records.withLock { $0 }
            #expect(Set(seen.keys) == [0, 1])
            #expect(seen.values.allSatisfy { $0.worker == 1 && $0.flushToZero == 1 }, "\(seen)")
            #expect(serieslens_is_parallel_worker() == callerWasWorker, "the caller's worker mark is restored")
            usedTwoThreads = seen[0]?.thread != seen[1]?.thread
            if !usedTwoThreads { usleep(1_000) }
        }
        #expect(usedTwoThreads, "part 1 never ran on the second thread")
    }

    @Test func concurrentNestedAndWokenCallersAllComplete() {
        let runs = Atomic<Int>(0)
        // Four callers at once: one gets the second thread, the others run their parts in order.
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<200 {
                Parallelism.onTwoThreads { _ in
                    // Nested inside a part: runs both inner parts on this thread.
                    Parallelism.onTwoThreads { _ in runs.add(1, ordering: .relaxed) }
                }
            }
        }
        #expect(runs.load(ordering: .relaxed) == 4 * 200 * 4)
        // Idle past the spin window, the second thread sleeps; a split must wake it.
        for _ in 0..<3 {
            usleep(20_000)
            let parts = Atomic<Int>(0)
            Parallelism.onTwoThreads { part in parts.add(1 << (4 * part), ordering: .relaxed) }
            #expect(parts.load(ordering: .relaxed) == 0x11)
        }
    }
}
