import Logging

/// Builds the service logger from `logging:` config.
public enum LoggerFactory {
    public static func make(_ config: FirehouseConfig.Logging, label: String = "firehouse") -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = Logger.Level(rawValue: config.level) ?? .info
        return logger
    }
}
