import Dispatch
import Kernels

/// Single-layer LSTM over time, PyTorch `nn.LSTM(C, H, batch_first=True, bidirectional=…)`.
///
/// Shapes: x is (B, T, C); output h is (B, T, D·H) with D = 2 directions when bidirectional, the
/// forward direction in columns 0..<H and the reverse one in H..<2H (as PyTorch).
/// Parameters per direction (suffix `_reverse` for the second): `weight_ih_l0` (4H, C),
/// `weight_hh_l0` (4H, H), `bias_ih_l0` (4H), `bias_hh_l0` (4H); gate order i, f, g, o.
/// Initialisation (PyTorch default): every tensor ~ U(−1/√H, 1/√H). Initial h and c are zero.
///
/// Per direction and step t (reverse direction: t = T−1 … 0):
///   gates_t = x_t·W_ihᵀ + b_ih + b_hh + h_{t−1}·W_hhᵀ,  then the fused cell (`LSTMCell`).
///
/// Layout chosen for speed: x is transposed once to time-major (T, B, C), and W_ihᵀ, W_hhᵀ and
/// b_ih + b_hh are prepared once per pass. Each step then builds its (B, 4H) slab of the time-major
/// gate workspace (T, B, 4H) in one register-blocked `SmallGEMM` product, bias + x_t·W_ihᵀ +
/// h_{t−1}·W_hhᵀ (BLAS would re-pack its operands every step), and its cell; for Float one C kernel
/// does both tile by tile (`Float.fusedLSTMStepForward`), so the cell of one tile overlaps the next
/// tile's products. Backward runs the cell backward in place on that workspace, turning activations
/// into ∂L/∂gates (fused with the recurrent product ∂gates·W_hh of the step before it for Float),
/// adds ∂W_hh every 4 steps over their rows while their ∂gates are in cache, and after the loop
/// computes ∂W_ih and ∂x each as one product over all T·B rows. Hidden and cell states live in (T+2, B, H)
/// buffers with a zero slab at each end, so "the previous state" of either direction is a
/// contiguous (T, B, H) window: slabs 0..<T forward, 2..<T+2 reverse. The two directions are
/// independent and run on two threads when `threads` ≥ 2.
public final class LSTM<Scalar: TensorScalar>: Layer, @unchecked Sendable {
    public let name: String
    public let inputSize: Int
    public let hiddenSize: Int
    public let directions: Int
    /// 2 runs the directions concurrently.
    public var threads: Int = 1
    /// Whether a step runs its gate product and cell as one fused kernel where there is one (Float;
    /// H a multiple of 8 forward, of 16 backward); both paths give the same bits (tests compare them).
    public var usesFusedStep = true

    private var parameterIDs: [(inputWeight: ParameterID, hiddenWeight: ParameterID, inputBias: ParameterID, hiddenBias: ParameterID)] = []
    private let timeMajorInput = Buffer<Scalar>()
    private var workspaces: [DirectionWorkspace] = []
    private var lastBatch = 0
    private var lastTime = 0
    /// Whether the last forward pass kept every step's gates and tanh(c) for a backward pass.
    private var lastForwardKeptState = false

    final class DirectionWorkspace: @unchecked Sendable {
        let gates = Buffer<Scalar>()           // (T, B, 4H): pre-activations → activations → ∂L/∂gates
        let hidden = Buffer<Scalar>()          // (T+2, B, H): h_t at slab t+1
        let cell = Buffer<Scalar>()            // (T+2, B, H): c_t at slab t+1
        let tanhCell = Buffer<Scalar>()        // (T, B, H)
        let hiddenGradient = Buffer<Scalar>()  // (T, B, H): ∂L/∂h_t, upstream plus recurrent
        let cellGradient = Buffer<Scalar>()    // (B, H): ∂L/∂c carried backwards through time
        let inputGradient = Buffer<Scalar>()   // (T, B, C)
        let inputWeightTransposed = Buffer<Scalar>()   // (C, 4H): W_ihᵀ
        let hiddenWeightTransposed = Buffer<Scalar>()  // (H, 4H): W_hhᵀ
        let biasSum = Buffer<Scalar>()                 // (4H): b_ih + b_hh, then their shared gradient
    }

    public init(name: String, inputSize: Int, hiddenSize: Int, bidirectional: Bool = true) {
        self.name = name
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.directions = bidirectional ? 2 : 1
        workspaces = (0..<directions).map { _ in DirectionWorkspace() }
    }

    public func declareParameters(in layout: inout ParameterLayout) {
        parameterIDs = (0..<directions).map { direction in
            let suffix = direction == 0 ? "" : "_reverse"
            return (
                layout.add("\(name).weight_ih_l0\(suffix)", shape: [4 * hiddenSize, inputSize]),
                layout.add("\(name).weight_hh_l0\(suffix)", shape: [4 * hiddenSize, hiddenSize]),
                layout.add("\(name).bias_ih_l0\(suffix)", shape: [4 * hiddenSize]),
                layout.add("\(name).bias_hh_l0\(suffix)", shape: [4 * hiddenSize]))
        }
    }

    public func initializeParameters(_ parameters: ParameterStore<Scalar>, random: inout SeededRandom) {
        let bound = 1 / Double(hiddenSize).squareRoot()
        for ids in parameterIDs {
            fillUniform(parameters.value(ids.inputWeight), count: 4 * hiddenSize * inputSize, bound: bound, random: &random)
            fillUniform(parameters.value(ids.hiddenWeight), count: 4 * hiddenSize * hiddenSize, bound: bound, random: &random)
            fillUniform(parameters.value(ids.inputBias), count: 4 * hiddenSize, bound: bound, random: &random)
            fillUniform(parameters.value(ids.hiddenBias), count: 4 * hiddenSize, bound: bound, random: &random)
        }
    }

    public func outputShape(for input: ActivationShape) throws -> ActivationShape {
        guard let time = input.time else { throw ShapeError(layer: name, "needs a time axis, got \(input)") }
        guard input.features == inputSize else {
            throw ShapeError(layer: name, "expects \(inputSize) input channels, got \(input.features)")
        }
        return ActivationShape(time: time, features: directions * hiddenSize)
    }

    /// Per direction and step: the gate products 2·4H·(C + H), the biases 2·4H, and the cell's
    /// ~10 element-wise operations per hidden unit (3 sigmoids, 2 tanh, 3 products, 2 sums).
    public func forwardFLOPs(for input: ActivationShape) -> Int {
        let gates = 4 * hiddenSize
        return directions * input.rowsPerSample * (2 * gates * (inputSize + hiddenSize) + 2 * gates + 10 * hiddenSize)
    }

    /// Runs `body` for each direction, concurrently when allowed. The directions write disjoint
    /// workspaces and disjoint output columns, so sharing the pointers is race-free.
    private func eachDirection(_ body: (Int) -> Void) {
        if threads >= 2 && directions == 2 {
            Parallelism.onTwoThreads(body)
        } else {
            for direction in 0..<directions { body(direction) }
        }
    }

    public func forward(
        _ input: UnsafePointer<Scalar>, shape: ActivationShape, batch: Int,
        output: UnsafeMutablePointer<Scalar>, parameters: ParameterStore<Scalar>, training: Bool
    ) {
        // Evaluation keeps one step's gates in L1 instead of writing all T of them (20 of the 28 KB a
        // step stores at B = 32, H = 32); a backward pass after it (saliency) runs the pass again.
        forwardPass(input, time: shape.time ?? 0, batch: batch, output: output, parameters: parameters, keepState: training)
    }

    /// The recurrence; `output` nil only recomputes the kept state.
    @_specialize(where Scalar == Float)
    private func forwardPass(
        _ input: UnsafePointer<Scalar>, time: Int, batch: Int,
        output: UnsafeMutablePointer<Scalar>?, parameters: ParameterStore<Scalar>, keepState: Bool
    ) {
        let hidden = hiddenSize, channels = inputSize
        lastBatch = batch
        lastTime = time
        lastForwardKeptState = keepState
        timeMajorInput.resize(time * batch * channels)
        transpose(input, batch: batch, time: time, features: channels, into: timeMajorInput.pointer)
        let x = timeMajorInput.pointer
        let outputWidth = directions * hidden
        eachDirection { [self] direction in
            let ids = parameterIDs[direction]
            let work = workspaces[direction]
            let slab = batch * hidden
            let keptSteps = keepState ? time : 1
            // Evaluation (states not kept, an output wanted) needs only the last c between steps: two
            // slabs, used in turn and kept in L1 (h goes to the output, or to two slabs and is copied
            // out when the fused step does not run).
            // Writing every step's h and c to (T+2, B, H) slabs and copying h out afterwards made
            // inference batches 3–5 % slower (in-process A/B, two threads); so did storing the
            // activated gates and tanh c, which only a backward pass reads (the fused step skips them).
            let alternates = !keepState && output != nil
            let stateSlabs = alternates ? 2 : time + 2
            work.gates.resize(keptSteps * batch * 4 * hidden)
            work.hidden.resize(stateSlabs * slab)
            work.cell.resize(stateSlabs * slab)
            work.tanhCell.resize(keptSteps * slab)
            // Only the boundary slabs are read before being written: the zero initial states.
            for boundary in alternates ? [0] : [0, time + 1] {
                (work.hidden.pointer + boundary * slab).update(repeating: 0, count: slab)
                (work.cell.pointer + boundary * slab).update(repeating: 0, count: slab)
            }
            let gates = work.gates.pointer
            // W_ihᵀ and W_hhᵀ once per pass, so every step product streams contiguous rows; the two
            // biases summed once. Each step then builds its gates in one product, bias + x_t·W_ihᵀ +
            // h·W_hhᵀ, while its slab of the (T, B, 4H) workspace is in L1.
            work.inputWeightTransposed.resize(4 * hidden * channels)
            work.hiddenWeightTransposed.resize(4 * hidden * hidden)
            work.biasSum.resize(4 * hidden)
            let inputWeightT = work.inputWeightTransposed.pointer, hiddenWeightT = work.hiddenWeightTransposed.pointer
            transposeWeight(parameters.value(ids.inputWeight), rows: 4 * hidden, columns: channels, into: inputWeightT)
            transposeWeight(parameters.value(ids.hiddenWeight), rows: 4 * hidden, columns: hidden, into: hiddenWeightT)
            let biasSum = work.biasSum.pointer
            copyScalars(from: parameters.value(ids.inputBias), to: biasSum, count: 4 * hidden)
            Scalar.addScaled(parameters.value(ids.hiddenBias), scale: 1, into: biasSum, count: 4 * hidden)
            // In evaluation the fused step writes h_t straight into its columns of the (B, T, D·H) output
            // and reads h_{t−1} back from there (the zero state from the slab). Writing h_t to a slab
            // and copying its rows out after each step took 1.12–1.19× as long per inference batch
            // (in-process A/B, bilstm-attention and bilstm-multihead, two threads).
            var fusedSteps = usesFusedStep
            for step in 0..<time {
                let t = direction == 0 ? step : time - 1 - step
                let previous = alternates ? step % 2 : (direction == 0 ? t : t + 2)
                let current = alternates ? (step + 1) % 2 : t + 1
                let kept = keepState ? t : 0
                let stepGates = gates + kept * batch * 4 * hidden
                if fusedSteps {
                    var operands = LSTMStepOperands(
                        input: x + t * batch * channels, channels: channels, inputWeightTransposed: inputWeightT,
                        previousHidden: work.hidden.pointer + previous * slab, hiddenWeightTransposed: hiddenWeightT, bias: biasSum,
                        previousCell: work.cell.pointer + previous * slab, gates: keepState ? stepGates : nil,
                        cell: work.cell.pointer + current * slab, tanhCell: keepState ? work.tanhCell.pointer + kept * slab : nil,
                        hidden: work.hidden.pointer + current * slab)
                    if alternates, let output {
                        let columns = output + direction * hidden, rowStride = time * outputWidth
                        if step > 0 {
                            operands.previousHidden = UnsafePointer(columns + (direction == 0 ? t - 1 : t + 1) * outputWidth)
                            operands.previousHiddenStride = rowStride
                        }
                        operands.hidden = columns + t * outputWidth
                        operands.hiddenStride = rowStride
                    }
                    if Scalar.fusedLSTMStepForward(operands, batch: batch, hiddenSize: hidden) { continue }
                    // The kernel declines a shape on the first step or never: the separate kernels
                    // then run every step on the slabs.
                    fusedSteps = false
                }
                defer {
                    if alternates, let output {
                        Scalar.copyRows(from: work.hidden.pointer + current * slab, sourceRowStride: hidden, rows: batch, width: hidden,
                                        into: output + t * outputWidth + direction * hidden, targetRowStride: time * outputWidth)
                    }
                }
                Scalar.smallMultiplyPairAddingBias(
                    m: batch, n: 4 * hidden,
                    leadingK: channels, leadingA: x + t * batch * channels, leadingLDA: channels, leadingB: inputWeightT, leadingLDB: 4 * hidden,
                    k: hidden, a: work.hidden.pointer + previous * slab, lda: hidden, b: hiddenWeightT, ldb: 4 * hidden,
                    bias: biasSum, c: stepGates, ldc: 4 * hidden)
                Scalar.lstmCellForward(
                    gates: stepGates, previousCell: work.cell.pointer + previous * slab,
                    cell: work.cell.pointer + current * slab, tanhCell: work.tanhCell.pointer + kept * slab,
                    hidden: work.hidden.pointer + current * slab, batch: batch, hiddenSize: hidden)
            }
            guard let output, !alternates else { return }
            // (T, B, H) time-major states → columns direction·H..<(direction+1)·H of (B, T, D·H), one
            // step's rows per call. It costs ~0.4 ms per direction at T = 500, B = 32 whichever way it
            // is done (row by row; stored by the step kernel itself, measured the same): writing 2 MiB
            // of rows 125 KiB apart is bound by memory.
            let states = work.hidden.pointer
            for t in 0..<time {
                Scalar.copyRows(from: states + (t + 1) * slab, sourceRowStride: hidden, rows: batch, width: hidden,
                                into: output + t * outputWidth + direction * hidden, targetRowStride: time * outputWidth)
            }
        }
    }

    public func backward(
        input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>,
        inputGradient: UnsafeMutablePointer<Scalar>?, shape: ActivationShape, batch: Int,
        parameters: ParameterStore<Scalar>
    ) {
        let time = shape.time ?? 0, hidden = hiddenSize, channels = inputSize
        precondition(batch == lastBatch && time == lastTime, "LSTM.backward must follow forward of the same batch")
        if !lastForwardKeptState {
            forwardPass(input, time: time, batch: batch, output: nil, parameters: parameters, keepState: true)
        }
        let x = timeMajorInput.pointer
        let outputWidth = directions * hidden
        let wantsInputGradient = inputGradient != nil
        eachDirection { [self] direction in
            let ids = parameterIDs[direction]
            let work = workspaces[direction]
            let slab = batch * hidden
            let gates = work.gates.pointer
            work.cellGradient.resize(slab, zeroed: true)
            // The separate kernels take ∂L/∂h as time-major slabs, to which each step's recurrent
            // product adds; the fused step reads it in place from the (B, T, D·H) gradient instead.
            let copyUpstreamGradient = {
                work.hiddenGradient.resize(time * slab)
                let slabs = work.hiddenGradient.pointer
                for t in 0..<time {
                    Scalar.copyRows(from: outputGradient + t * outputWidth + direction * hidden, sourceRowStride: time * outputWidth,
                                    rows: batch, width: hidden, into: slabs + t * slab, targetRowStride: hidden)
                }
            }
            var fused = usesFusedStep
            if !fused { copyUpstreamGradient() }
            let hiddenWeight = parameters.value(ids.hiddenWeight)
            // The cell backward sums the bias gradient (both biases get the same) and, for one input
            // channel, ∂W_ih = Σ_rows x_r·∂gates_r while each step's ∂gates are in registers.
            work.biasSum.resize(4 * hidden, zeroed: true)
            let scalarInputWeightGradient = channels == 1 ? parameters.gradient(ids.inputWeight) : nil
            // ∂W_hh += ∂gatesᵀ·h_{t−1}, after every `weightGradientSteps` steps over their rows (contiguous
            // in the time-major workspaces) while their ∂gates are in cache. One product over all T·B rows
            // after the loop streamed 10 MiB per direction back from memory: grouping 4 steps made
            // training steps ~5 % faster (two threads; 2 and 8 steps ~3 %), in-process A/B.
            let hiddenWeightGradient = parameters.gradient(ids.hiddenWeight)
            let states = work.hidden.pointer
            let addHiddenWeightGradient = { (step: Int, t: Int) in
                guard step % Self.weightGradientSteps == Self.weightGradientSteps - 1 || step == time - 1 else { return }
                let count = step % Self.weightGradientSteps + 1
                let first = direction == 0 ? t : t - (count - 1)
                let stepGradients = UnsafePointer(gates + first * batch * 4 * hidden)
                let previousStates = UnsafePointer(states + (direction == 0 ? first : first + 2) * slab)
                if !Scalar.lstmAddHiddenWeightGradient(
                    gateGradient: stepGradients, previousHidden: previousStates, into: hiddenWeightGradient,
                    batch: count * batch, hiddenSize: hidden) {
                    Scalar.smallMultiplyAddTransposedA(
                        m: 4 * hidden, n: hidden, k: count * batch, a: stepGradients, lda: 4 * hidden,
                        b: previousStates, ldb: hidden, c: hiddenWeightGradient, ldc: hidden)
                }
            }
            for step in 0..<time {
                let t = direction == 0 ? time - 1 - step : step
                let previous = direction == 0 ? t : t + 2
                let stepGates = gates + t * batch * 4 * hidden
                if fused {
                    let later = direction == 0 ? t + 1 : t - 1
                    let aheadStep = direction == 0 ? t - Self.prefetchDistance : t + Self.prefetchDistance
                    // Measured in-process, alternating blocks of steps: 2–3 % faster training steps
                    // (two threads), with a distance of 1, 2 or 3 alike.
                    let prefetches = aheadStep >= 0 && aheadStep < time, a = min(max(aheadStep, 0), time - 1)
                    let aheadGates: UnsafePointer<Scalar> = UnsafePointer(gates + a * batch * 4 * hidden)
                    let aheadUpstream: UnsafePointer<Scalar> = outputGradient + a * outputWidth + direction * hidden
                    let aheadCell: UnsafePointer<Scalar> = UnsafePointer(work.cell.pointer + (direction == 0 ? a : a + 2) * slab)
                    let aheadTanh: UnsafePointer<Scalar> = UnsafePointer(work.tanhCell.pointer + a * slab)
                    if Scalar.fusedLSTMStepBackward(
                        LSTMStepGradientOperands(
                            gates: stepGates, laterGateGradient: step == 0 ? nil : gates + later * batch * 4 * hidden, hiddenWeight: hiddenWeight,
                            upstream: outputGradient + t * outputWidth + direction * hidden, upstreamStride: time * outputWidth,
                            previousCell: work.cell.pointer + previous * slab, tanhCell: work.tanhCell.pointer + t * slab,
                            cellGradient: work.cellGradient.pointer, gateSums: work.biasSum.pointer,
                            scalarInput: channels == 1 ? x + t * batch : nil, scalarInputWeightGradient: scalarInputWeightGradient,
                            ahead: prefetches ? (gates: aheadGates, upstream: aheadUpstream, previousCell: aheadCell, tanhCell: aheadTanh) : nil),
                        batch: batch, hiddenSize: hidden) {
                        addHiddenWeightGradient(step, t)
                        continue
                    }
                    // Declined (the type or H has no fused kernel), which only happens at the first step.
                    fused = false
                    copyUpstreamGradient()
                }
                Scalar.lstmCellBackward(
                    gates: stepGates, previousCell: work.cell.pointer + previous * slab,
                    tanhCell: work.tanhCell.pointer + t * slab, hiddenGradient: work.hiddenGradient.pointer + t * slab,
                    cellGradient: work.cellGradient.pointer, batch: batch, hiddenSize: hidden,
                    gateSums: work.biasSum.pointer, scalarInput: channels == 1 ? x + t * batch : nil,
                    scalarInputWeightGradient: scalarInputWeightGradient)
                // ∂L/∂h of the step processed next (in forward order, the previous one) += ∂gates·W_hh.
                let earlier = direction == 0 ? t - 1 : t + 1
                if earlier >= 0 && earlier < time {
                    Scalar.smallMultiplyAdd(
                        m: batch, n: hidden, k: 4 * hidden, a: stepGates, lda: 4 * hidden,
                        b: hiddenWeight, ldb: hidden, c: work.hiddenGradient.pointer + earlier * slab, ldc: hidden)
                }
                addHiddenWeightGradient(step, t)
            }
            let rows = time * batch
            if channels != 1 {
                GEMM.multiply(
                    transposeA: true, m: 4 * hidden, n: channels, k: rows,
                    a: gates, lda: 4 * hidden, b: x, ldb: channels,
                    beta: 1, c: parameters.gradient(ids.inputWeight), ldc: channels)
            }
            Scalar.addScaled(work.biasSum.pointer, scale: 1, into: parameters.gradient(ids.inputBias), count: 4 * hidden)
            Scalar.addScaled(work.biasSum.pointer, scale: 1, into: parameters.gradient(ids.hiddenBias), count: 4 * hidden)
            if wantsInputGradient {
                work.inputGradient.resize(rows * channels)
                if channels == 1 {
                    Scalar.rowDots(gates, count: rows, width: 4 * hidden, rowStride: 4 * hidden, vector: parameters.value(ids.inputWeight), bias: 0,
                                   into: work.inputGradient.pointer)
                } else {
                    GEMM.multiply(
                        m: rows, n: channels, k: 4 * hidden,
                        a: gates, lda: 4 * hidden, b: parameters.value(ids.inputWeight), ldb: channels,
                        beta: 0, c: work.inputGradient.pointer, ldc: channels)
                }
            }
        }
        if let inputGradient {
            for direction in 0..<directions {
                addTransposed(workspaces[direction].inputGradient.pointer, time: time, batch: batch, features: channels, into: inputGradient)
            }
        }
    }

    /// Steps whose share of ∂W_hh is added in one product (see `backward`).
    static var weightGradientSteps: Int { 4 }

    /// How many steps ahead the fused backward step prefetches (`LSTMStepGradientOperands.ahead`).
    static var prefetchDistance: Int { 2 }

    /// (R, C) → (C, R).
    private func transposeWeight(_ weight: UnsafePointer<Scalar>, rows: Int, columns: Int, into target: UnsafeMutablePointer<Scalar>) {
        Scalar.transpose(weight, sourceRowStride: columns, rows: rows, columns: columns, scale: 1, into: target)
    }

    /// (B, T, F) → (T, B, F): for one feature a matrix transpose (row by row, 16000 copies of one
    /// value took 0.09 ms on the caller's thread before the directions split), else one sample's
    /// rows per call.
    private func transpose(_ source: UnsafePointer<Scalar>, batch: Int, time: Int, features: Int, into target: UnsafeMutablePointer<Scalar>) {
        if features == 1 {
            Scalar.transpose(source, sourceRowStride: time, rows: batch, columns: time, scale: 1, into: target)
            return
        }
        for b in 0..<batch {
            Scalar.copyRows(from: source + b * time * features, sourceRowStride: features, rows: time, width: features,
                            into: target + b * features, targetRowStride: batch * features)
        }
    }

    /// target (B, T, F) += source (T, B, F).
    private func addTransposed(_ source: UnsafePointer<Scalar>, time: Int, batch: Int, features: Int, into target: UnsafeMutablePointer<Scalar>) {
        for t in 0..<time {
            for b in 0..<batch {
                Scalar.addScaled(source + (t * batch + b) * features, scale: 1, into: target + (b * time + t) * features, count: features)
            }
        }
    }
}
