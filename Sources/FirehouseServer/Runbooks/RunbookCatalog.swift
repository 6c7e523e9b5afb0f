import FirehouseCore
import Logging

/// The runbooks directory and the shelf holding what was last loaded from it. Reloads keep the
/// service up: broken files are skipped and reported, the rest replace the library at once.
public final class RunbookCatalog: Sendable {
    public let directory: String
    public let shelf: RunbookShelf
    let logger: Logger

    public init(directory: String, logger: Logger) {
        self.directory = directory
        self.shelf = RunbookShelf()
        self.logger = logger
    }

    /// What a (re)load found.
    public struct Report: Sendable, Encodable {
        public var loaded: Int
        public var problems: [String]
    }

    /// Reloads only if the files changed (a replica's periodic look at its mounted ConfigMap);
    /// returns whether they did. Quiet when nothing changed.
    @discardableResult
    public func reloadIfChanged() -> Bool {
        let (library, _) = RunbookLoader.load(directory: directory)
        guard library != shelf.library else { return false }
        reload()
        return true
    }

    @discardableResult
    public func reload() -> Report {
        let (library, problems) = RunbookLoader.load(directory: directory)
        shelf.replace(with: library)
        for problem in problems {
            logger.warning("runbook skipped", metadata: ["problem": "\(problem)"])
        }
        logger.info("runbooks loaded", metadata: ["count": "\(library.runbooks.count)", "directory": "\(directory)"])
        return Report(loaded: library.runbooks.count, problems: problems.map(\.description))
    }
}
