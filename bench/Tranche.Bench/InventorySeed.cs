using System.Globalization;
using Tranche.Data;
using Tranche.Domain.Commitments;
using Tranche.Domain.Tenancy;
using Tranche.Providers;

/// <summary>
/// Seeds the inventory benchmark: one org with <c>count</c> AWS commitments (terms as a provider sync writes them) and a
/// year of daily billing facts for each, with utilization that differs per commitment and drifts day to day. Prints the
/// org id and an API key for the load script.
/// </summary>
internal static class InventorySeed
{
    public static async Task<int> RunAsync(string database, int count, int days)
    {
        var target = DatabaseTarget.Resolve(database, Path.GetTempPath());
        await TrancheDatabase.MigrateAsync(target, CancellationToken.None);
        var now = DateTime.UtcNow;
        var today = DateOnly.FromDateTime(now);
        var first = today.AddDays(-days);
        var orgId = Guid.NewGuid();
        string key;
        await using (var db = TrancheDatabase.CreateContext(target))
        {
            db.Orgs.Add(new Org { Id = orgId, Name = "Inventory benchmark", CreatedAt = now });
            key = db.IssueApiKey(orgId, "bench", OrgRole.Admin, Actor.Cli, now).Secret;
            await db.SaveChangesAsync();
        }

        await using var scoped = TrancheDatabase.CreateContext(target, OrgScope.For(orgId));
        var random = new Random(42);
        var regions = new[] { "us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2" };
        var types = new[] { "m5.large", "m5.xlarge", "c5.large", "c5.2xlarge", "r5.large", "r5.xlarge", "t3.medium" };
        var payments = new[] { "No Upfront", "Partial Upfront", "All Upfront" };
        var commitments = new List<(Guid Billed, double Quantity, decimal Hourly, double Level, DateOnly Start, DateOnly End)>();
        for (var i = 0; i < count; i++)
        {
            var isSp = i % 10 == 0;
            var id = isSp ? $"arn:aws:savingsplans::123456789012:savingsplan/bench-{i:D6}" : $"arn:aws:ec2:{regions[i % regions.Length]}:123456789012:reserved-instances/bench-{i:D6}";
            var start = first.AddDays(random.Next(-700, days - 30));
            var end = start.AddDays(random.Next(2) == 0 ? 365 : 1095);
            var quantity = isSp ? Math.Round(0.5 + random.NextDouble() * 20, 2) : random.Next(1, 40);
            var hourly = decimal.Round(isSp ? (decimal)quantity : (decimal)quantity * (0.02m + (decimal)random.NextDouble() * 0.3m), 6);
            var payment = payments[i % payments.Length];
            var upfrontShare = payment switch { "All Upfront" => 1m, "Partial Upfront" => 0.5m, _ => 0m };
            var hours = (decimal)(end.DayNumber - start.DayNumber) * 24;
            var terms = new ProviderCommitment
            {
                Provider = "aws", ProviderCommitmentId = id, Type = isSp ? "Savings Plan" : "Reserved Instance", Category = isSp ? "Spend" : "Usage",
                AccountId = $"2109876543{i % 10:D2}", BillingAccountId = "123456789012", RegionId = isSp ? null : regions[i % regions.Length],
                InstanceType = isSp ? null : types[i % types.Length], InstanceFamily = isSp ? null : types[i % types.Length].Split('.')[0],
                ProductDescription = isSp ? null : "Linux/UNIX", Tenancy = isSp ? null : "default", PlanType = isSp ? "Compute" : null,
                OfferingClass = isSp ? null : "standard", PaymentOption = payment, InstanceCount = isSp ? null : (int)quantity, Quantity = quantity,
                Unit = isSp ? "USD" : "Hours", IsFlexible = !isSp, StartsAt = start.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
                EndsAt = end.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc), UpfrontCost = decimal.Round(hourly * hours * upfrontShare, 2),
                RecurringHourlyCost = decimal.Round(hourly * (1 - upfrontShare), 6), Currency = "USD", State = "active",
            };
            scoped.Commitments.Add(CommitmentSync.New(orgId, terms, CommitmentSources.Sync, now));
            var billed = new BilledCommitment
            {
                Id = Guid.CreateVersion7(), OrgId = orgId, Provider = "aws", ProviderCommitmentId = id, Category = terms.Category, Type = terms.Type,
                Unit = terms.Unit, BillingAccountId = "123456789012", SubAccountId = terms.AccountId, RegionId = terms.RegionId,
            };
            scoped.BilledCommitments.Add(billed);
            commitments.Add((billed.Id, quantity, hourly, 0.35 + 0.65 * random.NextDouble(), start, end));
        }

        // One billing period per calendar month, as exports come.
        var periods = new Dictionary<(int, int), Guid>();
        for (var day = first; day < today; day = day.AddDays(1))
        {
            if (!periods.ContainsKey((day.Year, day.Month)))
            {
                var id = Guid.CreateVersion7();
                periods[(day.Year, day.Month)] = id;
                var start = new DateTime(day.Year, day.Month, 1, 0, 0, 0, DateTimeKind.Utc);
                scoped.BillingPeriods.Add(new BillingPeriod
                {
                    Id = id, OrgId = orgId, Provider = "aws", BillingAccountId = "123456789012", PeriodStart = start, PeriodEnd = start.AddMonths(1),
                    Currency = "USD", SourceFormat = "focus-1.2", SourceFiles = "benchmark", LoadedAt = now,
                });
            }
        }

        await scoped.SaveChangesAsync();
        await using var transaction = await scoped.Database.BeginTransactionAsync();
        var written = await BulkWriter.For(scoped).WriteAsync("commitment_days",
            ["org_id", "billing_period_id", "commitment_id", "day", "used_quantity", "unused_quantity", "covered_list_cost", "used_effective_cost",
             "unused_effective_cost", "upfront_fee", "recurring_fee"],
            Rows(), CancellationToken.None);
        await transaction.CommitAsync();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"org {orgId}"));
        Console.WriteLine($"key {key}");
        Console.Error.WriteLine($"{count:N0} commitments, {written:N0} commitment days");
        return 0;

        IEnumerable<object?[]> Rows()
        {
            var drift = new Random(7);
            foreach (var (billed, quantity, hourly, level, start, end) in commitments)
            {
                for (var day = first > start ? first : start; day < today && day < end; day = day.AddDays(1))
                {
                    var utilization = Math.Clamp(level + (drift.NextDouble() - 0.5) * 0.2, 0, 1);
                    var capacity = quantity * 24;
                    var used = Math.Round(capacity * utilization, 4);
                    var cost = hourly * 24;
                    var usedCost = decimal.Round(cost * (decimal)utilization, 6);
                    yield return
                    [
                        orgId, periods[(day.Year, day.Month)], billed, day, used, capacity - used, Money.ToNanoUnits(usedCost * 1.6m),
                        Money.ToNanoUnits(usedCost), Money.ToNanoUnits(cost - usedCost), 0L, Money.ToNanoUnits(cost),
                    ];
                }
            }
        }
    }
}
