import Foundation
import NIOConcurrencyHelpers
import Testing

/// A real dispatcher with thousands of deliveries in flight on its one libcurl thread.
extension DeliveryTests {
    /// A value from a Prometheus text page (the first series of that name).
    static func metric(_ name: String, in page: String) -> Double? {
        page.split(separator: "\n").first { $0.hasPrefix(name + " ") || $0.hasPrefix(name + "{") }
            .flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
    }

    /// A process' resident memory and its peak (`VmRSS`, `VmHWM`), in MiB.
    static func residentMemory(of pid: Int32) throws -> (current: Double, peak: Double) {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        func kibibytes(_ field: String) throws -> Double {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
                let value = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
            else { throw TestFailure("no \(field) in /proc/\(pid)/status") }
            return value
        }
        return (try kibibytes("VmRSS") / 1024, try kibibytes("VmHWM") / 1024)
    }

    /// CPU seconds (user + system) a process has used.
    static func cpuSeconds(of pid: Int32) throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
        let fields = stat[stat.index(after: stat.lastIndex(of: ")")!)...].split(separator: " ")
        return ((Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)) / 100
    }

    /// 2,000 jobs queued while the dispatcher is stopped (SIGSTOP), then released at once against
    /// a provider that answers each after a second: with `DISPATCHER_CONCURRENCY` at its default
    /// they are all in flight together (256 at a time, as before, would take eight seconds or
    /// more), every one is delivered once, and the dispatcher's memory stays small.
    @Test func aDispatcherKeepsThousandsOfDeliveriesInFlight() async throws {
        var options = PasswordlessStack.Options()
        options.twilioArguments = ["--delay-ms", "1000"]
        try await PasswordlessStack.with(options) { stack in
            let tenant = try await stack.makeTenant()
            let total = 2000
            let dispatcher = stack.dispatcher
            let idle = try Self.residentMemory(of: dispatcher.pid)
            dispatcher.signal(SIGSTOP)
            do {
                try await Self.requestCodes(stack, clientID: tenant.clientID, count: total, parallel: 64)
            } catch {
                dispatcher.signal(SIGCONT)
                throw error
            }
            let released = ContinuousClock.now
            let cpuBefore = try Self.cpuSeconds(of: dispatcher.pid)
            dispatcher.signal(SIGCONT)

            let peakInFlight = NIOLockedValueBox(0.0)
            let complete = await TestEnvironment.eventually(within: .seconds(60), every: .milliseconds(100)) {
                if let page = try? await HTTPProbe.get("http://127.0.0.1:\(stack.dispatcherPort)/metrics"),
                    let inFlight = Self.metric("passwordless_deliveries_in_flight", in: String(decoding: page.body, as: UTF8.self))
                {
                    peakInFlight.withLockedValue { $0 = max($0, inFlight) }
                }
                return Set(Self.deliveredJobIDs(stack)).count >= total
            }
            let took = ContinuousClock.now - released
            let memory = try Self.residentMemory(of: dispatcher.pid)
            let cpu = try Self.cpuSeconds(of: dispatcher.pid) - cpuBefore
            let delivered = Self.deliveredJobIDs(stack)
            let peak = peakInFlight.withLockedValue { $0 }
            print(
                "in flight: \(total) one-second deliveries in \(took), peak \(Int(peak)) in flight; dispatcher RSS idle "
                    + "\(Int(idle.current)) MiB, now \(Int(memory.current)) MiB, peak \(Int(memory.peak)) MiB; CPU per delivery "
                    + "\(Int(cpu * 1_000_000) / total) µs (debug build)")
            #expect(complete, "only \(Set(delivered).count) of \(total) delivered")
            #expect(delivered.count == total, "\(delivered.count - Set(delivered).count) duplicates")
            #expect(peak >= 1000, "at most \(Int(peak)) deliveries were in flight at once")
            #expect(took < .seconds(20), "2,000 one-second deliveries took \(took)")
            #expect(memory.peak < 256, "the dispatcher's peak RSS was \(memory.peak) MiB, over the Kubernetes limit of 256 MiB")
            try await Self.expectSettled(stack)
        }
    }
}
