using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Tranche.Server.Api;

/// <summary>The OpenAPI 3.1 document at <c>/openapi/v1.json</c> and the reference UI at <c>/docs</c>.</summary>
internal static partial class OpenApiSetup
{
    public const string DocumentPath = "/openapi/v1.json";

    private const string Description = """
        Tranche is a self-hostable cloud commitment manager. This API is wire-compatible with the Archera.ai
        public v1 API and partner v2 API: clients written for those work against Tranche unchanged.

        **Authentication.** Send an API key in the `x-api-key` header (or as HTTP Basic credentials, the key as the
        user name). A key belongs to one org; a partner org's key also acts on the partner's customer orgs.

        **Errors.** 4xx and 5xx answers carry `ApiErrorResponse`; request validation failures are 422 with `Error`,
        whose `errors` maps the location (`json`, `query`, `path`, `headers`) to each field and its messages.

        **Paging.** List endpoints return a bare JSON array; paging metadata comes in the `X-Pagination` header.

        **Rate limits.** Each key may make a configured number of requests per second; beyond it the answer is 429
        with `Retry-After`.
        """;

    public static IServiceCollection AddTrancheOpenApi(this IServiceCollection services)
    {
        services.AddOpenApi("v1", options =>
        {
            options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            options.CreateSchemaReferenceId = type =>
                type.Type.GetCustomAttribute<ApiSchemaAttribute>()?.Name ?? OpenApiOptions.CreateDefaultSchemaReferenceId(type);
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo { Title = "Tranche API", Version = "v1", Description = Description };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["ApiKey"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = "x-api-key",
                    Description = "An API key made with `tranche keys create` or `POST /v1/org/{org_id}/api-keys`.",
                };
                document.Components.SecuritySchemes["Basic"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "basic",
                    Description = "The API key as the user name, with an empty password.",
                };
                document.Security =
                [
                    new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("ApiKey", document)] = [] },
                    new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("Basic", document)] = [] },
                ];
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                // The org in the path is read by the access check, not by the handler, so it is declared here.
                operation.Parameters ??= [];
                foreach (Match name in PathParameter().Matches(context.Description.RelativePath ?? ""))
                {
                    if (!operation.Parameters.Any(p => p.In == ParameterLocation.Path && p.Name == name.Groups[1].Value))
                    {
                        operation.Parameters.Insert(0, new OpenApiParameter
                        {
                            Name = name.Groups[1].Value,
                            In = ParameterLocation.Path,
                            Required = true,
                            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                        });
                    }
                }

                // Probes and docs need no key.
                if (context.Description.ActionDescriptor.EndpointMetadata.OfType<Microsoft.AspNetCore.Authorization.IAllowAnonymous>().Any())
                {
                    operation.Security = [];
                }

                // Ids in paths are UUIDs; they are read as strings so a bad one is answered with a 422 naming it.
                foreach (var parameter in operation.Parameters)
                {
                    if (parameter is OpenApiParameter { In: ParameterLocation.Path } path &&
                        path.Name?.EndsWith("_id", StringComparison.Ordinal) == true &&
                        path.Schema is OpenApiSchema schema)
                    {
                        schema.Format = "uuid";
                    }
                }

                return Task.CompletedTask;
            });
        });
        return services;
    }

    public static void MapTrancheOpenApi(this IEndpointRouteBuilder routes)
    {
        routes.MapOpenApi("/openapi/{documentName}.json");
        // The reference page works offline and phones nowhere: its script is served from here, and the hosted
        // extras (AI agent, MCP, telemetry, developer tools) are off.
        routes.MapScalarApiReference("/docs", options => options
            .WithTitle("Tranche API")
            .WithOpenApiRoutePattern("/openapi/{documentName}.json")
            .HideDeveloperTools()
            .DisableAgent()
            .DisableMcp()
            .DisableTelemetry()
            .WithDotNetFlag(false)
            .DisableDefaultFonts()
            .AddPreferredSecuritySchemes(["ApiKey"]));
    }

    [GeneratedRegex(@"\{([A-Za-z_]+)(:[^}]*)?\}")]
    private static partial Regex PathParameter();

    /// <summary>
    /// Documents the request body without making routing match on it: a stranger sending the wrong content type must
    /// still get the 401 or 403 first, and the handler answers the content type itself.
    /// </summary>
    public static RouteHandlerBuilder WithBody<TBody>(this RouteHandlerBuilder builder, string contentType) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(TBody), null, cancellationToken);
            IOpenApiSchema body = schema;
            if (context.Document is { } document && typeof(TBody).GetCustomAttribute<ApiSchemaAttribute>()?.Name is { } name)
            {
                document.AddComponent(name, schema);
                body = new OpenApiSchemaReference(name, document);
            }

            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType> { [contentType] = new() { Schema = body } },
            };
        });

    /// <summary>Documents the error answers every API route can give, in their published shapes.</summary>
    public static TBuilder WithApiErrors<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        foreach (var status in (int[])[400, 401, 403, 404, 405, 409, 429, 500])
        {
            builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(ApiErrorResponse), ["application/json"]));
        }

        builder.WithMetadata(new ProducesResponseTypeMetadata(422, typeof(ValidationErrorResponse), ["application/json"]));
        return builder;
    }
}
