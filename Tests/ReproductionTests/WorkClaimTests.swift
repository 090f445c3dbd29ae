import Foundation
import Reproduction
import Testing

/// Counts what concurrent claimers got (each thread writes its own slot).
final class Slots: @unchecked Sendable {
    private let lock = NSLock()
    private var won: [Int: HeldClaim] = [:]
    func set(_ i: Int, _ claim: HeldClaim?) { lock.withLock { won[i] = claim } }
    var claims: [HeldClaim] { lock.withLock { Array(won.values) } }
}

@Suite("Work claims: mkdir claims, heartbeats, takeover (issue 17)", .serialized)
struct WorkClaimTests {
    func claimers(_ n: Int, _ claims: WorkClaims, key: String, done: Bool = false) -> [HeldClaim] {
        let slots = Slots()
        DispatchQueue.concurrentPerform(iterations: n) { i in
            slots.set(i, try? claims.claim(key, work: "unit", isDone: { done }, report: { _ in }))
        }
        return slots.claims
    }

    @Test func oneOfManyConcurrentClaimersWinsAndAStaleClaimIsTakenOverOnce() throws {
        let dir = NSTemporaryDirectory() + "ddl-claims-\(UUID().uuidString)"
        let key = String(repeating: "ab", count: 32)
        let claims = WorkClaims(directory: dir, timeout: 2)
        let first = claimers(16, claims, key: key)
        #expect(first.count == 1 && first.first?.generation == 0)
        #expect(claims.generations(key) == [0])
        // While its heartbeat runs nobody takes it over, even after the timeout.
        usleep(2_500_000)
        #expect(claimers(8, claims, key: key).isEmpty)
        // Stopped (its process hung or died): after the timeout exactly one of many takes it over.
        first.first?.release()
        usleep(2_200_000)
        let second = claimers(16, claims, key: key)
        #expect(second.count == 1 && second.first?.generation == 1)
        #expect(claims.generations(key) == [0, 1])
        // A finished claim (its result stored) is not taken again, however old.
        try second.first?.finish()
        usleep(2_200_000)
        #expect(claimers(8, claims, key: key, done: true).isEmpty)
        let done = try #require(FileManager.default.contents(atPath: claims.path(key, generation: 1) + "/done.json"))
        #expect(try JSONDecoder().decode(ClaimOwner.self, from: done).pid == getpid())
    }

    @Test func aFinishedClaimWhoseResultIsGoneIsClaimedAgain() throws {
        let dir = NSTemporaryDirectory() + "ddl-claims-\(UUID().uuidString)"
        let key = String(repeating: "cd", count: 32)
        let claims = WorkClaims(directory: dir, timeout: 60)
        let held = try #require(try claims.claim(key, work: "unit", isDone: { false }, report: { _ in }))
        try held.finish()
        #expect(try claims.claim(key, work: "unit", isDone: { true }, report: { _ in }) == nil)
        var said: [String] = []
        let again = try claims.claim(key, work: "unit", isDone: { false }, report: { said.append($0) })
        #expect(again?.generation == 1)
        #expect(said.first?.contains("marked done but its result is missing") == true)
        again?.release()
    }
}
