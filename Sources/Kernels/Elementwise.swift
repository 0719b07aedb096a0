import Foundation

/// Element-wise and reduction kernels over flat row-major buffers, vectorised 16 lanes at a time
/// with a masked tail, so every length (0, 1, 17, …) runs the same arithmetic.
public enum Elementwise {
    /// Loads `min(count, 16)` elements; missing lanes are zero.
    @inlinable @inline(__always)
    public static func load<Scalar: TensorScalar>(_ pointer: UnsafePointer<Scalar>, count: Int) -> SIMD16<Scalar> {
        if count >= 16 { return UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<Scalar>.self) }
        return loadPartial(pointer, count: count)
    }

    /// Stores the first `min(count, 16)` lanes.
    @inlinable @inline(__always)
    public static func store<Scalar: TensorScalar>(_ vector: SIMD16<Scalar>, _ pointer: UnsafeMutablePointer<Scalar>, count: Int) {
        if count >= 16 {
            UnsafeMutableRawPointer(pointer).storeBytes(of: vector, as: SIMD16<Scalar>.self)
            return
        }
        storePartial(vector, pointer, count: count)
    }

    // The partial (tail) paths stay out of line: inlined, their lane-by-lane loops make the compiler
    // build every vector of the surrounding loop from 4-lane pieces (measured ~3× slower kernels).
    // Through a byte copy, not lane by lane: inserting lanes one at a time cost ~4 ns each (3.6 % of
    // a posenc-attention step, whose 500-wide softmax rows end in a 4-lane tail).
    @inline(never) @usableFromInline
    static func loadPartial<Scalar: TensorScalar>(_ pointer: UnsafePointer<Scalar>, count: Int) -> SIMD16<Scalar> {
        var vector = SIMD16<Scalar>()
        withUnsafeMutableBytes(of: &vector) { bytes in
            bytes.baseAddress!.copyMemory(from: UnsafeRawPointer(pointer), byteCount: min(count, 16) * MemoryLayout<Scalar>.stride)
        }
        return vector
    }

    @inline(never) @usableFromInline
    static func storePartial<Scalar: TensorScalar>(_ vector: SIMD16<Scalar>, _ pointer: UnsafeMutablePointer<Scalar>, count: Int) {
        withUnsafeBytes(of: vector) { bytes in
            UnsafeMutableRawPointer(pointer).copyMemory(from: bytes.baseAddress!, byteCount: min(count, 16) * MemoryLayout<Scalar>.stride)
        }
    }

    /// Calls `body(offset, lanes)` for each 16-lane block of 0..<count: the full blocks with a
    /// literal 16, the tail once after them. Inlined, the full-block loop then compiles to plain
    /// vector loads and stores; a single loop with a variable lane count makes the compiler build
    /// every vector lane by lane (measured ~3× slower).
    @inlinable @inline(__always)
    public static func forEachBlock(_ count: Int, _ body: (_ offset: Int, _ lanes: Int) -> Void) {
        let full = count - count % 16
        var offset = 0
        while offset < full {
            body(offset, 16)
            offset += 16
        }
        if full < count { body(full, count - full) }
    }

    /// output[i] = f(input[i]) for a vector function f; `output` may alias `input`.
    @inlinable @inline(__always)
    public static func map<Scalar: TensorScalar>(
        _ input: UnsafePointer<Scalar>, _ output: UnsafeMutablePointer<Scalar>, count: Int,
        _ function: (SIMD16<Scalar>) -> SIMD16<Scalar>
    ) {
        forEachBlock(count) { index, lanes in
            store(function(load(input + index, count: lanes)), output + index, count: lanes)
        }
    }

    /// inputGradient += outputGradient ⊙ derivative(output), for activations whose derivative is a
    /// function of their output (tanh, sigmoid).
    @inlinable @inline(__always)
    public static func activationBackward<Scalar: TensorScalar>(
        output: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>, addingInto inputGradient: UnsafeMutablePointer<Scalar>,
        count: Int, _ derivative: (SIMD16<Scalar>) -> SIMD16<Scalar>
    ) {
        forEachBlock(count) { index, lanes in
            let update = load(outputGradient + index, count: lanes) * derivative(load(output + index, count: lanes))
            store(load(inputGradient + index, count: lanes) + update, inputGradient + index, count: lanes)
        }
    }

    /// output[i] = max(input[i], 0); `output` may alias `input`. NaN stays NaN (as PyTorch's ReLU).
    @inlinable
    public static func relu<Scalar: TensorScalar>(_ input: UnsafePointer<Scalar>, _ output: UnsafeMutablePointer<Scalar>, count: Int) {
        // A plain select loop, which LLVM vectorises; SIMD16 lane selects here compile to stack
        // spills and blends (30× slower). NaN < 0 is false, so NaN passes through.
        for index in 0..<count {
            let x = input[index]
            output[index] = x < 0 ? 0 : x
        }
    }

    /// inputGradient[i] += outputGradient[i] where output[i] > 0 (ReLU's derivative, 0 at 0 as PyTorch).
    @inlinable
    public static func reluBackward<Scalar: TensorScalar>(
        output: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>, addingInto inputGradient: UnsafeMutablePointer<Scalar>, count: Int
    ) {
        for index in 0..<count {
            inputGradient[index] += output[index] > 0 ? outputGradient[index] : 0
        }
    }

    /// inputGradient[i] = outputGradient[i] where output[i] > 0, else 0; inputGradient may be
    /// outputGradient (masked in place).
    @inlinable
    public static func reluBackward<Scalar: TensorScalar>(
        output: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>, writingInto inputGradient: UnsafeMutablePointer<Scalar>, count: Int
    ) {
        for index in 0..<count {
            let gradient = outputGradient[index]  // loaded unconditionally, else the select cannot vectorise
            inputGradient[index] = output[index] > 0 ? gradient : 0
        }
    }

    /// Σ values[0..<count], accumulated in 16 lanes.
    @inlinable
    public static func sum<Scalar: TensorScalar>(_ values: UnsafePointer<Scalar>, count: Int) -> Scalar {
        var accumulator = SIMD16<Scalar>()
        var index = 0
        while index < count {
            accumulator += load(values + index, count: min(16, count - index))
            index += 16
        }
        return accumulator.sum()
    }

    /// Σ a[i]·b[i].
    @inlinable
    public static func dot<Scalar: TensorScalar>(_ a: UnsafePointer<Scalar>, _ b: UnsafePointer<Scalar>, count: Int) -> Scalar {
        var accumulator = SIMD16<Scalar>()
        forEachBlock(count) { index, lanes in
            accumulator.addProduct(load(a + index, count: lanes), load(b + index, count: lanes))
        }
        return accumulator.sum()
    }

    /// y[i] += alpha·x[i].
    @inlinable
    public static func addScaled<Scalar: TensorScalar>(_ x: UnsafePointer<Scalar>, scale alpha: Scalar, into y: UnsafeMutablePointer<Scalar>, count: Int) {
        let scale = SIMD16<Scalar>(repeating: alpha)
        forEachBlock(count) { index, lanes in
            store(load(y + index, count: lanes).addingProduct(load(x + index, count: lanes), scale), y + index, count: lanes)
        }
    }

    /// target row r = source row r for r < rows, `width` values each; rows `sourceRowStride` and
    /// `targetRowStride` apart (the LSTM's time-major states into columns of its (B, T, D·H) output).
    @inlinable
    public static func copyRows<Scalar: TensorScalar>(
        from source: UnsafePointer<Scalar>, sourceRowStride: Int, rows: Int, width: Int,
        into target: UnsafeMutablePointer<Scalar>, targetRowStride: Int
    ) {
        for row in 0..<rows {
            let from = source + row * sourceRowStride, to = target + row * targetRowStride
            forEachBlock(width) { offset, lanes in store(load(from + offset, count: lanes), to + offset, count: lanes) }
        }
    }

    /// sums[j] += Σ_i matrix[i, j] for a rows×columns row-major matrix (bias gradients).
    @inlinable
    public static func addColumnSums<Scalar: TensorScalar>(
        of matrix: UnsafePointer<Scalar>, rows: Int, columns: Int, into sums: UnsafeMutablePointer<Scalar>
    ) {
        // weight 1: fma(1, x, s) rounds once, as s + x does.
        accumulateRows(matrix, count: rows, width: columns, rowStride: columns, into: sums) { _ in 1 }
    }

    /// accumulator (width) += Σ_t weight(t)·rows[t], row t at rows + t·rowStride. 64 columns at a
    /// time, so a row of width ≤ 64 is read once, not once per 16 columns (a (B·T, 64) matrix does
    /// not fit in L2); each column's sum keeps its order, so the chunking changes no bit.
    @inlinable @inline(__always)
    public static func accumulateRows<Scalar: TensorScalar>(
        _ rows: UnsafePointer<Scalar>, count: Int, width: Int, rowStride: Int, into accumulator: UnsafeMutablePointer<Scalar>,
        weight: (Int) -> Scalar
    ) {
        var start = 0
        while start + 64 <= width {
            let column = accumulator + start
            var sum0 = load(column, count: 16), sum1 = load(column + 16, count: 16)
            var sum2 = load(column + 32, count: 16), sum3 = load(column + 48, count: 16)
            for t in 0..<count {
                let factor = SIMD16<Scalar>(repeating: weight(t)), row = rows + t * rowStride + start
                sum0.addProduct(factor, load(row, count: 16))
                sum1.addProduct(factor, load(row + 16, count: 16))
                sum2.addProduct(factor, load(row + 32, count: 16))
                sum3.addProduct(factor, load(row + 48, count: 16))
            }
            store(sum0, column, count: 16)
            store(sum1, column + 16, count: 16)
            store(sum2, column + 32, count: 16)
            store(sum3, column + 48, count: 16)
            start += 64
        }
        forEachBlock(width - start) { offset, lanes in
            let column = start + offset
            var sum = load(accumulator + column, count: lanes)
            for t in 0..<count { sum.addProduct(SIMD16<Scalar>(repeating: weight(t)), load(rows + t * rowStride + column, count: lanes)) }
            store(sum, accumulator + column, count: lanes)
        }
    }

    /// matrix[i, j] += vector[j] for every row (bias broadcast).
    @inlinable
    public static func addRowVector<Scalar: TensorScalar>(
        _ vector: UnsafePointer<Scalar>, to matrix: UnsafeMutablePointer<Scalar>, rows: Int, columns: Int
    ) {
        for row in 0..<rows { addScaled(vector, scale: 1, into: matrix + row * columns, count: columns) }
    }

    /// Numerically stable softmax of one row in place: subtracts the maximum before exponentiating,
    /// so no input overflows.
    @inlinable
    public static func softmaxInPlace<Scalar: TensorScalar>(_ row: UnsafeMutablePointer<Scalar>, count: Int) {
        guard count > 0 else { return }
        // Full 16-lane blocks and the tail in separate loops: one loop with a variable lane count
        // makes the compiler build every vector lane by lane (measured 3× slower on T = 500 rows).
        let full = count - count % 16
        // Two vector accumulators over the full blocks (`vectorMaximum`: generic `pointwiseMax`
        // goes lane by lane through `Float.maximum`), then the tail.
        var maximum = row[0]
        if full >= 32 {
            var first = load(row, count: 16), second = load(row + 16, count: 16)
            var block = 32
            while block + 32 <= full {
                first = Scalar.vectorMaximum(first, load(row + block, count: 16))
                second = Scalar.vectorMaximum(second, load(row + block + 16, count: 16))
                block += 32
            }
            if block < full { first = Scalar.vectorMaximum(first, load(row + block, count: 16)) }
            let lanes = Scalar.vectorMaximum(first, second)
            for lane in 0..<16 where lanes[lane] > maximum { maximum = lanes[lane] }
            for index in full..<count where row[index] > maximum { maximum = row[index] }
        } else {
            for index in 1..<count where row[index] > maximum { maximum = row[index] }
        }
        var index = 0
        let shift = SIMD16<Scalar>(repeating: maximum)
        var total = SIMD16<Scalar>()
        while index < full {
            let exponentials = Scalar.vectorExp(load(row + index, count: 16) - shift)
            total += exponentials
            store(exponentials, row + index, count: 16)
            index += 16
        }
        var sum = total.sum()
        if full < count {
            let exponentials = Scalar.vectorExp(load(row + full, count: count - full) - shift)
            for lane in 0..<(count - full) { sum += exponentials[lane] }
            store(exponentials, row + full, count: count - full)
        }
        let scale = SIMD16<Scalar>(repeating: 1 / sum)
        index = 0
        while index < full {
            store(load(row + index, count: 16) * scale, row + index, count: 16)
            index += 16
        }
        if full < count { store(load(row + full, count: count - full) * scale, row + full, count: count - full) }
    }

    /// Backward of a softmax row: given p = softmax(z) and g = ∂L/∂p, adds ∂L/∂z = p ⊙ (g − ⟨p, g⟩).
    @inlinable
    public static func softmaxBackward<Scalar: TensorScalar>(
        probabilities: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>,
        addingInto inputGradient: UnsafeMutablePointer<Scalar>, count: Int
    ) {
        let weighted = SIMD16<Scalar>(repeating: dot(probabilities, outputGradient, count: count))
        forEachBlock(count) { index, lanes in
            let p = load(probabilities + index, count: lanes)
            let g = load(outputGradient + index, count: lanes)
            store(load(inputGradient + index, count: lanes).addingProduct(p, g - weighted), inputGradient + index, count: lanes)
        }
    }

    /// Reference softmax in Double.
    public static func naiveSoftmax(_ row: [Double]) -> [Double] {
        guard let maximum = row.max() else { return [] }
        let exponentials = row.map { Foundation.exp($0 - maximum) }
        let total = exponentials.reduce(0, +)
        return exponentials.map { $0 / total }
    }
}
