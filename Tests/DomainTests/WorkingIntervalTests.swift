import Foundation
import Testing
@testable import Domain

@Suite("WorkingInterval")
struct WorkingIntervalTests {
    @Test("parses HH:MM-HH:MM into minutes of day and prints it back")
    func parsesAndPrints() throws {
        let interval = try WorkingInterval(parsing: "09:00-17:30")
        #expect(interval.start == 540)  // 9 * 60
        #expect(interval.end == 1050)  // 17 * 60 + 30
        #expect(interval.description == "09:00-17:30")
        #expect(interval.nominalDuration == .minutes(510))  // 1050 - 540
    }

    @Test("24:00 is the end of the day and 23:59 is literally one minute earlier")
    func endOfDay() throws {
        let wholeDay = try WorkingInterval(parsing: "00:00-24:00")
        #expect(wholeDay.end == 1440)  // 24 * 60
        #expect(wholeDay.description == "00:00-24:00")
        #expect(wholeDay == WorkingInterval.wholeDay)

        let almost = try WorkingInterval(parsing: "00:00-23:59")
        #expect(almost.end == 1439)  // 23 * 60 + 59
        #expect(almost.nominalDuration == .minutes(1439))
    }

    @Test("a one-digit hour and spaces around the times are accepted")
    func lenientSpelling() throws {
        #expect(try WorkingInterval(parsing: "9:00-17:00").description == "09:00-17:00")
        #expect(try WorkingInterval(parsing: " 09:00 - 17:00 ").description == "09:00-17:00")
    }

    @Test(
        "malformed or backwards intervals are rejected with the text given",
        arguments: [
            "17:00-09:00", "09:00-09:00", "24:00-24:00", "09:00-24:30", "25:00-26:00", "09:60-10:00",
            "9-17", "0900-1700", "", "09:00", "09:00-12:00-13:00", "-1:00-02:00", "a9:00-10:00",
        ]
    )
    func rejectsBadText(text: String) {
        #expect(throws: DomainError.invalidField(field: "workingInterval", value: text, expected: WorkingInterval.expectedText)) {
            try WorkingInterval(parsing: text)
        }
    }

    @Test("minutes outside a day or an empty span are rejected", arguments: [(1440, 1441), (0, 0), (-1, 60), (600, 540), (0, 1441)])
    func rejectsBadMinutes(start: Int, end: Int) {
        #expect(throws: DomainError.self) { try WorkingInterval(start: start, end: end) }
    }

    @Test("the widest valid minutes are accepted")
    func acceptsBoundaryMinutes() throws {
        #expect(try WorkingInterval(start: 0, end: 1440).description == "00:00-24:00")
        #expect(try WorkingInterval(start: 1439, end: 1440).description == "23:59-24:00")
    }

    @Test("intervals that only touch do not overlap")
    func touchingIsNotOverlapping() throws {
        let morning = try WorkingInterval(parsing: "09:00-12:00")
        let afternoon = try WorkingInterval(parsing: "12:00-17:00")
        let lunchOverlap = try WorkingInterval(parsing: "11:30-13:00")
        #expect(!morning.overlaps(afternoon))
        #expect(morning.overlaps(lunchOverlap))
        #expect(lunchOverlap.overlaps(afternoon))
        #expect(morning < afternoon)
    }

    @Test("encodes as its text and decodes only valid text")
    func codableAsText() throws {
        let intervals = [try WorkingInterval(parsing: "09:00-12:00"), try WorkingInterval(parsing: "13:00-24:00")]
        let json = try JSONEncoder().encode(intervals)
        #expect(String(decoding: json, as: UTF8.self) == #"["09:00-12:00","13:00-24:00"]"#)
        #expect(try JSONDecoder().decode([WorkingInterval].self, from: json) == intervals)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([WorkingInterval].self, from: Data(#"["17:00-09:00"]"#.utf8))
        }
    }
}
