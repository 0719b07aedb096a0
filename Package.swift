// swift-tools-version: 6.1
// SeriesLens: train, explain and benchmark small neural networks on time series, on the CPU.
//
// Target flags (e.g. -march=native) are passed from the Makefile, never as unsafeFlags here, so the
// package stays usable as a dependency. Layering (lower never imports higher):
//   CBLAS, CPUControl, CKernels <- Kernels <- Layers <- Models <- Training <- Evaluation / Reports <- serieslens
//                        Kernels <- Datasets (beside Layers)
import PackageDescription

let package = Package(
    name: "SeriesLens",
    products: [
        .executable(name: "serieslens", targets: ["serieslens"]),
        // The engine as a library (used by Benchmarks/, a separate package).
        .library(name: "SeriesLensEngine", targets: ["Kernels", "Layers", "Datasets", "Models", "Training", "Evaluation", "Reports"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        .target(name: "CPUControl"),
        // Element-wise chains (the LSTM cell, sigmoid, tanh) in C vector extensions; see its header.
        .target(name: "CKernels"),
        .target(name: "Kernels", dependencies: ["CBLAS", "CPUControl", "CKernels"]),
        .target(name: "Layers", dependencies: ["Kernels"]),
        .target(name: "Datasets", dependencies: ["Kernels"]),
        .target(name: "Models", dependencies: ["Layers"]),
        .target(name: "Training", dependencies: ["Models", "Datasets"]),
        // Classification metrics need nothing below them; explanation scores read the datasets'
        // ground truth and run models backwards for saliency.
        .target(name: "Evaluation", dependencies: ["Datasets", "Models"]),
        // Hand-written SVG charts and the self-contained HTML report; no JavaScript, no network.
        .target(name: "Reports", dependencies: ["Evaluation", "Training"]),
        .executableTarget(
            name: "serieslens",
            dependencies: [
                "Training", "Evaluation", "Reports", "Datasets", "Models", "Layers",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels"]),
        .testTarget(name: "LayersTests", dependencies: ["Layers"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models"], resources: [.copy("Fixtures")]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Datasets", "Models", "Kernels"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "Evaluation", "Training", "Datasets", "Models"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training"]),
        .testTarget(name: "CLITests", dependencies: ["serieslens"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "Kernels"], resources: [.copy("Fixtures")]),
    ]
)
