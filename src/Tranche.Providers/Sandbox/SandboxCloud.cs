using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Domain.Commitments;

namespace Tranche.Providers.Sandbox;

/// <summary>
/// The sandbox cloud: a simulated account per org and provider that holds commitments the way a real one does, so
/// inventory sync (and purchasing) can be used and tested with no cloud account. Its records live in the same database,
/// in tables only it writes, scoped to the org like every other query.
/// </summary>
public sealed class SandboxCloud(TrancheDbContext db)
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    /// <summary>Puts commitments into the org's sandbox account, as if bought there earlier (the demo and tests set up accounts this way).</summary>
    public async Task AddAsync(Guid orgId, IEnumerable<ProviderCommitment> commitments, DateTime now, CancellationToken cancellationToken)
    {
        foreach (var commitment in commitments)
        {
            db.SandboxCommitments.Add(new SandboxCommitment
            {
                OrgId = orgId,
                Provider = commitment.Provider,
                ProviderCommitmentId = commitment.ProviderCommitmentId,
                Document = JsonSerializer.Serialize(commitment, s_json),
                CreatedAt = now,
            });
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Marks a commitment cancelled at the provider (a refund or an exchange).</summary>
    public async Task CancelAsync(Guid orgId, string provider, string providerCommitmentId, CancellationToken cancellationToken)
    {
        var row = await db.SandboxCommitments.SingleAsync(c => c.OrgId == orgId && c.Provider == provider && c.ProviderCommitmentId == providerCommitmentId, cancellationToken);
        row.Document = JsonSerializer.Serialize(Read(row) with { State = ProviderCommitmentStates.Cancelled }, s_json);
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The inventory API of one provider's sandbox account.</summary>
    public ICommitmentInventory Inventory(string provider) => new SandboxInventory(db, provider);

    /// <summary>The providers the org has a sandbox account with commitments in.</summary>
    public async Task<IReadOnlyList<string>> ProvidersAsync(Guid orgId, CancellationToken cancellationToken) =>
        await db.SandboxCommitments.Where(c => c.OrgId == orgId).Select(c => c.Provider).Distinct().OrderBy(p => p).ToListAsync(cancellationToken);

    private static ProviderCommitment Read(SandboxCommitment row) =>
        JsonSerializer.Deserialize<ProviderCommitment>(row.Document, s_json)
        ?? throw new InvalidDataException($"Sandbox commitment {row.ProviderCommitmentId} has an empty record.");

    private sealed class SandboxInventory(TrancheDbContext db, string provider) : ICommitmentInventory
    {
        public string Provider => provider;

        public async Task<IReadOnlyList<ProviderCommitment>> ListAsync(Guid orgId, CancellationToken cancellationToken)
        {
            var rows = await db.SandboxCommitments.AsNoTracking()
                .Where(c => c.OrgId == orgId && c.Provider == provider)
                .OrderBy(c => c.ProviderCommitmentId)
                .ToListAsync(cancellationToken);
            return [.. rows.Select(Read)];
        }
    }
}
