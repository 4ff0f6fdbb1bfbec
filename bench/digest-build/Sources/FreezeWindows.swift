import Domain
import Storage

/// A few change freezes through the Storage repository: year-end freezes for every service,
/// peak-trading freezes for the shop's services (one overlapping the week after `end`), and
/// quarter-close freezes for the finance services.
enum FreezeWindows {
    static func create(in store: Store, plan: DatasetPlan, services: [ServicePlan], berlin: BusinessCalendar) async throws -> Int {
        let trading = services.filter { Vocabulary.tradingAreas.contains($0.area) && $0.retiredAt == .max }.map(\.id)
        let finance = services.filter { Vocabulary.financeAreas.contains($0.area) && $0.retiredAt == .max }.map(\.id)
        func local(_ date: CivilDate) -> Instant { berlin.instant(on: date, minuteOfDay: 0) }
        var freezes: [FreezeWindow] = []
        for year in (plan.startDay.year - 1)...plan.endDay.year {
            freezes.append(try FreezeWindow(
                name: "Year-end freeze \(year)", start: local(CivilDate(year: year, month: 12, day: 20)!),
                end: local(CivilDate(year: year + 1, month: 1, day: 3)!)
            ))
        }
        let endDay = berlin.localDate(of: plan.end)
        for yearsBack in 0...1 {
            let start = endDay.adding(days: 2 - 364 * yearsBack)
            freezes.append(try FreezeWindow(
                name: "Peak trading freeze \(start.year)", start: local(start), end: local(start.adding(days: 6)), serviceIDs: trading
            ))
        }
        var quarter = CivilDate(year: plan.startDay.year, month: 3, day: 31)!
        while quarter < endDay.adding(days: 60) {
            if quarter > plan.startDay {
                freezes.append(try FreezeWindow(
                    name: "Quarter close \(quarter.year)-Q\((quarter.month + 2) / 3)", start: local(quarter.adding(days: -2)),
                    end: local(quarter.adding(days: 3)), serviceIDs: finance
                ))
            }
            let nextMonth = quarter.month + 3 > 12 ? quarter.month - 9 : quarter.month + 3
            let nextYear = quarter.month + 3 > 12 ? quarter.year + 1 : quarter.year
            quarter = CivilDate(year: nextYear, month: nextMonth, day: [3: 31, 6: 30, 9: 30, 12: 31][nextMonth]!)!
        }
        for freeze in freezes { _ = try await store.freezes.create(freeze) }
        return freezes.count
    }
}
