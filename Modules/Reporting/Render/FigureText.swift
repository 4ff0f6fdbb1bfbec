import Foundation

/// How a digest writes its figures: counts, percentages, durations and the change between periods.
///
/// Fixed spellings, not the host locale: a digest reads the same whichever machine sends it.
enum FigureText {
    /// U+2212, the typographic minus: it lines up with "+" in a column and cannot be read as a hyphen.
    static let minus = "\u{2212}"
    static let missing = "n/a"

    /// A metric's own value in its unit ("1,204", "97.5%", "3 h 20 min"), "n/a" when missing.
    static func value(_ value: Double?, unit: Metric.Unit) -> String {
        guard let value, value.isFinite else { return missing }
        switch unit {
        case .count: return count(value)
        case .percent: return percent(value)
        case .seconds: return duration(value)
        case .number: return number(value)
        }
    }

    /// A measurement as measured: up to two decimals, trailing zeros dropped ("12", "97.25", "0.5").
    static func number(_ value: Double) -> String {
        var text = String(format: "%.2f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text == "-0" ? "0" : text.replacingOccurrences(of: "-", with: minus)
    }

    /// The change with its sign: "+3", "−2.5 pp", "+1 h 15 min", "±0"; "n/a" when either value is missing.
    static func change(_ metric: Metric) -> String {
        guard let change = metric.change, change.isFinite else { return missing }
        switch metric.unit {
        case .count:
            let rounded = change.rounded()
            return signed(rounded, magnitude: count(abs(rounded)))
        case .percent:
            let tenths = (change * 10).rounded() / 10
            return signed(tenths, magnitude: String(format: "%.1f pp", abs(tenths)))
        case .seconds:
            let rounded = change.rounded()
            return signed(rounded, magnitude: duration(abs(rounded)))
        case .number:
            let hundredths = (change * 100).rounded() / 100
            return signed(hundredths, magnitude: number(abs(hundredths)))
        }
    }

    private static func signed(_ rounded: Double, magnitude: String) -> String {
        if rounded > 0 { return "+" + magnitude }
        if rounded < 0 { return minus + magnitude }
        return "\u{00B1}" + magnitude
    }

    /// A whole number with thousands separators: "1,204", "−3".
    static func count(_ value: Double) -> String {
        guard value.isFinite else { return missing }
        let rounded = value.rounded()
        guard abs(rounded) < 1e15 else { return String(format: "%.0f", rounded) }
        let digits = String(Int64(abs(rounded)))
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return rounded < 0 ? minus + grouped : grouped
    }

    static func count(_ value: Int) -> String { count(Double(value)) }

    /// A percentage with one decimal: "97.5%".
    static func percent(_ value: Double) -> String {
        guard value.isFinite else { return missing }
        let text = String(format: "%.1f%%", abs(value))
        return value <= -0.05 ? minus + text : text
    }

    /// A duration in at most two units: "45 s", "12 min 30 s", "3 h 20 min", "2 d 4 h".
    ///
    /// Rounded to the smaller unit shown, so 3 h 59 min 50 s reads "4 h". A day is 24 hours,
    /// also for business time.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return missing }
        let total = abs(seconds).rounded()
        let sign = seconds < 0 && total > 0 ? minus : ""
        if total < 3600 {
            let whole = Int(total)
            let (minutes, rest) = whole.quotientAndRemainder(dividingBy: 60)
            if minutes == 0 { return "\(sign)\(rest) s" }
            return rest == 0 ? "\(sign)\(minutes) min" : "\(sign)\(minutes) min \(rest) s"
        }
        let minutes = Int((total / 60).rounded())
        if minutes < 1440 {
            let (hours, rest) = minutes.quotientAndRemainder(dividingBy: 60)
            return rest == 0 ? "\(sign)\(hours) h" : "\(sign)\(hours) h \(rest) min"
        }
        let hours = total / 3600 < 1e12 ? Int((total / 3600).rounded()) : Int(1e12)
        let (days, rest) = hours.quotientAndRemainder(dividingBy: 24)
        return rest == 0 ? "\(sign)\(days) d" : "\(sign)\(days) d \(rest) h"
    }

    /// Whether a change is good news, bad news or neither, for a figure where `better` is the wanted direction.
    static func tone(_ metric: Metric, better: Better) -> Tone {
        guard let change = metric.change, change.isFinite else { return .neutral }
        let threshold = metric.unit == .percent ? 0.05 : 0.5
        guard abs(change) >= threshold else { return .neutral }
        switch better {
        case .higher: return change > 0 ? .good : .bad
        case .lower: return change < 0 ? .good : .bad
        case .neither: return .neutral
        }
    }

    enum Better { case higher, lower, neither }
    enum Tone { case good, bad, neutral }
}
