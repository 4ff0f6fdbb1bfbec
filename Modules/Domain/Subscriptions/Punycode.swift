/// RFC 3492 Punycode: the Bootstring encoding IDNA uses to write a Unicode label in ASCII.
///
/// Only the bare transform lives here (no `xn--` prefix, no mapping); `EmailAddress` maps and
/// prefixes. Basic code points keep their case; digits are written lower-case, read in any case.
enum Punycode {
    // Section 5: the parameter values for Punycode.
    private static let base = 36
    private static let tMin = 1
    private static let tMax = 26
    private static let skew = 38
    private static let damp = 700
    private static let initialBias = 72
    private static let initialN = 0x80
    private static let delimiter: Unicode.Scalar = "-"

    /// The Punycode of `input`, or nil if a count overflows (only for absurdly long input).
    static func encode(_ input: String) -> String? {
        let scalars = input.unicodeScalars.map { Int($0.value) }
        var output = String.UnicodeScalarView()
        for value in scalars where value < initialN {
            output.append(Unicode.Scalar(UInt8(value)))
        }
        let basicCount = output.count
        var handled = basicCount
        if basicCount > 0 { output.append(delimiter) }

        var n = initialN
        var delta = 0
        var bias = initialBias
        while handled < scalars.count {
            // The smallest code point not yet handled; one exists because handled < count.
            guard let m = scalars.filter({ $0 >= n }).min() else { return nil }
            let (step, stepOverflow) = (m - n).multipliedReportingOverflow(by: handled + 1)
            guard !stepOverflow else { return nil }
            let (advanced, advanceOverflow) = delta.addingReportingOverflow(step)
            guard !advanceOverflow else { return nil }
            delta = advanced
            n = m
            for value in scalars {
                if value < n {
                    delta += 1
                    guard delta < Int.max else { return nil }
                }
                if value == n {
                    var q = delta
                    var k = base
                    while true {
                        let t = threshold(k: k, bias: bias)
                        if q < t { break }
                        output.append(digit(t + (q - t) % (base - t)))
                        q = (q - t) / (base - t)
                        k += base
                    }
                    output.append(digit(q))
                    bias = adapt(delta: delta, pointCount: handled + 1, isFirst: handled == basicCount)
                    delta = 0
                    handled += 1
                }
            }
            delta += 1
            n += 1
        }
        return String(output)
    }

    /// The Unicode string `input` encodes, or nil when it is not valid Punycode.
    static func decode(_ input: String) -> String? {
        let encoded = Array(input.unicodeScalars)
        guard encoded.allSatisfy(\.isASCII) else { return nil }
        var output: [Int] = []
        var start = 0
        if let lastDelimiter = encoded.lastIndex(of: delimiter) {
            output = encoded[..<lastDelimiter].map { Int($0.value) }
            start = lastDelimiter + 1
        }

        var n = initialN
        var i = 0
        var bias = initialBias
        var position = start
        while position < encoded.count {
            let oldI = i
            var w = 1
            var k = base
            while true {
                guard position < encoded.count, let value = digitValue(encoded[position]) else { return nil }
                position += 1
                let (scaled, scaledOverflow) = value.multipliedReportingOverflow(by: w)
                guard !scaledOverflow else { return nil }
                let (sum, sumOverflow) = i.addingReportingOverflow(scaled)
                guard !sumOverflow else { return nil }
                i = sum
                let t = threshold(k: k, bias: bias)
                if value < t { break }
                let (nextW, wOverflow) = w.multipliedReportingOverflow(by: base - t)
                guard !wOverflow else { return nil }
                w = nextW
                k += base
            }
            let count = output.count + 1
            bias = adapt(delta: i - oldI, pointCount: count, isFirst: oldI == 0)
            let (nextN, nOverflow) = n.addingReportingOverflow(i / count)
            guard !nOverflow else { return nil }
            n = nextN
            i %= count
            // A decoded basic code point would have been copied literally, never encoded.
            guard n >= initialN, Unicode.Scalar(UInt32(clamping: n)) != nil else { return nil }
            output.insert(n, at: i)
            i += 1
        }
        var scalars = String.UnicodeScalarView()
        for value in output {
            guard let scalar = Unicode.Scalar(UInt32(clamping: value)) else { return nil }
            scalars.append(scalar)
        }
        return String(scalars)
    }

    private static func threshold(k: Int, bias: Int) -> Int {
        if k <= bias { return tMin }
        if k >= bias + tMax { return tMax }
        return k - bias
    }

    /// Section 6.1: the bias adaptation function.
    private static func adapt(delta: Int, pointCount: Int, isFirst: Bool) -> Int {
        var delta = isFirst ? delta / damp : delta / 2
        delta += delta / pointCount
        var k = 0
        while delta > ((base - tMin) * tMax) / 2 {
            delta /= base - tMin
            k += base
        }
        return k + (base - tMin + 1) * delta / (delta + skew)
    }

    /// 0...25 are a...z, 26...35 are 0...9.
    private static func digit(_ value: Int) -> Unicode.Scalar {
        let ascii = value < 26 ? 0x61 + value : 0x30 + value - 26
        return Unicode.Scalar(UInt8(ascii))
    }

    private static func digitValue(_ scalar: Unicode.Scalar) -> Int? {
        switch scalar {
        case "a"..."z": Int(scalar.value) - 0x61
        case "A"..."Z": Int(scalar.value) - 0x41
        case "0"..."9": Int(scalar.value) - 0x30 + 26
        default: nil
        }
    }
}
