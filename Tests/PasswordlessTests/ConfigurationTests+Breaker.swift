import ServiceSettings
import Testing

extension ConfigurationTests {
    /// The `DISPATCHER_BREAKER_*` settings: the documented defaults, values from the environment
    /// and flags, and one-line refusals of values out of range.
    @Test func breakerSettingsHaveDefaultsAndBounds() throws {
        #expect(try load(Self.good, kind: .dispatcher).dispatcher.breaker == BreakerSettings())
        let defaults = BreakerSettings()
        #expect(defaults.consecutiveFailures == 5 && defaults.errorRate == 0.5 && defaults.minimumCalls == 10)
        #expect(defaults.window == .seconds(30) && defaults.cooldown == .seconds(15))

        var environment = Self.good
        environment["DISPATCHER_BREAKER_FAILURES"] = "3"
        environment["DISPATCHER_BREAKER_ERROR_RATE"] = "0.25"
        environment["DISPATCHER_BREAKER_MIN_CALLS"] = "20"
        environment["DISPATCHER_BREAKER_COOLDOWN"] = "2.5"
        let breaker = try load(environment, ["--dispatcher-breaker-window", "60"], kind: .dispatcher).dispatcher.breaker
        #expect(
            breaker
                == BreakerSettings(
                    consecutiveFailures: 3, errorRate: 0.25, window: .seconds(60), minimumCalls: 20, cooldown: .milliseconds(2500)))

        for (name, value) in [
            ("DISPATCHER_BREAKER_FAILURES", "0"), ("DISPATCHER_BREAKER_ERROR_RATE", "1.5"), ("DISPATCHER_BREAKER_ERROR_RATE", "half"),
            ("DISPATCHER_BREAKER_WINDOW", "0"), ("DISPATCHER_BREAKER_MIN_CALLS", "-1"), ("DISPATCHER_BREAKER_COOLDOWN", "forever"),
        ] {
            #expect(problem(Self.good.merging([name: value]) { $1 })?.setting == name, "\(name)=\(value)")
        }
    }
}
