import Foundation
import HDF5Files

/// Who holds a claim on a unit of work, and when it last said it was alive.
public struct ClaimOwner: Codable, Sendable, Equatable {
    /// The holder's host name.
    public var host: String
    /// The holder's process id on that host.
    public var pid: Int32
    /// Seconds since 1970 (the holder's clock): when it claimed, and its last heartbeat.
    public var started: Double
    /// The last heartbeat (seconds since 1970, the holder's clock).
    public var heartbeat: Double
    /// What the work is (`PlanEntry.label`).
    public var work: String

    /// This process, now.
    static func current(work: String) -> ClaimOwner {
        let now = Date().timeIntervalSince1970
        return ClaimOwner(host: hostName(), pid: getpid(), started: now, heartbeat: now, work: work)
    }
}

/// This machine's host name (gethostname(2); `unknown` when it fails).
func hostName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Claims on the units of work of a plan, in a folder every worker shares (over NFS too):
/// `<directory>/<key>/claim-<n>/owner.json`. A claim is taken by creating its folder with
/// mkdir(2), which succeeds for exactly one process even on NFS; when generation `n` is
/// stale (its heartbeat older than `timeout`, or its owner file missing or corrupt for that
/// long) a worker takes it over by creating generation `n + 1`, again with mkdir, so two
/// workers never take over the same claim. `done.json` beside the owner marks finished work.
public struct WorkClaims: Sendable {
    /// The claims folder (`<out>/claims/<setting>`).
    public let directory: String
    /// Seconds without a heartbeat after which a claim is taken over.
    public let timeout: Double

    /// The claims of `directory` with takeover after `timeout` seconds.
    public init(directory: String, timeout: Double) {
        self.directory = directory
        self.timeout = timeout
    }

    /// The folder of one unit's claims.
    public func folder(_ key: String) -> String { directory + "/" + String(key.prefix(16)) }

    /// The generations of a unit's claims, ascending.
    public func generations(_ key: String) -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder(key))) ?? []
        return names.compactMap { $0.hasPrefix("claim-") ? Int($0.dropFirst(6)) : nil }.sorted()
    }

    /// The folder of one generation.
    public func path(_ key: String, generation: Int) -> String {
        folder(key) + "/claim-\(generation)"
    }

    /// The owner recorded in a claim folder, or why there is none to read.
    public static func owner(in claim: String) -> Result<ClaimOwner, ClaimReadError> {
        let file = claim + "/owner.json"
        guard let data = FileManager.default.contents(atPath: file) else {
            return .failure(ClaimReadError(file: file, reason: "missing"))
        }
        do {
            return .success(try JSONDecoder().decode(ClaimOwner.self, from: data))
        } catch {
            return .failure(
                ClaimReadError(
                    file: file, reason: "corrupt (\(data.count) bytes that are not an owner record)"
                ))
        }
    }

    /// Claims the work of `key` unless another live worker holds it or it is finished
    /// (`isDone`, asked again after a finished claim is seen, since the result is stored
    /// before the claim is marked). Reports each takeover through `report`.
    /// - Returns: the held claim (its heartbeat running), or nil.
    public func claim(
        _ key: String, work: String, isDone: () -> Bool, report: (String) -> Void
    ) throws -> HeldClaim? {
        try FileSystemError.createDirectory(folder(key), action: "creating the claims folder")
        var next = 0
        if let last = generations(key).last {
            let claim = path(key, generation: last)
            if FileManager.default.fileExists(atPath: claim + "/done.json") {
                if isDone() { return nil }
                report("\(claim) is marked done but its result is missing or unusable; doing "
                    + "\(work) again")
            } else {
                switch Self.owner(in: claim) {
                case .success(let owner):
                    let age = Date().timeIntervalSince1970 - owner.heartbeat
                    guard age > timeout else { return nil }
                    report("\(claim): the heartbeat of \(owner.host) pid \(owner.pid) is "
                           + "\(Int(age)) s old "
                           + "(timeout \(Self.seconds(timeout))); taking over \(work)")
                case .failure(let problem):
                    let age = Date().timeIntervalSince1970 - Self.modified(claim)
                    guard age > timeout else { return nil }
                    report("\(problem.file) is \(problem.reason) for \(Int(age)) s (timeout "
                        + "\(Self.seconds(timeout))); taking over \(work)")
                }
            }
            next = last + 1
        }
        let claim = path(key, generation: next)
        guard mkdir(claim, 0o755) == 0 else {
            if errno == EEXIST { return nil }
            throw FileSystemError("claiming \(work)", path: claim, errno: errno)
        }
        let held = HeldClaim(claims: self, key: key, generation: next, owner: .current(work: work))
        try held.writeOwner()
        held.startHeartbeat(every: max(min(timeout / 5, 30), 0.1))
        return held
    }

    /// The modification time of `path` (seconds since 1970; 0 when it cannot be read).
    static func modified(_ path: String) -> Double {
        var info = stat()
        guard stat(path, &info) == 0 else { return 0 }
        return Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) * 1e-9
    }

    static func seconds(_ x: Double) -> String {
        x == x.rounded() ? "\(Int(x)) s" : String(format: "%.1f s", x)
    }

    /// Writes `data` to `path` atomically (a temporary file in the same folder, renamed).
    static func writeAtomically(_ data: Data, to path: String) throws {
        let temporary = path + ".tmp-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileSystemError.wrap("writing the claim", path: path) {
            try data.write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, path) == 0 else {
                let code = errno
                unlink(temporary)
                throw FileSystemError("writing the claim", path: path, errno: code)
            }
        }
    }
}

/// Why a claim's owner record cannot be read: the file and what is wrong with it.
public struct ClaimReadError: Error, Sendable, Equatable {
    /// The owner file.
    public var file: String
    /// `missing`, or `corrupt (…)`.
    public var reason: String
}

/// A claim this process holds: a background thread rewrites its heartbeat until `finish`
/// or `release`; it stops, and says so, if another worker took the claim over meanwhile.
public final class HeldClaim: @unchecked Sendable {
    /// The claims folder it belongs to.
    public let claims: WorkClaims
    /// The unit's key.
    public let key: String
    /// Its generation (0 for the first claim, n + 1 for a takeover of n).
    public let generation: Int
    /// The claim's folder.
    public var path: String { claims.path(key, generation: generation) }
    private let lock = NSLock()
    private var owner: ClaimOwner
    private var stopped = false
    private var lost = false

    init(claims: WorkClaims, key: String, generation: Int, owner: ClaimOwner) {
        self.claims = claims
        self.key = key
        self.generation = generation
        self.owner = owner
    }

    func writeOwner() throws {
        let record = lock.withLock { owner }
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        try WorkClaims.writeAtomically(try e.encode(record), to: path + "/owner.json")
    }

    func startHeartbeat(every interval: Double) {
        let thread = Thread { [self] in
            var last = Date()
            while !lock.withLock({ stopped }) {
                Thread.sleep(forTimeInterval: min(interval, 0.1))
                guard Date().timeIntervalSince(last) >= interval else { continue }
                last = Date()
                if claims.generations(key).last ?? generation > generation {
                    lock.withLock { lost = true; stopped = true }
                    break
                }
                lock.withLock { owner.heartbeat = Date().timeIntervalSince1970 }
                try? writeOwner()
            }
        }
        thread.start()
    }

    /// Whether another worker took this claim over (its heartbeat had stopped for too long).
    public var wasTakenOver: Bool { lock.withLock { lost } }

    /// Stops the heartbeat and marks the work finished (`done.json`: host, pid, time).
    public func finish() throws {
        lock.withLock { stopped = true }
        var record = lock.withLock { owner }
        record.heartbeat = Date().timeIntervalSince1970
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        try WorkClaims.writeAtomically(try e.encode(record), to: path + "/done.json")
    }

    /// Stops the heartbeat without marking the work finished (it failed; the claim goes
    /// stale and another worker takes it over after the timeout).
    public func release() {
        lock.withLock { stopped = true }
    }
}
