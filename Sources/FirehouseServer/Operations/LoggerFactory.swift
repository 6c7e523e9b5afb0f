import Logging

/// Builds the service logger from `logging:` config.
public enum LoggerFactory {
    /// Installs the one-line logfmt/JSON handler for the whole process (call once, at start-up).
    public static func bootstrap(_ config: FirehouseConfig.Logging) {
        let format = LineLogHandler.Format(rawValue: config.format) ?? .logfmt
        let level = Logger.Level(rawValue: config.level) ?? .info
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, format: format, level: level) }
    }

    public static func make(_ config: FirehouseConfig.Logging, label: String = "firehouse") -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = Logger.Level(rawValue: config.level) ?? .info
        return logger
    }
}
