import Dispatch

/// How many threads the model may use inside a layer (set from the model's thread count, 1 or 2):
/// large register-blocked products split their rows, multi-head attention splits its batch. The LSTM
/// uses its own two direction threads. Process-wide, because one model trains at a time.
public enum Parallelism {
    nonisolated(unsafe) public static var threads = 1

    /// Runs `body(first..<last)` over two halves of 0..<count on two threads when allowed and
    /// worthwhile (count ≥ 2), else once over everything on the caller's thread. The caller
    /// guarantees that the halves touch disjoint outputs.
    public static func splitInHalves(_ count: Int, _ body: (Range<Int>, _ part: Int) -> Void) {
        guard threads > 1 && count >= 2 else {
            body(0..<count, 0)
            return
        }
        let middle = count / 2
        withoutActuallyEscaping(body) { body in
            let work = SendableBody(body)
            DispatchQueue.concurrentPerform(iterations: 2) { part in
                FloatingPointEnvironment.enableFlushToZero()
                work.body(part == 0 ? 0..<middle : middle..<count, part)
            }
        }
    }

    struct SendableBody: @unchecked Sendable {
        let body: (Range<Int>, Int) -> Void
        init(_ body: @escaping (Range<Int>, Int) -> Void) { self.body = body }
    }
}
