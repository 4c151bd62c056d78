import CitiesCore
import CoreMetrics
import Foundation
import Synchronization

/// The process's own metrics, under the names Prometheus' client libraries use
/// (`process_resident_memory_bytes`, `process_open_fds`, `process_max_fds`,
/// `process_start_time_seconds`, `process_cpu_seconds_total`), read when scraped; and
/// `citiesd_build_info{version,branch,stack} 1`, from the environment variables OPTIONS reports.
final class ProcessMetrics: Sendable {
    private let residentMemory: Gauge
    private let openFiles: Gauge
    private let maxFiles: Gauge
    private let cpu: FloatingPointCounter
    private let cpuCounted = Mutex<Double>(0)

    init(factory: any MetricsFactory, metadata: ServiceMetadata, startedAt: Date = Date()) {
        residentMemory = Gauge(label: "process_resident_memory_bytes", factory: factory)
        openFiles = Gauge(label: "process_open_fds", factory: factory)
        maxFiles = Gauge(label: "process_max_fds", factory: factory)
        cpu = FloatingPointCounter(label: "process_cpu_seconds_total", factory: factory)
        Gauge(label: "process_start_time_seconds", factory: factory).record(startedAt.timeIntervalSince1970)
        Gauge(label: "citiesd_build_info", dimensions: [("version", metadata.version), ("branch", metadata.branch), ("stack", metadata.stack)],
              factory: factory).record(1)
    }

    /// Reads the process's figures now.
    func update() {
        if let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
           let pages = statm.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) {
            residentMemory.record(pages * Double(sysconf(Int32(_SC_PAGESIZE))))
        }
        if let files = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") { openFiles.record(files.count) }
        if let limit = OpenFileLimit.current() { maxFiles.record(limit.soft) }
        var usage = rusage()
        guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return }
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000 }
        let total = seconds(usage.ru_utime) + seconds(usage.ru_stime)
        let added = cpuCounted.withLock { counted in
            defer { counted = max(counted, total) }
            return max(total - counted, 0)
        }
        cpu.increment(by: added)
    }
}
