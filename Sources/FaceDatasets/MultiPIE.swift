import FaceData
import Foundation

/// Multi-PIE as distributed: `data/session01/multiview/001/01/05_1/001_01_01_051_00.png`,
/// every image named `subject_session_recording_camera_illumination`. The whole tree below
/// the root is read. Labels: identity (subjects ranked in natural order, so the class
/// count is the number of subjects found: 337 for the whole database), pose (the 15
/// cameras) and illumination (flash 00–19). No expression labels.
enum MultiPIE {
    /// The cameras in pose order: yaw from one profile to the other (110 … 240), then the
    /// two elevated cameras 081 and 191. 051 is frontal.
    static let cameras = [
        "110", "120", "090", "080", "130", "140", "051", "050", "041", "190", "200", "010", "240",
        "081", "191"
    ]
    static let illuminations = 20

    /// The fields of a Multi-PIE file name, or nil.
    static func parse(_ name: String) -> (subject: String, camera: String, illumination: Int)? {
        let parts = (name as NSString).deletingPathExtension.split(
            separator: "_", omittingEmptySubsequences: false
        ).map(String.init)
        let lengths = [3, 2, 2, 3, 2]
        guard parts.count == 5,
            zip(parts, lengths).allSatisfy({
                $0.count == $1 && $0.allSatisfy { $0.isASCII && $0.isNumber }
            }),
            let illumination = Int(parts[4])
        else { return nil }
        return (parts[0], parts[3], illumination)
    }

    static func manifest(
        root: String, policy: inout BadInputPolicy
    ) throws(DatasetError) -> FaceManifest {
        var found: [(path: String, subject: String, pose: Int, illumination: Int)] = []
        for relative in try Files.imagesBelow(root) {
            let path = Files.join(root, relative)
            guard let fields = parse((relative as NSString).lastPathComponent) else {
                try policy.handle(DatasetError(.layout, file: path, "not a Multi-PIE image name "
                    + "subject_session_recording_camera_illumination (e.g. 001_01_01_051_00.png)"))
                continue
            }
            let (subject, camera, illumination) = fields
            guard let pose = cameras.firstIndex(of: camera) else {
                try policy.handle(DatasetError(.unknownLabel, file: path, "unknown camera "
                    + "\(camera) (Multi-PIE's 15: \(cameras.joined(separator: " ")))"))
                continue
            }
            guard illumination < illuminations else {
                try policy.handle(
                    DatasetError(
                        .unknownLabel, file: path, "unknown illumination \(illumination) (00–19)"))
                continue
            }
            found.append((path, subject, pose, illumination))
        }
        let identity = Dictionary(
            uniqueKeysWithValues: Set(found.map(\.subject)).sorted(by: naturalOrder).enumerated()
                .map { ($1, $0) })
        let records = found.map { f in
            FaceRecord(
                path: f.path, expression: -1, subject: f.subject,
                factors: [
                    "identity": identity[f.subject] ?? -1, "pose": f.pose,
                    "illumination": f.illumination
                ])
        }
        return FaceManifest(
            layout: .multiPIE, root: root, expressionNames: expressionNames,
            factorClasses: [
                "identity": identity.count, "pose": cameras.count, "illumination": illuminations
            ], records: records)
    }
}
