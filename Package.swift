// swift-tools-version: 6.1
// SeriesLens: train, explain and benchmark small neural networks on time series, on the CPU.
//
// Target flags (e.g. -march=native) are passed from the Makefile, never as unsafeFlags here, so the
// package stays usable as a dependency. Layering (lower never imports higher):
//   CBLAS, CPUControl <- Kernels <- Layers <- Models <- Training <- Evaluation / Reports <- serieslens
//                        Kernels <- Datasets (beside Layers)
import PackageDescription

let package = Package(
    name: "SeriesLens",
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
        .target(name: "Kernels", dependencies: ["CBLAS", "CPUControl"]),
        .target(name: "Datasets", dependencies: ["Kernels"]),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "Kernels"], resources: [.copy("Fixtures")]),
    ]
)
