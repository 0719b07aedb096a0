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
        for row in 0..<batch {
            let gateRow = gates + row * gateStride
            let offset = row * hiddenSize
            var column = 0
            while column < hiddenSize {
                let lanes = min(16, hiddenSize - column)
                let inputGate = Scalar.vectorSigmoid(Elementwise.load(gateRow + column, count: lanes))
                let forgetGate = Scalar.vectorSigmoid(Elementwise.load(gateRow + hiddenSize + column, count: lanes))
                let candidate = Scalar.vectorTanh(Elementwise.load(gateRow + 2 * hiddenSize + column, count: lanes))
                let outputGate = Scalar.vectorSigmoid(Elementwise.load(gateRow + 3 * hiddenSize + column, count: lanes))
                let newCell = (forgetGate * Elementwise.load(previousCell + offset + column, count: lanes))
                    .addingProduct(inputGate, candidate)
                let squashed = Scalar.vectorTanh(newCell)
                Elementwise.store(inputGate, gateRow + column, count: lanes)
                Elementwise.store(forgetGate, gateRow + hiddenSize + column, count: lanes)
                Elementwise.store(candidate, gateRow + 2 * hiddenSize + column, count: lanes)
                Elementwise.store(outputGate, gateRow + 3 * hiddenSize + column, count: lanes)
                Elementwise.store(newCell, cell + offset + column, count: lanes)
                Elementwise.store(squashed, tanhCell + offset + column, count: lanes)
                Elementwise.store(outputGate * squashed, hidden + offset + column, count: lanes)
                column += 16
            }
        }
    }

    /// Backward of one step, in place on `gates` (activated values in, ∂L/∂pre-activations out).
    ///
    /// With dh = ∂L/∂h_t (upstream plus recurrent) and dc = ∂L/∂c_t from step t+1:
    ///   do = dh ⊙ tanh(c) ⊙ o(1−o)
    ///   dc ← dc + dh ⊙ o ⊙ (1 − tanh²c)
    ///   di = dc ⊙ g ⊙ i(1−i),  df = dc ⊙ c_prev ⊙ f(1−f),  dg = dc ⊙ i ⊙ (1−g²)
    ///   ∂L/∂c_{t−1} = dc ⊙ f, written back into `cellGradient`.
    @inlinable
    public static func backward<Scalar: TensorScalar>(
        gates: UnsafeMutablePointer<Scalar>, previousCell: UnsafePointer<Scalar>, tanhCell: UnsafePointer<Scalar>,
        hiddenGradient: UnsafePointer<Scalar>, cellGradient: UnsafeMutablePointer<Scalar>,
        batch: Int, hiddenSize: Int
    ) {
        let gateStride = 4 * hiddenSize
        let one = SIMD16<Scalar>(repeating: 1)
        for row in 0..<batch {
            let gateRow = gates + row * gateStride
            let offset = row * hiddenSize
            var column = 0
            while column < hiddenSize {
                let lanes = min(16, hiddenSize - column)
                let inputGate = Elementwise.load(gateRow + column, count: lanes)
                let forgetGate = Elementwise.load(gateRow + hiddenSize + column, count: lanes)
                let candidate = Elementwise.load(gateRow + 2 * hiddenSize + column, count: lanes)
                let outputGate = Elementwise.load(gateRow + 3 * hiddenSize + column, count: lanes)
                let squashed = Elementwise.load(tanhCell + offset + column, count: lanes)
                let dh = Elementwise.load(hiddenGradient + offset + column, count: lanes)
                let dOutput = dh * squashed * outputGate * (one - outputGate)
                let dc = Elementwise.load(cellGradient + offset + column, count: lanes)
                    .addingProduct(dh * outputGate, one - squashed * squashed)
                let dInput = dc * candidate * inputGate * (one - inputGate)
                let dForget = dc * Elementwise.load(previousCell + offset + column, count: lanes) * forgetGate * (one - forgetGate)
                let dCandidate = dc * inputGate * (one - candidate * candidate)
                Elementwise.store(dInput, gateRow + column, count: lanes)
                Elementwise.store(dForget, gateRow + hiddenSize + column, count: lanes)
                Elementwise.store(dCandidate, gateRow + 2 * hiddenSize + column, count: lanes)
                Elementwise.store(dOutput, gateRow + 3 * hiddenSize + column, count: lanes)
                Elementwise.store(dc * forgetGate, cellGradient + offset + column, count: lanes)
                column += 16
            }
        }
    }
}
