import Foundation
import Testing
@testable import Kernels

/// Fails when the build lost its target flags: on x86-64 without `-march=native` (or `-mavx2 -mfma`),
/// SIMD16 `addingProduct` turns into per-lane libm `fma` calls and the kernels run ~100× slower.
/// `make` passes the flags; a plain `swift build` does not.
@Suite struct TargetFlagsTests {
    static var cpuFlags: Set<String> {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
        return Set(line.split(separator: " ").map(String.init))
    }

    @Test func cTargetsWereCompiledForThisCPU() throws {
        let cpu = Self.cpuFlags
        try #require(!cpu.isEmpty, "no /proc/cpuinfo: cannot tell what this CPU supports")
        let compiled = CompiledVectorFeatures.current
        if cpu.contains("avx2") && cpu.contains("fma") {
            #expect(compiled.contains([.avx2, .fma]), "C code built for \(compiled) on a CPU with AVX2+FMA: pass ARCH_FLAGS (make does)")
        }
        // The C kernels' sixteen-lane tiles exist only in an AVX-512 build (ForEachWidth.h).
        if cpu.contains("avx512f") {
            #expect(compiled.contains(.avx512f), "C code built for \(compiled) on a CPU with AVX-512: the sixteen-lane kernels are off")
        }
    }

    @Test func swiftKernelsUseVectorFMA() throws {
        #if arch(x86_64)
        guard Self.cpuFlags.contains("fma") else { return }
        let binary = URL(fileURLWithPath: CommandLine.arguments[0])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/objdump")
        process.arguments = ["-d", "--no-show-raw-insn", binary.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "objdump failed on \(binary.path) (install binutils)")
        let disassembly = String(decoding: data, as: UTF8.self)
        let vectorFMAs = disassembly.split(separator: "\n").filter { $0.contains("vfmadd") && ($0.contains("ymm") || $0.contains("zmm")) }.count
        #expect(vectorFMAs > 100, "only \(vectorFMAs) ymm/zmm FMAs in \(binary.lastPathComponent): kernels built without target flags")
        if Self.cpuFlags.contains("avx512f") {
            let wideFMAs = disassembly.split(separator: "\n").filter { $0.contains("vfmadd") && $0.contains("zmm") }.count
            #expect(wideFMAs > 100, "only \(wideFMAs) zmm FMAs in \(binary.lastPathComponent) on an AVX-512 CPU")
        }
        #endif
    }
}
