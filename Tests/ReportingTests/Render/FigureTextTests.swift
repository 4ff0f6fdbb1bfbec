import Domain
import Testing

@testable import Reporting

@Suite("how a digest writes figures, changes and local times")
struct FigureTextTests {
    @Test("counts are whole numbers with thousands separators")
    func counts() {
        #expect(FigureText.value(0, unit: .count) == "0")
        #expect(FigureText.value(999, unit: .count) == "999")
        #expect(FigureText.value(1_204, unit: .count) == "1,204")
        #expect(FigureText.value(1_234_567, unit: .count) == "1,234,567")
        #expect(FigureText.value(-3, unit: .count) == "\u{2212}3")
        #expect(FigureText.value(nil, unit: .count) == "n/a")
    }

    @Test("percentages have one decimal")
    func percentages() {
        #expect(FigureText.value(97.5, unit: .percent) == "97.5%")
        #expect(FigureText.value(100, unit: .percent) == "100.0%")
        #expect(FigureText.value(88.88, unit: .percent) == "88.9%")
        #expect(FigureText.value(.nan, unit: .percent) == "n/a")
    }

    @Test("durations use at most two units, rounded to the smaller", arguments: [
        (0.0, "0 s"), (45, "45 s"), (59.6, "1 min"), (750, "12 min 30 s"), (3600, "1 h"), (12_000, "3 h 20 min"),
        (14_390, "4 h"), (86_399, "1 d"), (187_200, "2 d 4 h"), (172_800, "2 d"),
    ])
    func durations(seconds: Double, text: String) {
        #expect(FigureText.value(seconds, unit: .seconds) == text)
    }

    @Test("changes carry a sign, percentage points for percentages, n/a when a value is missing")
    func changes() {
        #expect(FigureText.change(.count(12, previous: 9)) == "+3")
        #expect(FigureText.change(.count(9, previous: 12)) == "\u{2212}3")
        #expect(FigureText.change(.count(5, previous: 5)) == "\u{00B1}0")
        #expect(FigureText.change(.count(2_400, previous: 1_200)) == "+1,200")
        #expect(FigureText.change(Metric(.percent, current: 88.9, previous: 91.4)) == "\u{2212}2.5 pp")
        #expect(FigureText.change(Metric(.percent, current: 97.5, previous: 95)) == "+2.5 pp")
        #expect(FigureText.change(Metric(.seconds, current: 12_000, previous: 7_500)) == "+1 h 15 min")
        #expect(FigureText.change(Metric(.seconds, current: 45, previous: 50)) == "\u{2212}5 s")
        #expect(FigureText.change(Metric(.seconds, current: 20, previous: nil)) == "n/a")
        #expect(FigureText.change(Metric(.percent, current: nil, previous: 50)) == "n/a")
    }

    @Test("a change is good or bad news by the figure's wanted direction")
    func tones() {
        #expect(FigureText.tone(.count(12, previous: 10), better: .lower) == .bad)
        #expect(FigureText.tone(.count(12, previous: 10), better: .higher) == .good)
        #expect(FigureText.tone(.count(12, previous: 10), better: .neither) == .neutral)
        #expect(FigureText.tone(.count(10, previous: 10), better: .lower) == .neutral)
        #expect(FigureText.tone(Metric(.percent, current: 90.02, previous: 90), better: .higher) == .neutral)
    }

    @Test("instants read on the list's wall clock, across the DST switch")
    func localTimes() throws {
        let berlin = LocalTimeText(clock: try LocalClock(timeZoneIdentifier: "Europe/Berlin"))
        // 08:00Z is 09:00 CET in November and 10:00 CEST in July.
        #expect(berlin.dateTime(try DigestFixture.instant("2026-11-23T08:00:00Z")) == "Mon 23 Nov 09:00")
        #expect(berlin.dateTime(try DigestFixture.instant("2026-07-06T08:00:00Z")) == "Mon 6 Jul 10:00")
        // 2026-03-29 01:30Z is 03:30 CEST: the clock jumped from 02:00 to 03:00 at 01:00Z.
        #expect(berlin.dateTime(try DigestFixture.instant("2026-03-29T01:30:00Z")) == "Sun 29 Mar 03:30")
        // 23:30Z on the 22nd is already Monday in Berlin.
        #expect(berlin.dateTime(try DigestFixture.instant("2026-11-22T23:30:00Z")) == "Mon 23 Nov 00:30")
        #expect(berlin.range(try DigestFixture.day("2026-12-28"), try DigestFixture.day("2027-01-03")) == "Mon 28 Dec 2026 \u{2013} Sun 3 Jan 2027")
    }

    @Test("text tables align figures right and wrap a label too long for its column")
    func textTable() {
        let lines = TextLayout.table(
            labelHeading: "", columns: ["Now", "Change"],
            rows: [.init(label: "Opened", figures: ["12", "+2"]), .init(label: "Backlog", figures: ["1,204", "\u{2212}1"])]
        )
        // Label column 7 wide ("Backlog"), figures 5 ("1,204") and 6 ("Change"), two spaces between.
        #expect(lines == [
            String(repeating: " ", count: 13) + "Now  Change",
            "  -------  -----  ------",
            "  Opened      12      +2",
            "  Backlog  1,204      \u{2212}1",
        ])
        let narrow = TextLayout.table(labelHeading: "", columns: ["A"], rows: [.init(label: "one two three four", figures: ["1"])], width: 20)
        // 20 columns less the indent (2), the gap (2) and the figure (1) leave 15 for the label.
        #expect(narrow == [String(repeating: " ", count: 19) + "A", "  ---------------  -", "  one two three    1", "    four"])
    }
}
