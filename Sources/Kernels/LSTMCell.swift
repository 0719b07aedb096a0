/// The element-wise half of one LSTM time step for a batch, fused into one pass over the gates.
///
/// Layout, per step: `gates` is (B, 4H) with the PyTorch gate order i, f, g, o in blocks of H columns;
/// `c`, `tanhC`, `h` are (B, H). The matrix half (x·W_ihᵀ + h·W_hhᵀ + b) is done by GEMM into `gates`
/// beforehand; these kernels then apply the non-linearities and the cell update (forward), or turn
/// ∂L/∂h and ∂L/∂c into ∂L/∂gates (backward), reading each gate once.
public enum LSTMCell {
    /// Forward, in place on `gates`:
    ///   i = σ(gᵢ), f = σ(g_f), g = tanh(g_g), o = σ(g_o)
    ///   c = f ⊙ c_prev + i ⊙ g,   h = o ⊙ tanh(c)
    /// `gates` keeps the activated values for the backward pass; `tanhC` keeps tanh(c).
    @inlinable
    public static func forward<Scalar: TensorScalar>(
        gates: UnsafeMutablePointer<Scalar>, previousCell: UnsafePointer<Scalar>,
        cell: UnsafeMutablePointer<Scalar>, tanhCell: UnsafeMutablePointer<Scalar>,
        hidden: UnsafeMutablePointer<Scalar>, batch: Int, hiddenSize: Int
    ) {
        let gateStride = 4 * hiddenSize
        let fullColumns = hiddenSize - hiddenSize % 16
        for row in 0..<batch {
            let gateRow = gates + row * gateStride
            let offset = row * hiddenSize
            // Full 16-lane blocks with plain vector loads: sharing one code path with the masked
            // tail makes the compiler assemble vectors lane by lane (measured 3× slower).
            var column = 0
            while column < fullColumns {
                forwardBlock(gateRow + column, previousCell + offset + column, cell + offset + column,
                             tanhCell + offset + column, hidden + offset + column, hiddenSize: hiddenSize, lanes: 16)
                column += 16
            }
            if column < hiddenSize {
                forwardBlock(gateRow + column, previousCell + offset + column, cell + offset + column,
                             tanhCell + offset + column, hidden + offset + column, hiddenSize: hiddenSize, lanes: hiddenSize - column)
            }
        }
    }

    @inlinable @inline(__always)
    static func forwardBlock<Scalar: TensorScalar>(
        _ gates: UnsafeMutablePointer<Scalar>, _ previousCell: UnsafePointer<Scalar>, _ cell: UnsafeMutablePointer<Scalar>,
        _ tanhCell: UnsafeMutablePointer<Scalar>, _ hidden: UnsafeMutablePointer<Scalar>, hiddenSize: Int, lanes: Int
    ) {
        let inputGate = Scalar.vectorSigmoid(Elementwise.load(gates, count: lanes))
        let forgetGate = Scalar.vectorSigmoid(Elementwise.load(gates + hiddenSize, count: lanes))
        let candidate = Scalar.vectorTanh(Elementwise.load(gates + 2 * hiddenSize, count: lanes))
        let outputGate = Scalar.vectorSigmoid(Elementwise.load(gates + 3 * hiddenSize, count: lanes))
        let newCell = (forgetGate * Elementwise.load(previousCell, count: lanes)).addingProduct(inputGate, candidate)
        let squashed = Scalar.vectorTanh(newCell)
        Elementwise.store(inputGate, gates, count: lanes)
        Elementwise.store(forgetGate, gates + hiddenSize, count: lanes)
        Elementwise.store(candidate, gates + 2 * hiddenSize, count: lanes)
        Elementwise.store(outputGate, gates + 3 * hiddenSize, count: lanes)
        Elementwise.store(newCell, cell, count: lanes)
        Elementwise.store(squashed, tanhCell, count: lanes)
        Elementwise.store(outputGate * squashed, hidden, count: lanes)
    }

    /// Backward of one step, in place on `gates` (activated values in, ∂L/∂pre-activations out).
    ///
    /// With dh = ∂L/∂h_t (upstream plus recurrent) and dc = ∂L/∂c_t from step t+1:
    ///   do = dh ⊙ tanh(c) ⊙ o(1−o)
    ///   dc ← dc + dh ⊙ o ⊙ (1 − tanh²c)
    ///   di = dc ⊙ g ⊙ i(1−i),  df = dc ⊙ c_prev ⊙ f(1−f),  dg = dc ⊙ i ⊙ (1−g²)
    ///   ∂L/∂c_{t−1} = dc ⊙ f, written back into `cellGradient`.
    /// Then, per row: `gateSums` (4H, the bias gradient) += ∂gates, and with `scalarInput` (one value
    /// per row, a one-channel input) `scalarInputWeightGradient` (4H, ∂W_ih) += x·∂gates.
    @inlinable
    public static func backward<Scalar: TensorScalar>(
        gates: UnsafeMutablePointer<Scalar>, previousCell: UnsafePointer<Scalar>, tanhCell: UnsafePointer<Scalar>,
        hiddenGradient: UnsafePointer<Scalar>, cellGradient: UnsafeMutablePointer<Scalar>,
        batch: Int, hiddenSize: Int, gateSums: UnsafeMutablePointer<Scalar>? = nil,
        scalarInput: UnsafePointer<Scalar>? = nil, scalarInputWeightGradient: UnsafeMutablePointer<Scalar>? = nil
    ) {
        let gateStride = 4 * hiddenSize
        let fullColumns = hiddenSize - hiddenSize % 16
        for row in 0..<batch {
            let gateRow = gates + row * gateStride
            let offset = row * hiddenSize
            var column = 0
            while column < fullColumns {
                backwardBlock(gateRow + column, previousCell + offset + column, tanhCell + offset + column,
                              hiddenGradient + offset + column, cellGradient + offset + column, hiddenSize: hiddenSize, lanes: 16)
                column += 16
            }
            if column < hiddenSize {
                backwardBlock(gateRow + column, previousCell + offset + column, tanhCell + offset + column,
                              hiddenGradient + offset + column, cellGradient + offset + column, hiddenSize: hiddenSize, lanes: hiddenSize - column)
            }
            if let gateSums { Elementwise.addScaled(gateRow, scale: 1, into: gateSums, count: gateStride) }
            if let scalarInput, let scalarInputWeightGradient {
                Elementwise.addScaled(gateRow, scale: scalarInput[row], into: scalarInputWeightGradient, count: gateStride)
            }
        }
    }

    @inlinable @inline(__always)
    static func backwardBlock<Scalar: TensorScalar>(
        _ gates: UnsafeMutablePointer<Scalar>, _ previousCell: UnsafePointer<Scalar>, _ tanhCell: UnsafePointer<Scalar>,
        _ hiddenGradient: UnsafePointer<Scalar>, _ cellGradient: UnsafeMutablePointer<Scalar>, hiddenSize: Int, lanes: Int
    ) {
        let one = SIMD16<Scalar>(repeating: 1)
        let inputGate = Elementwise.load(gates, count: lanes)
        let forgetGate = Elementwise.load(gates + hiddenSize, count: lanes)
        let candidate = Elementwise.load(gates + 2 * hiddenSize, count: lanes)
        let outputGate = Elementwise.load(gates + 3 * hiddenSize, count: lanes)
        let squashed = Elementwise.load(tanhCell, count: lanes)
        let dh = Elementwise.load(hiddenGradient, count: lanes)
        let dOutput = dh * squashed * outputGate * (one - outputGate)
        let dc = Elementwise.load(cellGradient, count: lanes).addingProduct(dh * outputGate, one - squashed * squashed)
        let dInput = dc * candidate * inputGate * (one - inputGate)
        let dForget = dc * Elementwise.load(previousCell, count: lanes) * forgetGate * (one - forgetGate)
        let dCandidate = dc * inputGate * (one - candidate * candidate)
        Elementwise.store(dInput, gates, count: lanes)
        Elementwise.store(dForget, gates + hiddenSize, count: lanes)
        Elementwise.store(dCandidate, gates + 2 * hiddenSize, count: lanes)
        Elementwise.store(dOutput, gates + 3 * hiddenSize, count: lanes)
        Elementwise.store(dc * forgetGate, cellGradient, count: lanes)
    }
}
