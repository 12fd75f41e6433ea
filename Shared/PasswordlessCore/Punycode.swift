/// Punycode (RFC 3492): the Bootstring encoding IDNA uses to write one Unicode domain label in
/// ASCII, `bücher` ⇄ `bcher-kva`. The `xn--` prefix is the caller's business.
///
/// `encode` writes lower-case digits and copies the label's ASCII characters as they are.
/// `decode` accepts digits in either case and refuses, rather than repairs, anything that is
/// not Punycode: a character outside ASCII, a digit sequence cut short, arithmetic overflow
/// (hostile input can make the numbers grow without bound), or a result that is not a Unicode
/// scalar (a surrogate, a value above U+10FFFF). So it never produces U+FFFD.
public enum Punycode {
    private static let base = 36, tMin = 1, tMax = 26, skew = 38, damp = 700
    private static let initialBias = 72, initialN = 0x80

    /// The Punycode form of `text`, or nil if the arithmetic would overflow (it cannot for a
    /// domain label, which is at most 63 bytes once encoded).
    public static func encode(_ text: String) -> String? {
        let input = text.unicodeScalars.map { Int($0.value) }
        var output: [UInt8] = input.filter { $0 < 0x80 }.map { UInt8($0) }
        let basicCount = output.count
        var handled = basicCount
        if basicCount > 0 { output.append(UInt8(ascii: "-")) }
        var n = initialN
        var delta = 0
        var bias = initialBias
        while handled < input.count {
            guard let next = input.filter({ $0 >= n }).min() else { return nil }
            let (step, overflowed) = (next - n).multipliedReportingOverflow(by: handled + 1)
            guard !overflowed, let advanced = add(delta, step) else { return nil }
            delta = advanced
            n = next
            for scalar in input {
                if scalar < n {
                    guard let advanced = add(delta, 1) else { return nil }
                    delta = advanced
                }
                guard scalar == n else { continue }
                var q = delta
                var k = base
                while true {
                    let t = threshold(k, bias)
                    if q < t { break }
                    output.append(digit(t + (q - t) % (base - t)))
                    q = (q - t) / (base - t)
                    k += base
                }
                output.append(digit(q))
                bias = adapt(delta, handled + 1, first: handled == basicCount)
                delta = 0
                handled += 1
            }
            delta += 1
            n += 1
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The Unicode text `text` encodes, or nil if it is not valid Punycode.
    public static func decode(_ text: some StringProtocol) -> String? {
        let input = Array(text.utf8)
        guard input.allSatisfy({ $0 < 0x80 }) else { return nil }
        let delimiter = input.lastIndex(of: UInt8(ascii: "-")) ?? 0
        var output: [Int] = input[..<delimiter].map { Int($0) }
        var position = delimiter > 0 ? delimiter + 1 : 0
        var n = initialN
        var i = 0
        var bias = initialBias
        while position < input.count {
            let oldI = i
            var w = 1
            var k = base
            while true {
                guard position < input.count, let value = value(of: input[position]) else { return nil }
                position += 1
                let (product, overflowed) = value.multipliedReportingOverflow(by: w)
                guard !overflowed, let sum = add(i, product) else { return nil }
                i = sum
                let t = threshold(k, bias)
                if value < t { break }
                let (weight, weightOverflowed) = w.multipliedReportingOverflow(by: base - t)
                guard !weightOverflowed else { return nil }
                w = weight
                k += base
            }
            let count = output.count + 1
            bias = adapt(i - oldI, count, first: oldI == 0)
            guard let advanced = add(n, i / count), advanced <= 0x10FFFF else { return nil }
            n = advanced
            i %= count
            guard !(0xD800...0xDFFF).contains(n) else { return nil }
            output.insert(n, at: i)
            i += 1
        }
        var scalars = String.UnicodeScalarView()
        for value in output {
            guard let scalar = Unicode.Scalar(UInt32(value)) else { return nil }
            scalars.append(scalar)
        }
        return String(scalars)
    }

    private static func threshold(_ k: Int, _ bias: Int) -> Int {
        k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
    }

    private static func adapt(_ delta: Int, _ count: Int, first: Bool) -> Int {
        var delta = first ? delta / damp : delta / 2
        delta += delta / count
        var k = 0
        while delta > ((base - tMin) * tMax) / 2 {
            delta /= base - tMin
            k += base
        }
        return k + (base - tMin + 1) * delta / (delta + skew)
    }

    private static func digit(_ value: Int) -> UInt8 {
        value < 26 ? UInt8(ascii: "a") + UInt8(value) : UInt8(ascii: "0") + UInt8(value - 26)
    }

    private static func value(of byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0")) + 26
        case UInt8(ascii: "a")...UInt8(ascii: "z"): Int(byte - UInt8(ascii: "a"))
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): Int(byte - UInt8(ascii: "A"))
        default: nil
        }
    }

    /// `a + b` within the 32-bit range RFC 3492 assumes, or nil.
    private static func add(_ a: Int, _ b: Int) -> Int? {
        let (sum, overflowed) = a.addingReportingOverflow(b)
        return overflowed || sum > Int(Int32.max) ? nil : sum
    }
}
