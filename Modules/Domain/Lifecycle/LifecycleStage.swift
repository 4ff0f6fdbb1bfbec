/// The five stages of the ITIL service lifecycle; a digest has one section per stage.
public enum LifecycleStage: String, CaseIterable, Sendable, Codable, Hashable {
    case strategy, design, transition, operation, improvement

    public var title: String {
        switch self {
        case .strategy: "Service Strategy"
        case .design: "Service Design"
        case .transition: "Service Transition"
        case .operation: "Service Operation"
        case .improvement: "Continual Service Improvement"
        }
    }
}
