using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using Tranche.Data;
using Tranche.Domain.Tenancy;
using Tranche.Ingest;
using Tranche.Server.Api;
using Tranche.Server.Auth;

namespace Tranche.Server.V1;

/// <summary>A billing file sent for analysis, as published (<c>PublicUpload</c>).</summary>
[ApiSchema("PublicUpload")]
public sealed record PublicUploadResponse(
    Guid Id,
    DateTime CreatedAt,
    string OrgId,
    string FileName,
    string ContentType,
    long SizeBytes,
    string? Description,
    string UploadStatus,
    string Source,
    string? DetectedType,
    IReadOnlyList<string> AvailableActions);

/// <summary>The multipart form of an upload, as published (<c>CreatePublicUpload</c>); documentation only, the handler reads the stream.</summary>
[ApiSchema("CreatePublicUpload")]
public sealed record CreatePublicUploadForm(IFormFile File, string? Description);

/// <summary>
/// <c>POST /v1/org/{org_id}/uploads</c> takes a billing export (FOCUS or CUR 2.0; CSV, CSV.gz or Parquet) as multipart
/// form data and loads it in the background; <c>GET .../uploads/{upload_id}</c> follows it from PENDING through
/// PROCESSING to COMPLETE or ERROR, and <c>.../report</c> (a Tranche extension) has what the load found.
/// </summary>
internal static partial class UploadsApi
{
    public const string ViewReport = "view_report";

    public static void MapUploads(this IEndpointRouteBuilder routes)
    {
        var uploads = routes.MapGroup("/v1/org/{org_id}/uploads").ForOrg().WithTags("Uploads").WithApiErrors();

        uploads.MapPost("", CreateUpload)
            .WithSummary("Upload a billing file for savings analysis")
            .WithDescription("Multipart form data: `file` (a FOCUS 1.0-1.2 or AWS CUR 2.0 export, .csv, .csv.gz or .parquet) and an optional `description`. Answers 201 at once; the file is loaded in the background. A billing period loaded again replaces the earlier load.")
            .WithBody<CreatePublicUploadForm>("multipart/form-data")
            .Produces<PublicUploadResponse>(StatusCodes.Status201Created)
            .Produces<ApiErrorResponse>(StatusCodes.Status413PayloadTooLarge)
            .Produces<ApiErrorResponse>(StatusCodes.Status415UnsupportedMediaType);

        uploads.MapGet("", ListUploads)
            .WithSummary("List uploaded billing files")
            .WithDescription("Newest first; paged with `page` and `page_size` (1 to 100, default 20); totals in `X-Pagination`.")
            .Produces<PublicUploadResponse[]>();

        uploads.MapGet("/{upload_id}", GetUpload)
            .WithSummary("Get uploaded billing file status")
            .Produces<PublicUploadResponse>();

        uploads.MapGet("/{upload_id}/report", GetReport)
            .WithSummary("What loading an uploaded file found")
            .WithDescription("Once the upload is COMPLETE or ERROR: rows read, stored and rejected, the billing periods loaded, totals, and the first 100 rejected rows with file, row, column, value and reason. 409 while it is still being processed.")
            .Produces<JsonElement>();
    }

    private static async Task<IResult> CreateUpload(
        HttpContext context, TrancheDbContext db, TrancheServerOptions options, UploadQueue queue, TimeProvider time)
    {
        var request = context.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) ||
            !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase) ||
            HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 } boundary)
        {
            return ApiResults.Error(System.Net.HttpStatusCode.UnsupportedMediaType,
                "Send the billing file as multipart/form-data with a `file` part (and an optional `description`).", "unsupported_media_type");
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = options.MaxUploadBytes;
        }

        var org = context.Org();
        var id = Guid.NewGuid();
        var folder = Path.Combine("uploads", org.OrgId.ToString("N"), id.ToString("N"));
        Directory.CreateDirectory(Path.Combine(options.DataDirectory, folder));
        var errors = new RequestErrors();
        string? fileName = null, contentType = null, storedPath = null, description = null;
        long size = 0;
        try
        {
            var reader = new MultipartReader(boundary, request.Body);
            while (await reader.ReadNextSectionAsync(context.RequestAborted) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) ||
                    !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                {
                    errors.Add("form", "_schema", "Every part needs a form-data Content-Disposition with a name.");
                    continue;
                }

                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                if (name == "file" && disposition.IsFileDisposition() && fileName is null)
                {
                    fileName = SafeFileName(HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value);
                    contentType = section.ContentType ?? "application/octet-stream";
                    if (BillingSources.KindOf(fileName) is null)
                    {
                        errors.Add("files", "file", "Expected a billing export: .csv, .csv.gz or .parquet.");
                        continue;
                    }

                    storedPath = Path.Combine(folder, fileName);
                    await using var target = File.Create(Path.Combine(options.DataDirectory, storedPath));
                    await section.Body.CopyToAsync(target, context.RequestAborted);
                    size = target.Length;
                }
                else if (name == "description" && !disposition.IsFileDisposition())
                {
                    description = await new StreamReader(section.Body).ReadToEndAsync(context.RequestAborted);
                    if (description.Length > 255)
                    {
                        errors.Add("form", "description", "Longer than maximum length 255.");
                    }
                }
                else
                {
                    errors.Add(name == "file" ? "files" : "form", name.Length == 0 ? "_schema" : name,
                        name == "file" ? "Send the file once, as a file part." : "Unknown field.");
                }
            }
        }
        catch (InvalidDataException e)
        {
            Directory.Delete(Path.Combine(options.DataDirectory, folder), recursive: true);
            throw new BadHttpRequestException($"The multipart body could not be read: {e.Message}", StatusCodes.Status400BadRequest, e);
        }

        if (storedPath is null && !errors.Any)
        {
            errors.Add("files", "file", "Missing data for required field.");
        }
        else if (storedPath is not null && size == 0)
        {
            errors.Add("files", "file", "The file is empty.");
        }

        if (errors.Any)
        {
            Directory.Delete(Path.Combine(options.DataDirectory, folder), recursive: true);
            throw new RequestValidationException(errors);
        }

        var caller = context.Caller();
        var upload = new Upload
        {
            Id = id,
            OrgId = org.OrgId,
            CreatedAt = time.StorageNow(),
            FileName = fileName!,
            ContentType = contentType!,
            SizeBytes = size,
            Description = description,
            Status = UploadStatus.Pending,
            Source = org.Relation == OrgRelation.Child ? "partner_api" : "agent_upload",
            StoredPath = storedPath!,
            CreatedByKeyId = caller.KeyId,
        };
        db.Uploads.Add(upload);
        db.Record(org.OrgId, caller.AsActor(context), "upload.created", id.ToString(), new { upload.FileName, upload.SizeBytes }, upload.CreatedAt);
        await db.SaveChangesAsync(context.RequestAborted);
        queue.Enqueue(org.OrgId, id);

        return TypedResults.Created($"/v1/org/{org.OrgId}/uploads/{id}", ToResponse(upload));
    }

    private static async Task<IResult> ListUploads(HttpContext context, TrancheDbContext db)
    {
        var query = new QueryArgs(context.Request);
        var page = query.Int("page", 1, 1, int.MaxValue);
        var pageSize = query.Int("page_size", 20, 1, 100);
        query.ThrowIfInvalid();

        var total = await db.Uploads.CountAsync(context.RequestAborted);
        var uploads = await db.Uploads.AsNoTracking().OrderByDescending(u => u.CreatedAt).ThenByDescending(u => u.Id)
            .Skip(PaginationMetadata.Offset(page, pageSize)).Take(pageSize).ToListAsync(context.RequestAborted);
        PaginationMetadata.For(total, page, pageSize).WriteTo(context.Response);
        return TypedResults.Ok(uploads.Select(ToResponse));
    }

    private static async Task<IResult> GetUpload(HttpContext context, TrancheDbContext db, string upload_id)
    {
        var id = PathIds.Parse(upload_id, nameof(upload_id));
        var upload = await db.Uploads.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id, context.RequestAborted);
        return upload is null ? NotFound(context, id) : TypedResults.Ok(ToResponse(upload));
    }

    private static async Task<IResult> GetReport(HttpContext context, TrancheDbContext db, string upload_id)
    {
        var id = PathIds.Parse(upload_id, nameof(upload_id));
        var upload = await db.Uploads.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id, context.RequestAborted);
        if (upload is null)
        {
            return NotFound(context, id);
        }

        return upload.Report is null
            ? ApiResults.Conflict($"Upload {id} is {upload.Status.ToString().ToUpperInvariant()}; its report is ready once it is COMPLETE or ERROR.", "upload_not_processed")
            : Results.Text(upload.Report, "application/json");
    }

    private static IResult NotFound(HttpContext context, Guid id) =>
        ApiResults.NotFound($"Org {context.Org().OrgId} has no upload {id}.", "upload_not_found");

    private static PublicUploadResponse ToResponse(Upload upload) => new(
        upload.Id,
        upload.CreatedAt,
        upload.OrgId.ToString(),
        upload.FileName,
        upload.ContentType,
        upload.SizeBytes,
        upload.Description,
        upload.Status.ToString().ToUpperInvariant(),
        upload.Source,
        upload.DetectedType,
        upload.Report is null ? [] : [ViewReport]);

    /// <summary>Only the name, and only characters every filesystem takes; the original is what the user sees anyway.</summary>
    private static string SafeFileName(string? name)
    {
        var bare = Path.GetFileName((name ?? "").Replace('\\', '/'));
        var safe = UnsafeFileNameCharacters().Replace(bare, "_").Trim('.', ' ');
        return safe.Length == 0 ? "billing.csv" : safe.Length > 200 ? safe[^200..] : safe;
    }

    [GeneratedRegex(@"[^A-Za-z0-9._\-]")]
    private static partial Regex UnsafeFileNameCharacters();
}
