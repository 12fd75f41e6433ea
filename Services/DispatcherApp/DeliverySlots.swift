import NIOConcurrencyHelpers

/// The dispatcher's `DISPATCHER_CONCURRENCY`, shared by its partition fetchers: a fetcher takes
/// as many jobs as it was granted slots, and each delivery gives its slot back when it settles.
///
/// Fetchers that find none free wait in line, first come first served, so while a backlog keeps
/// the dispatcher busy the slots that free up go round the partitions in turn rather than to the
/// busiest one. ``close()`` (at shutdown) sends every waiter away empty-handed.
final class DeliverySlots: Sendable {
    private struct State {
        var free: Int
        var closed = false
        var waiters: [(id: Int, wanted: Int, continuation: CheckedContinuation<Int, Never>)] = []
        var nextID = 0
    }

    let capacity: Int
    private let state: NIOLockedValueBox<State>

    init(capacity: Int) {
        self.capacity = capacity
        state = NIOLockedValueBox(State(free: capacity))
    }

    /// Slots taken and not yet given back.
    var inUse: Int { state.withLockedValue { capacity - $0.free } }

    /// Whether a slot is free now.
    var hasFree: Bool { state.withLockedValue { $0.free > 0 && !$0.closed } }

    /// Up to `wanted` slots, waiting for at least one; 0 once closed (or if the task is cancelled).
    func acquire(upTo wanted: Int) async -> Int {
        let id = state.withLockedValue { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Int, Never>) in
                let granted: Int? = state.withLockedValue { state in
                    if state.closed || Task.isCancelled { return 0 }
                    if state.waiters.isEmpty && state.free > 0 {
                        let granted = min(wanted, state.free)
                        state.free -= granted
                        return granted
                    }
                    state.waiters.append((id, wanted, continuation))
                    return nil
                }
                if let granted { continuation.resume(returning: granted) }
            }
        } onCancel: {
            let waiter = state.withLockedValue { state -> CheckedContinuation<Int, Never>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(returning: 0)
        }
    }

    /// Gives `count` slots back, to the fetchers waiting first.
    func release(_ count: Int) {
        guard count > 0 else { return }
        let woken = state.withLockedValue { state in
            state.free += count
            var woken: [(CheckedContinuation<Int, Never>, Int)] = []
            while state.free > 0, !state.waiters.isEmpty, !state.closed {
                let waiter = state.waiters.removeFirst()
                let granted = min(waiter.wanted, state.free)
                state.free -= granted
                woken.append((waiter.continuation, granted))
            }
            return woken
        }
        for (continuation, granted) in woken { continuation.resume(returning: granted) }
    }

    /// Grants nothing more: every waiter, now and later, gets 0.
    func close() {
        let waiters = state.withLockedValue { state in
            state.closed = true
            defer { state.waiters.removeAll() }
            return state.waiters.map(\.continuation)
        }
        for continuation in waiters { continuation.resume(returning: 0) }
    }

    /// Waits until every slot is back or `timeout` passed; true when all are back.
    func drained(within timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while inUse > 0 {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }
}
