import Foundation

/// Builds libpq conninfo strings (`key='value' …`), quoting values as libpq expects.
package enum ConnectionString {
    package static func conninfo(_ parameters: [String: String]) -> String {
        parameters.sorted { $0.key < $1.key }.map { key, value in
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
            return "\(key)='\(escaped)'"
        }.joined(separator: " ")
    }
}
