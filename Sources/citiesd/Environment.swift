import ArgumentParser
import Foundation

/// Resolves a setting from its flag, then its environment variable, then its default, so every
/// setting has one documented source order.
struct Environment: Sendable {
    let variables: [String: String]

    init(_ variables: [String: String] = ProcessInfo.processInfo.environment) {
        self.variables = variables
    }

    func resolve<Value: LosslessStringConvertible>(_ flag: Value?, _ variable: String, default defaultValue: Value) throws -> Value {
        if let flag { return flag }
        guard let text = variables[variable], !text.isEmpty else { return defaultValue }
        guard let value = Value(text) else {
            throw ValidationError("environment variable \(variable)=\(text) is not a valid \(Value.self)")
        }
        return value
    }
}
