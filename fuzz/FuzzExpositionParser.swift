// libFuzzer harness for the exposition parser and encoder.
//
// Build (see the README / Makefile for the exact command):
//   swiftc -sanitize=fuzzer,address -parse-as-library ... fuzz/FuzzExpositionParser.swift
// Run:
//   SWIFT_BACKTRACE=enable=no ./fuzz-exposition -max_total_time=60 fuzz/seeds/exposition
//
// Properties checked on every input:
// 1. The parser never traps, whatever the bytes (invalid UTF-8 is repaired by String(decoding:)).
// 2. Whatever it accepts, the encoder writes back in a form the parser accepts again, and the
//    second parse equals the first (round trip).
// 3. Encoding is a fixed point after one round: encode(parse(encode(x))) == encode(x).

import VandineCore

/// Orders families by name so the comparison ignores the parser's first-seen order (the encoder
/// writes families sorted by name).
private func byName(_ families: [MetricFamily]) -> [MetricFamily] {
    families.sorted { $0.name < $1.name }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let first = try? ExpositionParser.parse(text) else { return 0 }

    let encoded = ExpositionEncoder.encode(first)
    let second: [MetricFamily]
    do {
        second = try ExpositionParser.parse(encoded)
    } catch {
        fatalError("the encoder wrote text the parser rejects: \(error)\n--- input ---\n\(text)\n--- encoded ---\n\(encoded)")
    }
    guard byName(first) == byName(second) else {
        fatalError("round trip changed the families\n--- input ---\n\(text)\n--- encoded ---\n\(encoded)\n--- first ---\n\(first)\n--- second ---\n\(second)")
    }
    let reencoded = ExpositionEncoder.encode(second)
    guard reencoded == encoded else {
        fatalError("encoding is not stable\n--- encoded ---\n\(encoded)\n--- re-encoded ---\n\(reencoded)")
    }
    return 0
}
