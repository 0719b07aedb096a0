import CPUControl

/// How many threads the model may use inside a layer (set from the model's thread count, 1 or 2):
/// large register-blocked products split their rows, multi-head attention splits its batch. The LSTM
/// uses its own two direction threads. Process-wide, because one model trains at a time.
public enum Parallelism {
    // Unchecked, like `KernelProfiler.isEnabled`: set between runs, read by every kernel call.
    @exclusivity(unchecked) nonisolated(unsafe) public static var threads = 1

    /// Whether work started on the calling thread may split over two threads: more than one thread
    /// allowed, and the caller is not already one of the two workers of a split.
    public static var maySplit: Bool { threads > 1 && serieslens_is_parallel_worker() == 0 }

    /// Runs `body(part)` for parts 0 and 1 on two threads — the caller's and a persistent second
    /// one (`serieslens_run_on_two_threads`) — each marked as a worker (so the kernels inside do not
    /// split again) with flush-to-zero set. A Dispatch pool thread took 75–150 µs to wake on this
    /// VM, which ate most of the gain of splitting a sub-millisecond kernel.
    public static func onTwoThreads(_ body: (_ part: Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            var work = SendablePart(body)
            withUnsafeMutablePointer(to: &work) { pointer in
                serieslens_run_on_two_threads({ context, part in
                    FloatingPointEnvironment.enableFlushToZero()
                    context!.assumingMemoryBound(to: SendablePart.self).pointee.body(Int(part))
                }, pointer)
            }
        }
    }

    struct SendablePart: @unchecked Sendable {
        let body: (Int) -> Void
        init(_ body: @escaping (Int) -> Void) { self.body = body }
    }

    /// Runs `body(first..<last)` over two halves of 0..<count on two threads when allowed and
    /// worthwhile (count ≥ 2), else once over everything on the caller's thread. The caller
    /// guarantees that the halves touch disjoint outputs.
    public static func splitInHalves(_ count: Int, _ body: (Range<Int>, _ part: Int) -> Void) {
        guard maySplit && count >= 2 else {
            body(0..<count, 0)
            return
        }
        let middle = count / 2
        onTwoThreads { part in body(part == 0 ? 0..<middle : middle..<count, part) }
    }

    /// Element-wise passes at least this long (256 KiB of Float, tens of µs) split over the two
    /// threads; shorter ones stay on the caller, where handing half to the second thread would be a
    /// large part of the pass.
    public static let elementwiseSplitMinimum = 1 << 16

    /// Runs `body(range)` over two halves of 0..<count (the first a multiple of 64 elements) on two
    /// threads when allowed and count ≥ `elementwiseSplitMinimum`, else once over everything. For
    /// passes whose every element is independent of the others, so the split never changes a bit.
    @inlinable
    public static func splitElementwise(_ count: Int, _ body: (Range<Int>) -> Void) {
        guard count >= elementwiseSplitMinimum && maySplit else {
            body(0..<count)
            return
        }
        let middle = count / 2 / 64 * 64
        onTwoThreads { part in body(part == 0 ? 0..<middle : middle..<count) }
    }

    /// Like `splitInHalves`, but always calls `body` for both halves (in order on one thread when
    /// not splitting), so that per-half partial results, summed afterwards, are the same bits
    /// whatever the thread count.
    public static func forBothHalves(_ count: Int, _ body: (Range<Int>, _ part: Int) -> Void) {
        let middle = count / 2
        guard maySplit && count >= 2 else {
            body(0..<middle, 0)
            body(middle..<count, 1)
            return
        }
        onTwoThreads { part in body(part == 0 ? 0..<middle : middle..<count, part) }
    }
}
