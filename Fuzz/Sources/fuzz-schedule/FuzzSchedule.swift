import Domain
import FuzzSupport

// Any text into DigestSchedule(parsing:): it never crashes, and an accepted schedule's normalised
// text parses to the same schedule. For an instant and a zone from the input (zones with DST,
// half-hour DST and a skipped day), next(after:) is strictly after the instant, the same when
// asked again, the next run for every instant up to it (asked one microsecond before it), and the
// latest run at or before itself.

private let clocks = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Apia", "Asia/Kolkata"]
    .map { try! LocalClock(timeZoneIdentifier: $0) }

@main
enum FuzzScheduleMain {
    static func main() { runFuzzer { data, count in data.map { fuzzSchedule($0, count) } ?? 0 } }
}

func fuzzSchedule(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    var input = FuzzInput(data, count)
    let text = input.text()
    let schedule: DigestSchedule
    do throws(DomainError) {
        schedule = try DigestSchedule(parsing: text)
    } catch {
        return 0
    }
    do throws(DomainError) {
        let again = try DigestSchedule(parsing: schedule.text)
        guard again == schedule else { finding("\(schedule.text.debugDescription) parses to another schedule") }
    } catch {
        finding("normalised text \(schedule.text.debugDescription) of \(text.debugDescription) is refused: \(error)")
    }
    // Instants from 1970 to about 2200, to the microsecond.
    let instant = Instant(microsecondsSinceEpoch: Int64(input.number() % 7_258_118_400_000_000))
    let clock = clocks[Int(input.number() % UInt64(clocks.count))]
    guard let next = schedule.next(after: instant, clock: clock) else { return 0 }
    let what = "\(schedule.text.debugDescription) in \(clock.timeZoneIdentifier) after \(instant)"
    guard next > instant else { finding("\(what): next run \(next) is not after it") }
    guard schedule.next(after: instant, clock: clock) == next else { finding("\(what): next run differs when asked again") }
    let justBefore = next - .microseconds(1)
    if justBefore > instant, schedule.next(after: justBefore, clock: clock) != next {
        finding("\(what): from \(justBefore) the next run is not \(next)")
    }
    guard schedule.latest(atOrBefore: next, clock: clock) == next else {
        finding("\(what): latest run at or before \(next) is \(String(describing: schedule.latest(atOrBefore: next, clock: clock)))")
    }
    return 0
}
