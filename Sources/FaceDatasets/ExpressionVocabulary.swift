import Foundation
import FaceData

/// Expression names as databases spell them, mapped to the canonical order of
/// `expressionNames` (0 anger, 1 disgust, 2 fear, 3 happiness, 4 sadness, 5 surprise,
/// 6 neutral) — plus contempt, which is not in that list.
public enum ExpressionVocabulary {
    /// The canonical index of a spelling (case-insensitive; "angry", "happy", "sad",
    /// "surprised", "fearful"… included), or nil. Contempt gives nil: see `isContempt`.
    public static func canonicalIndex(of name: String) -> Int? {
        spellings[name.lowercased().trimmingCharacters(in: [" ", "\t", "_", "-"])]
    }

    /// Whether `name` spells contempt.
    public static func isContempt(_ name: String) -> Bool {
        ["contempt", "contemptuous"].contains(name.lowercased())
    }

    private static let spellings: [String: Int] = [
        "anger": 0, "angry": 0, "an": 0,
        "disgust": 1, "disgusted": 1, "di": 1,
        "fear": 2, "fearful": 2, "afraid": 2, "scared": 2, "fe": 2,
        "happiness": 3, "happy": 3, "joy": 3, "ha": 3,
        "sadness": 4, "sad": 4, "sa": 4,
        "surprise": 5, "surprised": 5, "su": 5,
        "neutral": 6, "ne": 6,
    ]

    /// Class indices and names for a set of class names found in a database (folder names,
    /// list labels). When every name is an expression spelling (contempt included), the
    /// canonical order is kept: classes 0…5 as in `expressionNames`, neutral 6, and contempt
    /// 6 when there is no neutral (CK+'s seven) or 7 when there is; the class count is the
    /// largest index used plus one. Otherwise the classes are the names in natural order.
    /// - Returns: the index of each name and the list of class names.
    public static func classes(for found: Set<String>) -> (index: [String: Int], names: [String]) {
        let known = found.allSatisfy { canonicalIndex(of: $0) != nil || isContempt($0) }
        guard known, !found.isEmpty else {
            let names = found.sorted(by: naturalOrder)
            return (Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) }), names)
        }
        let hasNeutral = found.contains { canonicalIndex(of: $0) == 6 }
        var index: [String: Int] = [:]
        for name in found { index[name] = canonicalIndex(of: name) ?? (hasNeutral ? 7 : 6) }
        let count = (index.values.max() ?? 0) + 1
        var names = defaultExpressionClassNames(min(count, 7))
        if found.contains(where: isContempt) {
            if hasNeutral { names.append("contempt") } else { names[6] = "contempt" }
        }
        return (index, names)
    }
}
