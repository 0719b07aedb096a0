import CKernels

// Winograd convolution's kernels as `TensorScalar` requirements (declared with the others in
// TensorScalar.swift): the reference loops of `Winograd` by default (Double), C for Float.

extension TensorScalar {
    @inlinable public static func winogradInput(
        _ padded: UnsafePointer<Self>, tiles: Int, channels: Int, outputs: Int, points: Int,
        coefficients: UnsafePointer<Self>, into transformed: UnsafeMutablePointer<Self>, pointStride: Int
    ) {
        KernelProfiler.measure(.winogradTransform, work: tiles * points * channels) {
            Winograd.transformInput(padded, tiles: tiles, channels: channels, outputs: outputs, points: points,
                                    coefficients: coefficients, into: transformed, pointStride: pointStride)
        }
    }
    @inlinable public static func winogradOutput(
        _ products: UnsafePointer<Self>, rows: Int, channels: Int, outputs: Int, points: Int,
        coefficients: UnsafePointer<Self>, bias: UnsafePointer<Self>?, accumulate: Bool, into output: UnsafeMutablePointer<Self>
    ) {
        KernelProfiler.measure(.winogradTransform, work: rows * channels) {
            Winograd.transformOutput(products, rows: rows, channels: channels, outputs: outputs, points: points,
                                     coefficients: coefficients, bias: bias, accumulate: accumulate, into: output)
        }
    }
    @inlinable public static func winogradOutputGradient(
        _ outputGradient: UnsafePointer<Self>, rows: Int, channels: Int, outputs: Int, points: Int,
        coefficients: UnsafePointer<Self>, into productGradient: UnsafeMutablePointer<Self>
    ) {
        KernelProfiler.measure(.winogradTransform, work: (rows + outputs - 1) / outputs * points * channels) {
            Winograd.transformOutputGradient(outputGradient, rows: rows, channels: channels, outputs: outputs, points: points,
                                             coefficients: coefficients, into: productGradient)
        }
    }
    @inlinable public static func winogradFilter(
        _ weight: UnsafePointer<Self>, outputChannels: Int, channels: Int, kernel: Int, flipped: Bool,
        points: Int, filterTransform: UnsafePointer<Self>, into filter: UnsafeMutablePointer<Self>
    ) {
        KernelProfiler.measure(.convolutionLayout, work: points * outputChannels * channels) {
            Winograd.transformFilter(weight, outputChannels: outputChannels, channels: channels, kernel: kernel, flipped: flipped,
                                     points: points, filterTransform: filterTransform, into: filter)
        }
    }
    @inlinable public static func addWinogradFilterGradient(
        _ filterGradients: UnsafePointer<Self>, parts: Int, outputChannels: Int, channels: Int, kernel: Int,
        points: Int, filterTransform: UnsafePointer<Self>, into gradient: UnsafeMutablePointer<Self>
    ) {
        KernelProfiler.measure(.convolutionLayout, work: parts * points * outputChannels * channels) {
            Winograd.addFilterGradient(filterGradients, parts: parts, outputChannels: outputChannels, channels: channels, kernel: kernel,
                                       points: points, filterTransform: filterTransform, into: gradient)
        }
    }
}

extension Float {
    // The Winograd transforms in C (Winograd.c): F(4, 3) and F(4, 5) written out, 8 channels at a
    // time in registers. The generic loops took ~2 cycles per element, as long as the products.
    @inlinable public static func winogradInput(
        _ padded: UnsafePointer<Float>, tiles: Int, channels: Int, outputs: Int, points: Int,
        coefficients: UnsafePointer<Float>, into transformed: UnsafeMutablePointer<Float>, pointStride: Int
    ) {
        KernelProfiler.measure(.winogradTransform, work: tiles * points * channels) {
            serieslens_winograd_input_f32(padded, outputs * channels, channels, transformed, channels, pointStride,
                                          points, coefficients, tiles, channels)
        }
    }
    @inlinable public static func winogradOutput(
        _ products: UnsafePointer<Float>, rows: Int, channels: Int, outputs: Int, points: Int,
        coefficients: UnsafePointer<Float>, bias: UnsafePointer<Float>?, accumulate: Bool, into output: UnsafeMutablePointer<Float>
    ) {
        let tiles = (rows + outputs - 1) / outputs
        KernelProfiler.measure(.winogradTransform, work: rows * channels) {
            serieslens_winograd_output_f32(products, channels, tiles * channels, output, outputs * channels, channels,
                                           points, outputs, rows - (tiles - 1) * outputs, coefficients, tiles, channels, bias, accumulate ? 1 : 0)
        }
    }
    @inlinable public static func winogradOutputGradient(
        _ outputGradient: UnsafePointer<Float>, rows: Int, channels: Int, outputs: Int, points: Int,
        coefficients: UnsafePointer<Float>, into productGradient: UnsafeMutablePointer<Float>
    ) {
        let tiles = (rows + outputs - 1) / outputs
        KernelProfiler.measure(.winogradTransform, work: tiles * points * channels) {
            serieslens_winograd_output_gradient_f32(outputGradient, outputs * channels, channels, rows - (tiles - 1) * outputs,
                                                    productGradient, channels, tiles * channels, points, outputs, coefficients, tiles, channels)
        }
    }

    // In C (Winograd.c), 8 values at a time: scalar loops took 1 ms of a cnn step.
    @inlinable public static func winogradFilter(
        _ weight: UnsafePointer<Float>, outputChannels: Int, channels: Int, kernel: Int, flipped: Bool,
        points: Int, filterTransform: UnsafePointer<Float>, into filter: UnsafeMutablePointer<Float>
    ) {
        KernelProfiler.measure(.convolutionLayout, work: points * outputChannels * channels) {
            if flipped {
                serieslens_winograd_filter_f32(weight, outputChannels, channels, channels * kernel, kernel, kernel - 1, -1, kernel,
                                               filterTransform, points, filter)
            } else {
                serieslens_winograd_filter_f32(weight, channels, outputChannels, kernel, channels * kernel, 0, 1, kernel,
                                               filterTransform, points, filter)
            }
        }
    }
    @inlinable public static func addWinogradFilterGradient(
        _ filterGradients: UnsafePointer<Float>, parts: Int, outputChannels: Int, channels: Int, kernel: Int,
        points: Int, filterTransform: UnsafePointer<Float>, into gradient: UnsafeMutablePointer<Float>
    ) {
        KernelProfiler.measure(.convolutionLayout, work: parts * points * outputChannels * channels) {
            serieslens_winograd_filter_gradient_f32(filterGradients, parts, outputChannels, channels, kernel, filterTransform, points, gradient)
        }
    }
}
