using Tranche.Data;

namespace Tranche.Server.Api;

/// <summary>
/// The outermost middleware: whatever goes wrong below it, the client gets the documented error body with a
/// message that says what was wrong, and never a stack trace. Error statuses that carry no body (an unknown
/// route, a wrong method) get one here too.
/// </summary>
internal sealed partial class ErrorHandlingMiddleware(RequestDelegate next, ILogger<ErrorHandlingMiddleware> logger)
{
    public const string RequestIdHeader = "X-Request-Id";

    public async Task InvokeAsync(HttpContext context)
    {
        // Every answer names its request, so a user reporting a problem can point at the log line.
        context.Response.Headers[RequestIdHeader] = context.TraceIdentifier;
        try
        {
            await next(context);
        }
        catch (RequestValidationException e) when (!context.Response.HasStarted)
        {
            await ApiResults.WriteValidationErrorAsync(context, e.Errors);
            return;
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            // Raised by the server for requests it could not read: a body over the size limit, a truncated body.
            await ApiResults.WriteErrorAsync(context, e.StatusCode, DescribeBadRequest(e), "bad_request");
            return;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
            return;
        }
        catch (Exception e) when (!context.Response.HasStarted && StoreOutage.IsOutage(e))
        {
            // The database is unreachable for now: say so and when to come back, rather than report a bug.
            LogStoreOutage(logger, e, context.Request.Method, context.Request.Path, context.TraceIdentifier);
            context.Response.Clear();
            context.Response.Headers[RequestIdHeader] = context.TraceIdentifier;
            context.Response.Headers.RetryAfter = "5";
            await ApiResults.WriteErrorAsync(
                context,
                StatusCodes.Status503ServiceUnavailable,
                $"The database is unavailable; try again shortly. Anything this request started is finished or resumed once it is back (request id {context.TraceIdentifier}).",
                "store_unavailable",
                new { request_id = context.TraceIdentifier });
            return;
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            LogUnhandled(logger, e, context.Request.Method, context.Request.Path, context.TraceIdentifier);
            context.Response.Clear();
            context.Response.Headers[RequestIdHeader] = context.TraceIdentifier;
            await ApiResults.WriteErrorAsync(
                context,
                StatusCodes.Status500InternalServerError,
                $"The server failed to complete this request. It has been logged under request id {context.TraceIdentifier}.",
                "internal_error",
                new { request_id = context.TraceIdentifier });
            return;
        }

        if (context.Response.StatusCode >= 400 && !context.Response.HasStarted && context.Response.ContentType is null)
        {
            await WriteBodyForBareStatusAsync(context);
        }
    }

    private static Task WriteBodyForBareStatusAsync(HttpContext context)
    {
        var request = context.Request;
        var status = context.Response.StatusCode;
        var (message, code) = status switch
        {
            404 => ($"No resource at {request.Method} {request.Path}. See /docs for the routes this server offers.", "route_not_found"),
            405 => ($"{request.Method} is not allowed on {request.Path}{AllowedMethods(context)}.", "method_not_allowed"),
            415 => ($"The content type '{request.ContentType}' is not supported here; send the body as application/json.", "unsupported_media_type"),
            _ => (ApiResults.ReasonPhrase(status), ApiResults.TypeName(status)),
        };
        return ApiResults.WriteErrorAsync(context, status, message, code);
    }

    private static string AllowedMethods(HttpContext context)
    {
        var endpoints = context.RequestServices.GetService<EndpointDataSource>();
        var path = context.Request.Path.Value ?? "";
        if (endpoints is null)
        {
            return "";
        }

        var allowed = endpoints.Endpoints.OfType<RouteEndpoint>()
            .Where(e => Matches(e, path))
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [])
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (allowed.Count == 0)
        {
            return "";
        }

        context.Response.Headers.Allow = string.Join(", ", allowed);
        return $"; allowed: {string.Join(", ", allowed)}";
    }

    private static bool Matches(RouteEndpoint endpoint, string path)
    {
        var matcher = new Microsoft.AspNetCore.Routing.Template.TemplateMatcher(
            Microsoft.AspNetCore.Routing.Template.TemplateParser.Parse(endpoint.RoutePattern.RawText ?? ""), []);
        return matcher.TryMatch(path, []);
    }

    private static string DescribeBadRequest(BadHttpRequestException e) => e.StatusCode switch
    {
        StatusCodes.Status413PayloadTooLarge => "The request body is larger than this endpoint accepts.",
        _ => e.Message,
    };

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Database unavailable on {Method} {Path} (request {RequestId})")]
    private static partial void LogStoreOutage(ILogger logger, Exception exception, string method, string path, string requestId);

    [LoggerMessage(EventId = 1000, Level = LogLevel.Error, Message = "Unhandled error on {Method} {Path} (request {RequestId})")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path, string requestId);
}

internal static class ErrorHandlingExtensions
{
    public static IApplicationBuilder UseApiErrors(this IApplicationBuilder app) => app.UseMiddleware<ErrorHandlingMiddleware>();
}
