/// The published numbers of Ruan et al. (ACM MM 2020), Tables 2–4, as data.
public enum PaperTables {
    /// The five databases of the paper's protocols, in table order.
    public static let databases = ["CK+", "MMI", "Oulu-CASIA", "RAF-DB", "SFEW"]

    /// Table 2: recognition accuracy (%) of the three baselines and six DDL variants, per
    /// database, in the order of `Variant.allCases`.
    public static let table2: [String: [Double]] = [
        "CK+": [96.37, 97.93, 98.08, 98.19, 98.41, 98.96, 99.10, 99.16, 98.78],
        "MMI": [77.68, 79.23, 79.43, 82.05, 82.72, 83.17, 83.19, 83.67, 83.01],
        "Oulu-CASIA": [83.40, 86.18, 86.53, 87.22, 87.36, 87.78, 88.26, 87.85, 87.64],
        "RAF-DB": [85.89, 86.63, 86.90, 87.19, 87.22, 87.45, 87.45, 87.55, 87.71],
        "SFEW": [55.96, 56.42, 57.34, 58.03, 58.26, 58.49, 59.60, 59.63, 59.86],
    ]

    /// Table 2's column headings, in the order of `Variant.allCases`.
    public static let table2Columns = [
        "Baseline", "Baseline_at", "Baseline_mat", "DDL g", "DDL ga", "DDL gar", "DDL gar&id",
        "DDL gar&id&il", "DDL gar&id&il&p",
    ]

    /// A row of a comparison table: a method and its accuracy per column as printed (with
    /// the paper's markers), "-" where the paper has none.
    public struct Row: Sendable, Equatable {
        /// The method, as the paper names it (with its reference).
        public let method: String
        /// The accuracy per column, as printed.
        public let cells: [String]

        /// A row of `method` with `cells`.
        public init(method: String, cells: [String]) {
            self.method = method
            self.cells = cells
        }
    }

    /// Table 3: the in-the-lab comparison (CK+, MMI, Oulu-CASIA). ‡ and † mark seven and six
    /// CK+ categories; * marks methods trained on image sequences.
    public static let table3Columns = ["CK+", "MMI", "Oulu-CASIA"]
    /// Table 3's rows, as the paper prints them.
    public static let table3: [Row] = [
        Row(method: "LBP-TOP [42]", cells: ["88.99‡", "59.51", "68.13"]),
        Row(method: "PPDN [44]", cells: ["97.30†", "-", "72.40"]),
        Row(method: "IACNN [22]", cells: ["95.37‡", "71.55", "-"]),
        Row(method: "DLP-CNN [16]", cells: ["95.78†", "78.46", "-"]),
        Row(method: "DTAGN* [13]", cells: ["97.25‡", "70.20", "81.46"]),
        Row(method: "IPA2LT [37]", cells: ["92.45‡", "65.61", "61.49"]),
        Row(method: "DAM-CNN [32]", cells: ["95.88†", "-", "-"]),
        Row(method: "L2-sparseness[33]", cells: ["97.59‡", "78.54", "82.92"]),
        Row(method: "DeRL [35]", cells: ["97.37‡", "73.23", "88.00"]),
        Row(method: "PHRNN-MSCNN* [40]", cells: ["98.50‡", "81.18", "86.25"]),
        Row(method: "FN2EN [6]", cells: ["98.60†", "-", "87.71"]),
        Row(method: "DDL (proposed)", cells: ["99.16‡", "83.67", "88.26"]),
    ]
    /// The markers' meaning, as the paper's footnote gives it.
    public static let table3Note = "‡ and † respectively denote that seven expression categories "
        + "and six expression categories are used in CK+; * indicates that the method is trained "
        + "based on the image sequences."

    /// Table 4: the in-the-wild comparison (RAF-DB, SFEW).
    public static let table4Columns = ["RAF-DB", "SFEW"]
    /// Table 4's rows, as the paper prints them.
    public static let table4: [Row] = [
        Row(method: "IACNN [22]", cells: ["-", "50.98"]),
        Row(method: "DLP-CNN [17]", cells: ["84.13", "51.05"]),
        Row(method: "gACNN [18]", cells: ["85.07", "-"]),
        Row(method: "IPA2LT [37]", cells: ["86.77", "58.29"]),
        Row(method: "SPDNet [1]", cells: ["87.00", "58.14"]),
        Row(method: "IPFR [29]", cells: ["-", "57.40"]),
        Row(method: "DAM-CNN [32]", cells: ["-", "42.30"]),
        Row(method: "RAN [30]", cells: ["86.90", "56.40"]),
        Row(method: "DDL (proposed)", cells: ["87.71", "59.86"]),
    ]

    /// A Markdown table.
    public static func markdown(
        columns: [String], rows: [(String, [String])], firstColumn: String = "Method"
    ) -> [String] {
        var lines = ["| \(firstColumn) | " + columns.joined(separator: " | ") + " |"]
        lines.append("|---|" + columns.map { _ in "---:" }.joined(separator: "|") + "|")
        for (name, cells) in rows {
            lines.append("| \(name) | " + cells.joined(separator: " | ") + " |")
        }
        return lines
    }
}
