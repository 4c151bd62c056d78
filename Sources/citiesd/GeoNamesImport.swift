import CitiesCore
import CitiesPG
import Foundation

/// `citiesd import geonames`: reads GeoNames dump files, validates every selected city with
/// ``CitySerializer`` as a `POST` would, and upserts them by GeoNames id with ``CityImport``.
///
/// In order: the admin1 names, the city files (the selected cities are kept in memory, a few
/// hundred bytes each), `alternateNamesV2.txt` (streamed; only the names of those cities kept).
/// Then the cities are validated on other threads (``ValidationPipeline``) while the batches
/// already validated are written; with `--strict`, all are validated first, so that nothing is
/// written when a line is rejected. The cities are written most populous first, in batches of
/// ``Options/batchSize`` per transaction, so a name's plain slug goes to its biggest city
/// (`valencia` to Valencia, Venezuela, not Valencia, Spain), and an import of millions never holds
/// one huge transaction.
struct GeoNamesImport {
    struct Options: Sendable {
        var files: [String]
        var admin1: String?
        var alternateNames: String?
        var minPopulation: Int64?
        /// ISO codes, upper case; nil: every country.
        var countries: Set<String>?
        var featureClasses: Set<String> = ["P"]
        var strict = false
        var batchSize = 10_000
    }

    struct Rejection: Sendable {
        var file: String
        var line: Int
        var reasons: [(field: String, message: String)]
    }

    struct Summary: Sendable {
        var linesRead = 0
        var selected = 0
        /// Lines left out by the filters, by filter.
        var skipped: [String: Int] = [:]
        var rejected = 0
        var rejectedByReason: [String: Int] = [:]
        /// The first ``shownRejections`` rejections.
        var rejections: [Rejection] = []
        var counts = CityImport.Counts()
        /// False when `--strict` refused to write.
        var written = false
        var duration: Duration = .zero
        /// The longest a batch held the table lock: the longest an API city write waited.
        var longestBatch: Duration = .zero

        static let shownRejections = 10
    }

    let options: Options

    func run(on connection: PGConnection, progress: ImportProgress) throws -> Summary {
        let started = ContinuousClock.now
        var summary = Summary()
        let regions = try options.admin1.map { try readRegions($0, summary: &summary, progress: progress) }
        var records: [Selected] = []
        var positions: [Int64: Int] = [:]
        for (index, file) in options.files.enumerated() {
            try read(file, index: index, into: &records, positions: &positions, summary: &summary, progress: progress)
        }
        let otherNames = try options.alternateNames.map { try readAlternateNames($0, of: positions, summary: &summary, progress: progress) }

        // Most populous first (see above); sorting the records before validation sorts the cities.
        let populations = records.map { $0.record.populationValue ?? -1 }
        let order = records.indices.sorted { (populations[$0], records[$1].record.geonameID) > (populations[$1], records[$0].record.geonameID) }
        let sorted = order.map { records[$0] }
        records = []
        let pipeline = ValidationPipeline(count: sorted.count, batchSize: options.batchSize, slice: Self.validationSlice) { range in
            Self.validate(sorted[range], regions: regions, otherNames: otherNames)
        }
        if options.strict {
            progress.begin("validating")
            let failures = pipeline.failures { progress.update(rows: $0, done: $0, total: sorted.count) }
            progress.end(rows: sorted.count, done: sorted.count, total: sorted.count)
            if !failures.isEmpty {
                summary.selected = sorted.count - failures.count
                reject(failures, of: sorted, in: &summary)
                summary.duration = .now - started
                return summary
            }
        }

        progress.begin("writing")
        var written = 0
        while let batch = pipeline.nextBatch() {
            let batchStarted = ContinuousClock.now
            summary.counts += try CityImport.upsert(batch, on: connection)
            summary.longestBatch = max(summary.longestBatch, .now - batchStarted)
            written += batch.count
            progress.update(rows: written, done: written, total: sorted.count)
        }
        progress.end(rows: written, done: written, total: written)
        let failures = pipeline.failures()
        summary.selected = sorted.count - failures.count
        reject(failures, of: sorted, in: &summary)
        summary.written = true
        summary.duration = .now - started
        return summary
    }

    /// Reports the cities that failed validation, in the order of the input files.
    private func reject(_ failures: [(index: Int, errors: ValidationErrors)], of records: [Selected], in summary: inout Summary) {
        for (index, errors) in failures.sorted(by: { (records[$0.index].fileIndex, records[$0.index].line) < (records[$1.index].fileIndex, records[$1.index].line) }) {
            let selected = records[index]
            reject(selected.file, selected.line, errors.fields.sorted { $0.key < $1.key }.flatMap { field, messages in messages.map { (field, $0) } }, in: &summary)
        }
    }

    static let validationSlice = 4096

    /// Validates the cities of `slice` on every core.
    private static func validate(
        _ slice: ArraySlice<Selected>, regions: [String: String]?, otherNames: [Int64: [(rank: Int, name: String)]]?
    ) -> [Result<ImportedCity, ValidationErrors>] {
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, slice.count))
        var parts = [[Result<ImportedCity, ValidationErrors>]](repeating: [], count: workers)
        parts.withUnsafeMutableBufferPointer { parts in
            nonisolated(unsafe) let parts = parts
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let lower = slice.startIndex + slice.count * worker / workers
                let upper = slice.startIndex + slice.count * (worker + 1) / workers
                parts[worker] = slice[lower..<upper].map { city(from: $0.record, regions: regions, otherNames: otherNames) }
            }
        }
        return parts.flatMap { $0 }
    }

    /// One record as the city to write, or why not: its region from the admin1 names, its other
    /// names from `alternateNamesV2.txt` (preferred first) when that was read, else its own column.
    private static func city(
        from record: GeoNamesRecord, regions: [String: String]?, otherNames: [Int64: [(rank: Int, name: String)]]?
    ) -> Result<ImportedCity, ValidationErrors> {
        let names = otherNames.map { byID in
            (byID[record.geonameID] ?? []).enumerated().sorted { ($0.element.rank, $0.offset) < ($1.element.rank, $1.offset) }.map(\.element.name)
        } ?? record.alternateNames
        let region = regions?[GeoNamesAdmin1.key(countryCode: record.countryCode, admin1Code: record.admin1Code)]
        return Result { () throws(ValidationErrors) in
            ImportedCity(geonameID: record.geonameID, draft: try record.draft(region: region, alternateNames: names))
        }
    }

    /// A line that passed the filters.
    private struct Selected {
        var record: GeoNamesRecord
        var file: String
        /// The position of the file among the inputs.
        var fileIndex: Int
        var line: Int
    }

    private func read(_ path: String, index fileIndex: Int, into records: inout [Selected], positions: inout [Int64: Int], summary: inout Summary, progress: ImportProgress) throws {
        let input = try ImportInput(path: path)
        progress.begin("reading \(input.displayName)")
        var rows = 0
        try input.forEachLine { line, number in
            rows += 1
            summary.linesRead += 1
            progress.update(rows: rows, done: input.bytesRead, total: input.totalBytes)
            let record: GeoNamesRecord
            do throws(GeoNamesLineError) {
                record = try GeoNamesRecord(line: line, readAlternateNames: options.alternateNames == nil)
            } catch {
                reject(input.displayName, number, [(error.field, error.message)], in: &summary)
                return
            }
            if let skipped = filter(record) {
                summary.skipped[skipped, default: 0] += 1
                return
            }
            let selected = Selected(record: record, file: input.displayName, fileIndex: fileIndex, line: number)
            if let earlier = positions[record.geonameID] {
                records[earlier] = selected
                summary.skipped["repeated geonameid (the last one counts)", default: 0] += 1
            } else {
                positions[record.geonameID] = records.count
                records.append(selected)
            }
        }
        progress.end(rows: rows, done: input.bytesRead, total: input.totalBytes)
    }

    /// Which filter leaves the record out, if one does. A population that is not a number is left
    /// for validation to reject.
    private func filter(_ record: GeoNamesRecord) -> String? {
        if !options.featureClasses.contains(record.featureClass) { return "feature class" }
        if let countries = options.countries, !countries.contains(record.countryCode.uppercased()) { return "country" }
        if let minimum = options.minPopulation, let population = record.populationValue, population < minimum { return "min population" }
        return nil
    }

    private func readRegions(_ path: String, summary: inout Summary, progress: ImportProgress) throws -> [String: String] {
        let input = try ImportInput(path: path)
        progress.begin("reading \(input.displayName)")
        var regions: [String: String] = [:]
        try input.forEachLine { line, number in
            do throws(GeoNamesLineError) {
                let admin1 = try GeoNamesAdmin1(line: line)
                regions[admin1.code] = admin1.name
            } catch {
                reject(input.displayName, number, [(error.field, error.message)], in: &summary)
            }
        }
        progress.end(rows: regions.count, done: input.bytesRead, total: input.totalBytes)
        return regions
    }

    /// The usable names of the selected cities, with their rank (``GeoNamesAlternateName/rank``):
    /// the file has millions of lines, and only the geonameid of most is read.
    private func readAlternateNames(
        _ path: String, of selected: [Int64: Int], summary: inout Summary, progress: ImportProgress
    ) throws -> [Int64: [(rank: Int, name: String)]] {
        let input = try ImportInput(path: path)
        progress.begin("reading \(input.displayName)")
        var names: [Int64: [(rank: Int, name: String)]] = [:]
        var rows = 0
        try input.forEachLine { line, number in
            rows += 1
            progress.update(rows: rows, done: input.bytesRead, total: input.totalBytes)
            if let id = GeoNamesAlternateName.geonameID(ofLine: line), selected[id] == nil { return }
            do throws(GeoNamesLineError) {
                let alternate = try GeoNamesAlternateName(line: line)
                if alternate.isName { names[alternate.geonameID, default: []].append((alternate.rank, alternate.name)) }
            } catch {
                reject(input.displayName, number, [(error.field, error.message)], in: &summary)
            }
        }
        progress.end(rows: rows, done: input.bytesRead, total: input.totalBytes)
        return names
    }

    private func reject(_ file: String, _ line: Int, _ reasons: [(field: String, message: String)], in summary: inout Summary) {
        summary.rejected += 1
        for field in Set(reasons.map(\.field)) { summary.rejectedByReason[field, default: 0] += 1 }
        if summary.rejections.count < Summary.shownRejections {
            summary.rejections.append(Rejection(file: file, line: line, reasons: reasons))
        }
    }
}

extension GeoNamesImport.Summary {
    /// What the command prints at the end.
    var report: String {
        let rate = Double(selected) / max(ImportProgress.seconds(duration), 1e-3)
        var lines: [String] = []
        let skippedTotal = skipped.values.reduce(0, +)
        let skippedDetail = skipped.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        lines.append("read \(linesRead) lines: \(selected) cities, \(skippedTotal) skipped\(skippedTotal > 0 ? " (\(skippedDetail))" : ""), \(rejected) rejected")
        if written {
            lines.append("created \(counts.created), updated \(counts.updated), unchanged \(counts.unchanged), rejected \(rejected)"
                + String(format: " in %.2f s", ImportProgress.seconds(duration)) + " (\(ImportProgress.grouped(Int(rate))) cities/s"
                + String(format: "; longest batch %.2f s)", ImportProgress.seconds(longestBatch)))
        } else {
            lines.append("nothing written: \(rejected) rejected under --strict")
        }
        if rejected > 0 {
            let reasons = rejectedByReason.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.key) \($0.value)" }
            lines.append("rejected by reason: " + reasons.joined(separator: ", "))
            lines.append(rejected > rejections.count ? "first \(rejections.count) rejected lines:" : "rejected lines:")
            for rejection in rejections {
                let reasons = rejection.reasons.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
                lines.append("  \(rejection.file):\(rejection.line): \(reasons)")
            }
        }
        return lines.joined(separator: "\n")
    }
}
