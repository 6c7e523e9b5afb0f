import Logging

/// Builds the service logger from `logging:` config.
public enum LoggerFactory {
    /// Installs the one-line logfmt/JSON handler for the whole process (call once, at start-up).
    public static func bootstrap(_ config: FirehouseConfig.Logging) {
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, format: config.format, level: config.level) }
    }

    public static func make(_ config: FirehouseConfig.Logging, label: String = "firehouse") -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = config.level
        return logger
    }
}
