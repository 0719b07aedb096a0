// swift-tools-version: 6.1
// Benchmarks live in their own package so the main build stays light (package-benchmark and its
// malloc interposer take ~1.5 min to build). Run from this folder:
//   swift package -c release -Xcc -march=native benchmark
//   swift package -c release -Xcc -march=native benchmark --filter 'sgemm.*'
import PackageDescription
import class Foundation.NSString

// A path dependency is identified by its folder's name, whatever the clone is called.
let engine = ((#filePath as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
let enginePackage = (engine as NSString).lastPathComponent.lowercased()

let package = Package(
    name: "SeriesLensBenchmarks",
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "KernelBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SeriesLensEngine", package: enginePackage),
            ],
            path: "KernelBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "ModelBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SeriesLensEngine", package: enginePackage),
            ],
            path: "ModelBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
