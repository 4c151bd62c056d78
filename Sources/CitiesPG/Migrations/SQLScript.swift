/// Splits a migration file into statements, so each runs on its own and an error can be traced to
/// its line. Understands `--` and nested `/* */` comments, '…' and E'…' strings, "…" identifiers and
/// $tag$…$tag$ bodies, so semicolons inside them do not split.
struct SQLScript {
    struct Statement: Equatable {
        let text: String
        /// 1-based line of the statement's first character in the file.
        let line: Int

        /// The file line of a 1-based character position inside ``text`` (the server's error position).
        func fileLine(ofPosition position: Int?) -> Int {
            guard let position, position > 0 else { return line }
            return line + text.prefix(position - 1).filter(\.isNewline).count
        }
    }

    static func statements(in script: String) -> [Statement] {
        let characters = Array(script)
        var statements: [Statement] = []
        var start = 0
        var line = 1
        var startLine = 1
        var hasContent = false
        var index = 0

        func finish(at end: Int) {
            if hasContent {
                statements.append(Statement(text: String(characters[start..<end]), line: startLine))
            }
            hasContent = false
        }
        func advance(to end: Int) {
            while index < end && index < characters.count {
                if characters[index].isNewline { line += 1 }
                index += 1
            }
        }
        func startsWith(_ text: String, at position: Int) -> Bool {
            let needle = Array(text)
            return position + needle.count <= characters.count && Array(characters[position..<position + needle.count]) == needle
        }

        while index < characters.count {
            let character = characters[index]
            if !hasContent && (character.isWhitespace || startsWith("--", at: index) || startsWith("/*", at: index)) {
                // Leading whitespace and comments belong to no statement.
            } else if !hasContent {
                hasContent = true
                start = index
                startLine = line
            }
            if startsWith("--", at: index) {
                var end = index
                while end < characters.count && !characters[end].isNewline { end += 1 }
                advance(to: end)
            } else if startsWith("/*", at: index) {
                var depth = 0
                var end = index
                while end < characters.count {
                    if startsWith("/*", at: end) { depth += 1; end += 2 }
                    else if startsWith("*/", at: end) { depth -= 1; end += 2; if depth == 0 { break } }
                    else { end += 1 }
                }
                advance(to: end)
            } else if character == "'" || character == "\"" {
                let escapes = character == "'" && index > 0 && (characters[index - 1] == "E" || characters[index - 1] == "e")
                var end = index + 1
                while end < characters.count {
                    if escapes && characters[end] == "\\" { end += 2; continue }
                    if characters[end] == character {
                        if end + 1 < characters.count && characters[end + 1] == character { end += 2; continue }
                        end += 1
                        break
                    }
                    end += 1
                }
                advance(to: end)
            } else if character == "$", let tag = dollarTag(in: characters, at: index) {
                var end = index + tag.count
                while end < characters.count && !startsWith(tag, at: end) { end += 1 }
                advance(to: min(end + tag.count, characters.count))
            } else if character == ";" {
                finish(at: index + 1)
                advance(to: index + 1)
            } else {
                advance(to: index + 1)
            }
        }
        finish(at: characters.count)
        return statements
    }

    /// `$$` or `$name$` at `index`, unless the `$` is part of a `$1` parameter or an identifier.
    private static func dollarTag(in characters: [Character], at index: Int) -> String? {
        if index > 0, characters[index - 1].isLetter || characters[index - 1].isNumber || characters[index - 1] == "_" {
            return nil
        }
        var end = index + 1
        while end < characters.count, characters[end].isLetter || characters[end] == "_" || (end > index + 1 && characters[end].isNumber) {
            end += 1
        }
        guard end < characters.count, characters[end] == "$" else { return nil }
        return String(characters[index...end])
    }
}
