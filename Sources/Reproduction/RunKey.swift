import FaceData
import Foundation
import Training

/// The version of everything that determines a run's result besides its settings and data:
/// the model, the training loop and the stored formats. Raise it when a change to the code
/// changes what a run computes, so stored results and DFEMs of older code are not reused.
public enum ReproductionVersion {
    /// The current version.
    public static let current = "ddl-swift reproduce 2"
}

/// A digest of everything that determines a stored run or DFEM: a JSON object of its
/// settings (sorted keys) and its SHA-256. Equal keys mean the same computation.
public struct RunKey: Sendable, Equatable, Codable {
    /// The settings, as canonical JSON (sorted keys).
    public let settings: String
    /// SHA-256 of `settings`, lower-case hex.
    public let digest: String

    /// The key of `fields` (string values only, so the JSON is canonical), with the code
    /// version added.
    public init(_ fields: [String: String]) {
        var all = fields
        all["version"] = ReproductionVersion.current
        let data =
            (try? JSONSerialization.data(withJSONObject: all, options: [.sortedKeys])) ?? Data()
        settings = String(decoding: data, as: UTF8.self)
        digest = SHA256Digest.hex(of: data)
    }

    /// The first 16 hex digits, for file names.
    public var short: String { String(digest.prefix(16)) }

    /// The settings as a dictionary.
    public var fields: [String: String] {
        (try? JSONSerialization.jsonObject(with: Data(settings.utf8))) as? [String: String] ?? [:]
    }
}

extension FaceSet {
    /// SHA-256 of the set's contents (`ContentDigest.of`): size, class counts and names,
    /// every image byte, every expression, subject and factor label.
    public var digest: String { ContentDigest.of(self) }
}
