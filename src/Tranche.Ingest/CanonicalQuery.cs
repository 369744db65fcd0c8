namespace Tranche.Ingest;

/// <summary>One rule a row must meet, in terms of the source's own column name, so errors name what the user sees.</summary>
internal sealed record RowCheck(string Column, string RawSql, string FailSql, string Reason);

/// <summary>
/// Turns a FOCUS or CUR 2.0 source into one relation of canonical columns (the same for every format) plus the
/// row checks. Everything format-specific lives here; the scan that follows is format-blind.
/// </summary>
internal sealed class CanonicalQuery
{
    /// <summary>
    /// Costs are exact decimals all the way to the stored totals, to a billionth (as stored). A 64-bit decimal is
    /// several times cheaper to cast and add than a 128-bit one, and caps a single line at just under a billion,
    /// beyond which a line is a broken export, not a bill.
    /// </summary>
    public const string MoneyType = "DECIMAL(18,9)";

    /// <summary>Any single quantity beyond this is a broken export.</summary>
    public const string Absurd = "1e12";

    private readonly BillingSource _source;
    private readonly List<RowCheck> _checks = [];
    private readonly List<(string Name, string Sql)> _columns = [];

    // The relation is built in three layers so DuckDB computes each value once per row: the source cells, trimmed
    // (base); the typed values derived from them (derived); then the canonical columns and checks, which only refer
    // to the first two. Written inline, the same cast or parse would be repeated in every check that needs it.
    private readonly Dictionary<string, (string Name, string Sql)> _base = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Name, string Sql)> _derived = new(StringComparer.Ordinal);

    private CanonicalQuery(BillingSource source)
    {
        _source = source;
    }

    public IReadOnlyList<RowCheck> Checks => _checks;

    public static CanonicalQuery For(BillingSource source)
    {
        var query = new CanonicalQuery(source);
        if (source.Format.IsFocus())
        {
            query.MapFocus();
        }
        else
        {
            query.MapCur();
        }

        return query;
    }

    /// <summary>
    /// The canonical relation over <paramref name="from"/> (a read function, or a per-file one for detail passes).
    /// <paramref name="rowNumber"/> is an expression over the read function's own columns, exposed as <c>rn</c>.
    /// </summary>
    public string Select(string from, bool withChecks, string? rowNumber = null)
    {
        var columns = string.Join(",\n  ", _columns.Select(c => $"{c.Sql} AS {c.Name}"));
        var bad = _checks.Count == 0 ? "false" : string.Join(" OR ", _checks.Select(c => $"coalesce({c.FailSql}, false)"));
        var checks = withChecks
            ? ",\n  " + string.Join(",\n  ", _checks.Select((c, i) => $"coalesce({c.FailSql}, false) AS check_{i}, {c.RawSql} AS raw_{i}"))
            : "";
        var rn = rowNumber is null ? "" : $"{rowNumber} AS rn, ";
        var baseColumns = string.Join(", ", _base.Values.Select(c => $"{c.Sql} AS {c.Name}"));
        var derivedColumns = _derived.Count == 0 ? "" : ", " + string.Join(", ", _derived.Values.Select(c => $"{c.Sql} AS {c.Name}"));
        return $"""
            SELECT {(rowNumber is null ? "" : "rn, ")}
              {columns},
              ({bad}) AS bad{checks}
            FROM (SELECT *{derivedColumns} FROM (SELECT {rn}filename, {baseColumns} FROM {from}))
            """;
    }

    // ---- grouping on source cells ------------------------------------------------------------------------------
    //
    // Canonical keys are functions of a few source cells, and those cells take few distinct values (Parquet even
    // stores them once per row group). So the scan groups rows on the source cells themselves, which DuckDB hashes
    // cheaply, and works out the canonical keys and their checks once per group afterwards: tens of thousands of
    // evaluations of the JSON, regex and enum expressions instead of millions. Only the values that vary per row
    // (money, quantities, the day of a charge) are computed per row.

    /// <summary>The SQL of a canonical column, in terms of the layer names (to be used inside <see cref="RowSelect"/> or <see cref="GroupSelect"/>).</summary>
    public string ColumnSql(string name) => _columns.First(c => c.Name == name).Sql;

    /// <summary>The source columns the given canonical columns are computed from.</summary>
    public IReadOnlyList<string> SourceColumns(IEnumerable<string> canonical) =>
        SourcesOf(canonical.Select(ColumnSql)).Order(StringComparer.Ordinal).ToList();

    /// <summary>The source columns the given checks read.</summary>
    public IReadOnlyList<string> CellsOf(IEnumerable<RowCheck> checks) => SourcesOf(checks.Select(c => c.FailSql)).Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// Checks on values that vary per row (money, quantities): evaluated per row even when grouping on source cells.
    /// Every other check concerns key cells only, and is answered once per group.
    /// </summary>
    public IReadOnlyList<RowCheck> ValueChecks => [.. _checks.Where(IsValueCheck)];

    public IReadOnlyList<RowCheck> KeyChecks => [.. _checks.Where(c => !IsValueCheck(c))];

    /// <summary>True for a row failing any of <paramref name="checks"/>, in terms of the layer names.</summary>
    public static string AnyFails(IEnumerable<RowCheck> checks)
    {
        var list = checks.ToList();
        return list.Count == 0 ? "false" : string.Join(" OR ", list.Select(c => $"coalesce({c.FailSql}, false)"));
    }

    /// <summary>
    /// Per row: the source cells named by <paramref name="sourceKeys"/>, as read, and the <paramref name="computed"/>
    /// expressions (over the layer names). Only the layers those expressions need are computed.
    /// </summary>
    public string RowSelect(string from, IReadOnlyCollection<string> sourceKeys, IReadOnlyList<(string Name, string Sql)> computed)
    {
        var (bases, deriveds) = Layers(computed.Select(c => c.Sql));
        var keys = sourceKeys.Select(Column).ToList();
        var inner = string.Join(", ", keys.Concat(bases.Select(b => $"{b.Sql} AS {b.Name}")));
        var middle = deriveds.Count == 0 ? "" : ", " + string.Join(", ", deriveds.Select(d => $"{d.Sql} AS {d.Name}"));
        var outer = string.Join(", ", keys.Concat(computed.Select(c => $"{c.Sql} AS {c.Name}")));
        return $"SELECT {outer} FROM (SELECT *{middle} FROM (SELECT {inner} FROM {from}))";
    }

    /// <summary>
    /// Per group of a table keyed by source cells (as <see cref="RowSelect"/> writes them): the canonical
    /// <paramref name="columns"/> plus the <paramref name="computed"/> expressions, and the table's own
    /// <paramref name="passThrough"/> columns (sums, flags). The source cells themselves are left behind: names compare
    /// without case in DuckDB, and FOCUS's <c>Tags</c> would clash with the canonical <c>tags</c>.
    /// </summary>
    public string GroupSelect(string table, IReadOnlyList<string> passThrough, IReadOnlyList<string> columns, IReadOnlyList<(string Name, string Sql)> computed)
    {
        var all = columns.Select(c => (Name: c, Sql: ColumnSql(c))).Concat(computed).ToList();
        var (bases, deriveds) = Layers(all.Select(c => c.Sql));
        var baseColumns = bases.Count == 0 ? "" : ", " + string.Join(", ", bases.Select(b => $"{b.Sql} AS {b.Name}"));
        var derivedColumns = deriveds.Count == 0 ? "" : ", " + string.Join(", ", deriveds.Select(d => $"{d.Sql} AS {d.Name}"));
        var outer = passThrough.Concat(all.Select(c => $"{c.Sql} AS {c.Name}"));
        return $"SELECT {string.Join(", ", outer)} FROM (SELECT *{derivedColumns} FROM (SELECT *{baseColumns} FROM {table}))";
    }

    private static readonly System.Text.RegularExpressions.Regex LayerName = new(@"\b__[bd][0-9]+\b", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>The base and derived layer columns that <paramref name="sqls"/> refer to, directly or through a derived one.</summary>
    private (List<(string Name, string Sql)> Bases, List<(string Name, string Sql)> Deriveds) Layers(IEnumerable<string> sqls)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(sqls);
        while (pending.Count > 0)
        {
            foreach (System.Text.RegularExpressions.Match match in LayerName.Matches(pending.Pop()))
            {
                if (names.Add(match.Value) && _derived.Values.FirstOrDefault(d => d.Name == match.Value) is { Sql: { } sql })
                {
                    pending.Push(sql);
                }
            }
        }

        return ([.. _base.Values.Where(b => names.Contains(b.Name))], [.. _derived.Values.Where(d => names.Contains(d.Name))]);
    }

    private HashSet<string> SourcesOf(IEnumerable<string> sqls)
    {
        var (bases, _) = Layers(sqls);
        var used = bases.Select(b => b.Name).ToHashSet(StringComparer.Ordinal);
        return _base.Where(b => used.Contains(b.Value.Name)).Select(b => b.Key.StartsWith("raw:", StringComparison.Ordinal) ? b.Key[4..] : b.Key)
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>A check that reads a cell only values are made of (a cost, a quantity): it must be answered per row.</summary>
    private bool IsValueCheck(RowCheck check)
    {
        var keyCells = SourcesOf(_columns.Where(c => !Values.Contains(c.Name)).Select(c => c.Sql));
        return SourcesOf([check.FailSql]).Any(cell => !keyCells.Contains(cell));
    }

    // ---- FOCUS ------------------------------------------------------------------------------------------------

    private void MapFocus()
    {
        Add("file", "filename");
        Add("provider_name", Coalesce(Text("ServiceProviderName"), Text("ProviderName")));
        Add("billing_account_id", Text("BillingAccountId"));
        Add("billing_account_name", Text("BillingAccountName"));
        Add("sub_account_id", Text("SubAccountId"));
        Add("sub_account_name", Text("SubAccountName"));
        Add("billing_period_start", Timestamp("BillingPeriodStart"));
        Add("billing_period_end", Timestamp("BillingPeriodEnd"));
        Add("charge_period_start", Timestamp("ChargePeriodStart"));
        Add("charge_period_end", Timestamp("ChargePeriodEnd"));
        Add("charge_category", Enum(Text("ChargeCategory"), "Usage", "Purchase", "Tax", "Credit", "Adjustment"));
        Add("charge_class", Enum(Text("ChargeClass"), "Correction"));
        Add("charge_frequency", Enum(Text("ChargeFrequency"), "One-Time", "Recurring", "Usage-Based"));
        Add("pricing_category", Enum(Text("PricingCategory"), "Standard", "Committed", "Dynamic", "Other"));
        Add("currency", $"upper({Text("BillingCurrency")})");
        Add("billed_cost", Money("BilledCost"));
        Add("effective_cost", Money("EffectiveCost"));
        Add("list_cost", Money("ListCost"));
        Add("contracted_cost", Money("ContractedCost"));
        var consumed = _source.Has("ConsumedQuantity") ? "ConsumedQuantity" : "UsageQuantity";
        Add("consumed_quantity", Number(consumed));
        Add("consumed_unit", Unit(Coalesce(Text("ConsumedUnit"), Text("UsageUnit"), Text("PricingUnit"))));
        Add("service_name", Text("ServiceName"));
        Add("service_category", Text("ServiceCategory"));
        Add("region_id", Coalesce(Text("RegionId"), Text("Region"), Text("RegionName")));
        Add("availability_zone", Text("AvailabilityZone"));
        Add("resource_id", Text("ResourceId"));
        Add("resource_name", Text("ResourceName"));
        Add("resource_type", Text("ResourceType"));
        Add("sku_id", Text("SkuId"));

        // Instance type and platform, from the best source the export has: FOCUS 1.1 SkuPriceDetails, AWS
        // x_UsageType or (1.2) SkuMeter "BoxUsage:m5.large", Azure x_SkuDetails, and for AWS FOCUS 1.0 the charge
        // description ("$0.096 per On Demand Linux m5.large Instance Hour", "per db.t3.micro Single-AZ instance hour").
        var description = Text("ChargeDescription");
        Add("instance_type", Coalesce(
            JsonValue("SkuPriceDetails", "InstanceType"),
            AfterColon(Text("x_UsageType")),
            AfterColon(Text("SkuMeter"), onlyWhen: "Usage:"),
            JsonValue("x_SkuDetails", "VMSize"),
            JsonValue("x_SkuDetails", "ServiceType"),
            $"nullif(regexp_extract({description}, '(?:^|\\s)((?:db\\.|cache\\.)?[a-z][a-z0-9-]*\\.(?:[0-9]*x?large|medium|small|micro|nano|metal))(?:\\s|$)', 1), '')"));
        Add("platform", Coalesce(
            JsonValue("SkuPriceDetails", "OperatingSystem"),
            OperationPlatform(Text("x_Operation")),
            $"nullif(regexp_extract({description}, 'per (?:On Demand|Reserved|Dedicated|Spot) (.+?) [a-z][a-z0-9-]*\\.[0-9a-z]+ (?:Dedicated )?Instance Hour', 1), '')",
            $"nullif(regexp_extract({description}, 'instance hour \\(or partial hour\\) running (.+)$', 1), '')"));
        Add("tags", Json("Tags"));

        var commitmentId = Text("CommitmentDiscountId");
        var status = Enum(Text("CommitmentDiscountStatus"), "Used", "Unused");
        var frequency = Enum(Text("ChargeFrequency"), "One-Time", "Recurring", "Usage-Based");
        var category = Enum(Text("ChargeCategory"), "Usage", "Purchase", "Tax", "Credit", "Adjustment");
        var commitmentQuantity = _source.Has("CommitmentDiscountQuantity") ? Number("CommitmentDiscountQuantity") : "NULL";
        Add("commitment_id", commitmentId);
        Add("commitment_name", Text("CommitmentDiscountName"));
        Add("commitment_category", Enum(Text("CommitmentDiscountCategory"), "Spend", "Usage"));
        Add("commitment_type", Text("CommitmentDiscountType"));
        Add("commitment_unit", Text("CommitmentDiscountUnit"));
        // One quantity per commitment row; what it means (used or unused units) follows from the row's status.
        Add("commitment_quantity", $"CASE WHEN {status} = 'Used' THEN coalesce({commitmentQuantity}, {Number(consumed)}) WHEN {status} = 'Unused' THEN coalesce({commitmentQuantity}, {Number("PricingQuantity")}) END");
        Add("is_covered", $"coalesce({status} = 'Used', false)");
        Add("is_unused_commitment", $"coalesce({status} = 'Unused', false)");

        AddIdentityChecks("BillingAccountId", "BillingCurrency", "BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd");

        AddCheck("ChargeCategory", Raw("ChargeCategory"), $"{category} IS NULL", "Not one of Usage, Purchase, Tax, Credit, Adjustment.");
        AddMoneyCheck("BilledCost", required: true);
        AddMoneyCheck("EffectiveCost", required: true);
        AddMoneyCheck("ListCost", required: false);
        AddMoneyCheck("ContractedCost", required: false);
        // Negative quantities are real (Azure writes reversals as negative usage rows): they net out, they are not errors.
        AddCheck(consumed, Raw(consumed),
            $"{NotANumber(consumed)} OR abs({Number(consumed)}) >= {Absurd}",
            "Not a number, or out of range.");
        AddPeriodChecks("ChargePeriodEnd", "ChargePeriodStart", "BillingPeriodEnd", "BillingPeriodStart");
    }

    // ---- AWS CUR 2.0 ------------------------------------------------------------------------------------------

    private void MapCur()
    {
        var type = Text("line_item_line_item_type");
        var covered = $"{type} IN ('DiscountedUsage', 'SavingsPlanCoveredUsage')";
        var usage = $"{type} IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation')";
        var riArn = Text("reservation_reservation_a_r_n");
        var spArn = Text("savings_plan_savings_plan_a_r_n");
        var usageType = Text("line_item_usage_type");
        var spot = $"(coalesce({usageType}, '') LIKE '%SpotUsage%' OR lower(coalesce({MapValue("product", "marketoption")}, '')) = 'spot')";
        var unblended = Money("line_item_unblended_cost");
        var onDemand = $"coalesce({Money("pricing_public_on_demand_cost")}, 0)";

        Add("file", "filename");
        Add("provider_name", "'AWS'");
        Add("billing_account_id", Text("bill_payer_account_id"));
        Add("billing_account_name", Text("bill_payer_account_name"));
        Add("sub_account_id", Text("line_item_usage_account_id"));
        Add("sub_account_name", Text("line_item_usage_account_name"));
        Add("billing_period_start", Timestamp("bill_billing_period_start_date"));
        Add("billing_period_end", Timestamp("bill_billing_period_end_date"));
        Add("charge_period_start", Timestamp("line_item_usage_start_date"));
        Add("charge_period_end", Timestamp("line_item_usage_end_date"));
        // Unknown line item types keep their cost (as Adjustment) so the period still reconciles.
        Add("charge_category", $"""
            CASE WHEN {type} IS NULL THEN NULL
                 WHEN {usage} THEN 'Usage'
                 WHEN {type} IN ('RIFee', 'Fee', 'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee') THEN 'Purchase'
                 WHEN {type} = 'Tax' THEN 'Tax'
                 WHEN {type} IN ('Credit', 'Refund') THEN 'Credit'
                 ELSE 'Adjustment' END
            """);
        Add("charge_class", "NULL");
        Add("charge_frequency", $"CASE WHEN {type} IN ('Fee', 'SavingsPlanUpfrontFee') THEN 'One-Time' WHEN {type} IN ('RIFee', 'SavingsPlanRecurringFee') THEN 'Recurring' WHEN {usage} THEN 'Usage-Based' END");
        Add("pricing_category", $"CASE WHEN {covered} THEN 'Committed' WHEN {type} = 'Usage' AND {spot} THEN 'Dynamic' WHEN {usage} OR {type} IN ('RIFee', 'Fee', 'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee') THEN 'Standard' WHEN {type} = 'Tax' THEN NULL ELSE 'Other' END");
        Add("currency", $"upper({Text("line_item_currency_code")})");
        Add("billed_cost", unblended);
        Add("effective_cost", $"""
            CASE WHEN {type} = 'SavingsPlanCoveredUsage' THEN {Money("savings_plan_savings_plan_effective_cost")}
                 WHEN {type} = 'DiscountedUsage' THEN {Money("reservation_effective_cost")}
                 WHEN {type} = 'RIFee' THEN coalesce({Money("reservation_unused_amortized_upfront_fee_for_billing_period")}, 0) + coalesce({Money("reservation_unused_recurring_fee")}, 0)
                 WHEN {type} = 'SavingsPlanRecurringFee' THEN coalesce({Money("savings_plan_total_commitment_to_date")}, 0) - coalesce({Money("savings_plan_used_commitment")}, 0)
                 WHEN {type} IN ('SavingsPlanNegation', 'SavingsPlanUpfrontFee') OR ({type} = 'Fee' AND {riArn} IS NOT NULL) THEN 0
                 ELSE {unblended} END
            """);
        Add("list_cost", onDemand);
        Add("contracted_cost", $"CASE WHEN {covered} THEN {onDemand} ELSE coalesce({Money("line_item_net_unblended_cost")}, {unblended}) END");
        Add("consumed_quantity", $"CASE WHEN {usage} AND {type} <> 'SavingsPlanNegation' THEN {Number("line_item_usage_amount")} END");
        Add("consumed_unit", Unit(Text("pricing_unit")));
        Add("service_name", Coalesce(MapValue("product", "product_name"), Text("product_product_name"), Text("line_item_product_code")));
        Add("service_category", $"""
            CASE {Coalesce(Text("product_product_family"), MapValue("product", "product_family"))}
                 WHEN 'Compute Instance' THEN 'Compute' WHEN 'Compute' THEN 'Compute' WHEN 'Database Instance' THEN 'Databases'
                 WHEN 'Cache Instance' THEN 'Databases' WHEN 'Storage' THEN 'Storage' WHEN 'Data Transfer' THEN 'Networking'
                 ELSE 'Other' END
            """);
        Add("region_id", Coalesce(Text("product_region_code"), MapValue("product", "region_code"), MapValue("product", "region")));
        Add("availability_zone", Text("line_item_availability_zone"));
        Add("resource_id", Text("line_item_resource_id"));
        Add("resource_name", "NULL");
        Add("resource_type", Coalesce(Text("product_product_family"), MapValue("product", "product_family")));
        Add("sku_id", Coalesce(Text("product_sku"), MapValue("product", "sku")));
        Add("instance_type", Coalesce(Text("product_instance_type"), MapValue("product", "instance_type"), AfterColon(usageType, onlyWhen: "Usage:")));
        Add("platform", Coalesce(MapValue("product", "operating_system"), Text("product_operating_system"), MapValue("product", "database_engine"), OperationPlatform(Text("line_item_operation"))));
        Add("tags", Json("resource_tags"));

        var commitmentId = $"CASE WHEN {type} IN ('DiscountedUsage', 'RIFee') OR ({type} = 'Fee' AND {riArn} IS NOT NULL) THEN {riArn} WHEN {type} LIKE 'SavingsPlan%' THEN {spArn} END";
        var isRi = $"{type} IN ('DiscountedUsage', 'RIFee', 'Fee')";
        Add("commitment_id", commitmentId);
        Add("commitment_name", "NULL");
        Add("commitment_category", $"CASE WHEN ({commitmentId}) IS NULL THEN NULL WHEN {isRi} THEN 'Usage' ELSE 'Spend' END");
        Add("commitment_type", $"CASE WHEN ({commitmentId}) IS NULL THEN NULL WHEN {isRi} THEN 'Reserved Instance' ELSE 'Savings Plan' END");
        Add("commitment_unit", $"CASE WHEN ({commitmentId}) IS NULL THEN NULL WHEN {isRi} THEN 'Hours' ELSE upper({Text("line_item_currency_code")}) END");
        // The fee rows carry what their commitment left unused this period (units, and the cost as effective cost), so they
        // count as the commitment's unused part, the way FOCUS writes separate Unused rows.
        Add("commitment_quantity", $"""
            CASE WHEN {type} = 'DiscountedUsage' THEN {Number("line_item_usage_amount")}
                 WHEN {type} = 'SavingsPlanCoveredUsage' THEN CAST({Money("savings_plan_savings_plan_effective_cost")} AS DOUBLE)
                 WHEN {type} = 'RIFee' THEN {Number("reservation_unused_quantity")}
                 WHEN {type} = 'SavingsPlanRecurringFee' THEN CAST(coalesce({Money("savings_plan_total_commitment_to_date")}, 0) - coalesce({Money("savings_plan_used_commitment")}, 0) AS DOUBLE) END
            """);
        Add("is_covered", covered);
        Add("is_unused_commitment", $"{type} IN ('RIFee', 'SavingsPlanRecurringFee')");

        AddIdentityChecks("bill_payer_account_id", "line_item_currency_code", "bill_billing_period_start_date", "bill_billing_period_end_date", "line_item_usage_start_date", "line_item_usage_end_date");

        AddCheck("line_item_line_item_type", Raw("line_item_line_item_type"), $"{type} IS NULL", "Missing line item type.");
        AddMoneyCheck("line_item_unblended_cost", required: true);
        AddMoneyCheck("pricing_public_on_demand_cost", required: false);
        AddCheck("line_item_usage_amount", Raw("line_item_usage_amount"),
            $"{NotANumber("line_item_usage_amount")} OR abs({Number("line_item_usage_amount")}) >= {Absurd}",
            "Not a number, or out of range.");
        AddPeriodChecks("line_item_usage_end_date", "line_item_usage_start_date", "bill_billing_period_end_date", "bill_billing_period_start_date");
    }

    // ---- shared -------------------------------------------------------------------------------------------------

    /// <summary>What every row needs to be placed at all: its billing account, its currency, and its four period bounds.</summary>
    private void AddIdentityChecks(string account, string currency, params string[] times)
    {
        AddCheck(account, Raw(account), $"{Text(account)} IS NULL", "Missing value (the column is required).");
        AddCheck(currency, Raw(currency), $"NOT regexp_full_match(coalesce({Text(currency)}, ''), '[A-Za-z]{{3}}')", "Not an ISO 4217 currency code.");
        foreach (var column in times)
        {
            AddCheck(column, Raw(column), $"{Timestamp(column)} IS NULL", "Missing or not a date-time (expected ISO 8601 in UTC).");
        }
    }

    /// <summary>The cast fails (null) for text that is not a number and for amounts a single line cannot hold.</summary>
    private void AddMoneyCheck(string column, bool required)
    {
        var fail = required ? $"{Money(column)} IS NULL" : $"{Base(column)} IS NOT NULL AND {Money(column)} IS NULL";
        AddCheck(column, Raw(column), fail,
            required ? "Missing, not a number, or out of range (a line is under 1,000,000,000)." : "Not a number, or out of range (a line is under 1,000,000,000).");
    }

    private void AddPeriodChecks(string chargeEnd, string chargeStart, string billingEnd, string billingStart)
    {
        AddCheck(chargeEnd, Raw(chargeEnd), $"{Timestamp(chargeEnd)} <= {Timestamp(chargeStart)}", $"Must be after {chargeStart}.");
        AddCheck(chargeEnd, Raw(chargeEnd), $"{Timestamp(chargeEnd)} > {Timestamp(chargeStart)} + INTERVAL 32 DAY", $"More than 32 days after {chargeStart}: a charge period is at most a month.");
        AddCheck(billingEnd, Raw(billingEnd), $"{Timestamp(billingEnd)} <= {Timestamp(billingStart)}", $"Must be after {billingStart}.");
    }

    private void Add(string name, string sql) => _columns.Add((name, sql));

    /// <summary>
    /// Columns that vary from row to row and are summed, never grouped on (money, quantities, the file name). Every
    /// other column is a key: a function of a few source cells that take few distinct values.
    /// </summary>
    public static readonly IReadOnlySet<string> Values = new HashSet<string>(StringComparer.Ordinal)
    {
        "file", "billed_cost", "effective_cost", "list_cost", "contracted_cost", "consumed_quantity", "commitment_quantity",
    };

    private void AddCheck(string column, string raw, string fail, string reason) =>
        _checks.Add(new RowCheck(column, raw, fail, reason));

    private string Column(string name) => Sql.Identifier(name);

    private bool IsText(string name) => _source.Columns.TryGetValue(name, out var type) && type.StartsWith("VARCHAR", StringComparison.Ordinal);

    /// <summary>
    /// A source cell as read, empty text as null (real exports write both "" and NULL; the CSV reader already turns
    /// NULL into null). Cells are not trimmed: trimming every cell of every row costs more than the rest of the scan,
    /// and a padded value fails its check with the padding shown.
    /// </summary>
    private string Base(string name)
    {
        if (!_source.Has(name))
        {
            return "NULL";
        }

        if (!_base.TryGetValue(name, out var column))
        {
            _base[name] = column = ($"__b{_base.Count}", IsText(name) ? $"nullif({Column(name)}, '')" : Column(name));
        }

        return column.Name;
    }

    /// <summary>A value computed once per row from base cells.</summary>
    private string Derived(string key, Func<string> sql)
    {
        if (!_derived.TryGetValue(key, out var column))
        {
            _derived[key] = column = ($"__d{_derived.Count}", sql());
        }

        return column.Name;
    }

    private string Text(string name) => !_source.Has(name) ? "NULL" : IsText(name) ? Base(name) : Derived("text:" + name, () => $"CAST({Base(name)} AS VARCHAR)");

    private string Raw(string name)
    {
        if (!_source.Has(name))
        {
            return "NULL";
        }

        var key = "raw:" + name;
        if (!_base.TryGetValue(key, out var column))
        {
            _base[key] = column = ($"__b{_base.Count}", $"CAST({Column(name)} AS VARCHAR)");
        }

        return column.Name;
    }

    private string Money(string name) => !_source.Has(name) ? "NULL" : Derived("money:" + name, () => $"TRY_CAST({Base(name)} AS {MoneyType})");

    /// <summary>A cell that holds something other than a number. Only text can: a typed column was checked by its writer.</summary>
    private string NotANumber(string name) => IsText(name) ? $"({Base(name)} IS NOT NULL AND {Number(name)} IS NULL)" : "false";

    private string Number(string name) => !_source.Has(name) ? "NULL" : Derived("number:" + name, () => $"TRY_CAST({Base(name)} AS DOUBLE)");

    /// <summary>
    /// UTC, whatever the export wrote: offsets are honoured, times without one are UTC. Time-zone arithmetic is slow
    /// (it dominated the whole scan), so it is only done for text that carries an offset after the seconds.
    /// </summary>
    private string Timestamp(string name)
    {
        if (!_source.Has(name))
        {
            return "NULL";
        }

        var type = _source.Columns[name];
        var cell = Base(name);
        return Derived("timestamp:" + name, () => type switch
        {
            "TIMESTAMP WITH TIME ZONE" => $"make_timestamp(epoch_us({cell}))",
            _ when type.StartsWith("TIMESTAMP", StringComparison.Ordinal) || type == "DATE" => $"CAST({cell} AS TIMESTAMP)",
            _ => $"""
                 CASE WHEN strpos(substr({cell}, 20), '+') > 0 OR strpos(substr({cell}, 20), '-') > 0
                      THEN TRY_CAST(TRY_CAST({cell} AS TIMESTAMPTZ) AS TIMESTAMP)
                      ELSE TRY_CAST({cell} AS TIMESTAMP) END
                 """,
        });
    }

    private string Json(string name) => !_source.Has(name) ? "NULL"
        : Derived("json:" + name, () => IsText(name) ? $"CASE WHEN json_valid({Base(name)}) THEN {Base(name)} END" : $"CAST(to_json({Base(name)}) AS VARCHAR)");

    /// <summary>A key of a JSON text column (CSV) or a MAP column (Parquet).</summary>
    private string JsonValue(string name, string key) => !_source.Has(name) ? "NULL"
        : _source.Columns[name].StartsWith("MAP", StringComparison.Ordinal) ? $"nullif(CAST({Base(name)}[{Sql.Literal(key)}] AS VARCHAR), '')"
        : $"nullif(json_extract_string({Json(name)}, {Sql.Literal("$." + key)}), '')";

    private string MapValue(string name, string key) => JsonValue(name, key);

    private static string Coalesce(params string[] expressions)
    {
        var present = expressions.Where(e => e != "NULL").ToList();
        return present.Count switch
        {
            0 => "NULL",
            1 => present[0],
            _ => $"coalesce({string.Join(", ", present)})",
        };
    }

    /// <summary>Case-insensitive match against the allowed values, answered in their canonical spelling (null otherwise).</summary>
    private string Enum(string expression, params string[] allowed)
    {
        if (expression == "NULL")
        {
            return "NULL";
        }

        var cases = string.Join(" ", allowed.Select(a => $"WHEN {Sql.Literal(a.ToLowerInvariant())} THEN {Sql.Literal(a)}"));
        var sql = $"(CASE lower({expression}) {cases} END)";
        return _base.Values.Any(b => b.Name == expression) ? Derived("enum:" + sql, () => sql) : sql;
    }

    /// <summary>"Hrs", "hours", "Hour" are all hours.</summary>
    private static string Unit(string expression) => expression == "NULL" ? "NULL"
        : $"(CASE WHEN lower({expression}) IN ('hrs', 'hr', 'hour', 'hours', '1 hour') THEN 'Hours' ELSE {expression} END)";

    private static string AfterColon(string expression, string onlyWhen = ":") => expression == "NULL" ? "NULL"
        : $"CASE WHEN contains({expression}, {Sql.Literal(onlyWhen)}) THEN nullif(regexp_extract({expression}, ':([^:]+)$', 1), '') END";

    /// <summary>EC2's operation codes: RunInstances is Linux/UNIX, :0002 Windows, :0010 RHEL, :000g SUSE, :0006 Windows with SQL Standard.</summary>
    private static string OperationPlatform(string expression) => expression == "NULL" ? "NULL"
        : $"""
          (CASE WHEN {expression} = 'RunInstances' THEN 'Linux' WHEN {expression} = 'RunInstances:0002' THEN 'Windows'
                WHEN {expression} = 'RunInstances:0010' THEN 'RHEL' WHEN {expression} = 'RunInstances:000g' THEN 'SUSE'
                WHEN {expression} = 'RunInstances:0006' THEN 'Windows with SQL Std' WHEN {expression} = 'RunInstances:0800' THEN 'Windows BYOL' END)
          """;
}
