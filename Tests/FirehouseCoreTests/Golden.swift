import GoldenSupport

/// Golden files of this target: Tests/FirehouseCoreTests/Golden.
let Golden = GoldenFiles()
