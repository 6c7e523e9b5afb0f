import FirehouseCore
import Hummingbird
import Logging

/// The one place where errors become HTTP responses: every error body is `{"error": "..."}`.
///
/// Storage trouble is 503 with `Retry-After`, because Alertmanager retries 5xx and nothing else.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    var retryAfterSeconds = 5

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let api = map(error)
            if api.status.code >= 500 {
                context.logger.error("request failed", metadata: [
                    "status": "\(api.status.code)", "path": "\(request.uri.path)", "error": "\(error)",
                ])
            }
            return JSONResponse.error(api)
        }
    }

    func map(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as PayloadError:
            return APIError(.badRequest, error.description)
        case let error as AlertmanagerError:
            return APIError(error == .notConfigured ? .serviceUnavailable : .badGateway, error.description)
        case let error as SilenceNotRecorded:
            return APIError(.serviceUnavailable, error.description)
        case let error as StorageUnavailable:
            return APIError(.serviceUnavailable, error.description, headers: [.retryAfter: "\(retryAfterSeconds)"])
        case let error as HTTPError:
            return APIError(error.status, error.body ?? error.status.reasonPhrase.lowercased(), headers: error.headers)
        case let error as any HTTPResponseError where error.status == .contentTooLarge:
            return APIError(.contentTooLarge, "request body is too large")
        case let error as any HTTPResponseError:
            return APIError(error.status, error.status.reasonPhrase.lowercased())
        default:
            return APIError(.internalServerError, "internal error")
        }
    }
}
