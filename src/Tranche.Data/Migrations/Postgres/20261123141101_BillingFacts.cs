using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Tranche.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class BillingFacts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "billed_commitments",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    org_id = table.Column<Guid>(type: "uuid", nullable: false),
                    provider = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    provider_commitment_id = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    name = table.Column<string>(type: "text", nullable: true),
                    category = table.Column<string>(type: "text", nullable: true),
                    type = table.Column<string>(type: "text", nullable: true),
                    unit = table.Column<string>(type: "text", nullable: true),
                    billing_account_id = table.Column<string>(type: "text", nullable: true),
                    sub_account_id = table.Column<string>(type: "text", nullable: true),
                    region_id = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_billed_commitments", x => x.id);
                    table.ForeignKey(
                        name: "FK_billed_commitments_orgs_org_id",
                        column: x => x.org_id,
                        principalTable: "orgs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "billed_resources",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    org_id = table.Column<Guid>(type: "uuid", nullable: false),
                    provider = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    provider_resource_id = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    name = table.Column<string>(type: "text", nullable: true),
                    resource_type = table.Column<string>(type: "text", nullable: true),
                    service_name = table.Column<string>(type: "text", nullable: true),
                    service_category = table.Column<string>(type: "text", nullable: true),
                    region_id = table.Column<string>(type: "text", nullable: true),
                    availability_zone = table.Column<string>(type: "text", nullable: true),
                    billing_account_id = table.Column<string>(type: "text", nullable: true),
                    sub_account_id = table.Column<string>(type: "text", nullable: true),
                    sku_id = table.Column<string>(type: "text", nullable: true),
                    instance_type = table.Column<string>(type: "text", nullable: true),
                    platform = table.Column<string>(type: "text", nullable: true),
                    unit = table.Column<string>(type: "text", nullable: true),
                    is_spot = table.Column<bool>(type: "boolean", nullable: false),
                    tags = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_billed_resources", x => x.id);
                    table.ForeignKey(
                        name: "FK_billed_resources_orgs_org_id",
                        column: x => x.org_id,
                        principalTable: "orgs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "billing_periods",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    org_id = table.Column<Guid>(type: "uuid", nullable: false),
                    provider = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    billing_account_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    billing_account_name = table.Column<string>(type: "text", nullable: true),
                    period_start = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    period_end = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    currency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: false),
                    source_format = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    source_files = table.Column<string>(type: "text", nullable: false),
                    upload_id = table.Column<Guid>(type: "uuid", nullable: true),
                    loaded_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    row_count = table.Column<long>(type: "bigint", nullable: false),
                    billed_cost = table.Column<long>(type: "bigint", nullable: false),
                    effective_cost = table.Column<long>(type: "bigint", nullable: false),
                    list_cost = table.Column<long>(type: "bigint", nullable: false),
                    contracted_cost = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_billing_periods", x => x.id);
                    table.ForeignKey(
                        name: "FK_billing_periods_orgs_org_id",
                        column: x => x.org_id,
                        principalTable: "orgs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "usage_pools",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    org_id = table.Column<Guid>(type: "uuid", nullable: false),
                    provider = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    billing_account_id = table.Column<string>(type: "text", nullable: false),
                    sub_account_id = table.Column<string>(type: "text", nullable: true),
                    region_id = table.Column<string>(type: "text", nullable: true),
                    service_name = table.Column<string>(type: "text", nullable: true),
                    service_category = table.Column<string>(type: "text", nullable: true),
                    sku_id = table.Column<string>(type: "text", nullable: true),
                    instance_type = table.Column<string>(type: "text", nullable: true),
                    platform = table.Column<string>(type: "text", nullable: true),
                    unit = table.Column<string>(type: "text", nullable: true),
                    key_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_usage_pools", x => x.id);
                    table.ForeignKey(
                        name: "FK_usage_pools_orgs_org_id",
                        column: x => x.org_id,
                        principalTable: "orgs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "charge_days",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    org_id = table.Column<Guid>(type: "uuid", nullable: false),
                    billing_period_id = table.Column<Guid>(type: "uuid", nullable: false),
                    day = table.Column<DateOnly>(type: "date", nullable: false),
                    sub_account_id = table.Column<string>(type: "text", nullable: true),
                    service_name = table.Column<string>(type: "text", nullable: true),
                    service_category = table.Column<string>(type: "text", nullable: true),
                    region_id = table.Column<string>(type: "text", nullable: true),
                    charge_category = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    charge_class = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    pricing_category = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    row_count = table.Column<long>(type: "bigint", nullable: false),
                    billed_cost = table.Column<long>(type: "bigint", nullable: false),
                    effective_cost = table.Column<long>(type: "bigint", nullable: false),
                    list_cost = table.Column<long>(type: "bigint", nullable: false),
                    contracted_cost = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_charge_days", x => x.id);
                    table.ForeignKey(
                        name: "FK_charge_days_billing_periods_billing_period_id",
                        column: x => x.billing_period_id,
                        principalTable: "billing_periods",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "commitment_days",
                columns: table => new
                {
                    billing_period_id = table.Column<Guid>(type: "uuid", nullable: false),
                    commitment_id = table.Column<Guid>(type: "uuid", nullable: false),
                    day = table.Column<DateOnly>(type: "date", nullable: false),
                    org_id = table.Column<Guid>(type: "uuid", nullable: false),
                    used_quantity = table.Column<double>(type: "double precision", nullable: false),
                    unused_quantity = table.Column<double>(type: "double precision", nullable: false),
                    covered_list_cost = table.Column<long>(type: "bigint", nullable: false),
                    used_effective_cost = table.Column<long>(type: "bigint", nullable: false),
                    unused_effective_cost = table.Column<long>(type: "bigint", nullable: false),
                    upfront_fee = table.Column<long>(type: "bigint", nullable: false),
                    recurring_fee = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_commitment_days", x => new { x.billing_period_id, x.commitment_id, x.day });
                    table.ForeignKey(
                        name: "FK_commitment_days_billed_commitments_commitment_id",
                        column: x => x.commitment_id,
                        principalTable: "billed_commitments",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_commitment_days_billing_periods_billing_period_id",
                        column: x => x.billing_period_id,
                        principalTable: "billing_periods",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "resource_days",
                columns: table => new
                {
                    billing_period_id = table.Column<Guid>(type: "uuid", nullable: false),
                    resource_id = table.Column<Guid>(type: "uuid", nullable: false),
                    day = table.Column<DateOnly>(type: "date", nullable: false),
                    org_id = table.Column<Guid>(type: "uuid", nullable: false),
                    quantity = table.Column<double>(type: "double precision", nullable: false),
                    covered_quantity = table.Column<double>(type: "double precision", nullable: false),
                    usage_hours = table.Column<double>(type: "double precision", nullable: false),
                    list_cost = table.Column<long>(type: "bigint", nullable: false),
                    billed_cost = table.Column<long>(type: "bigint", nullable: false),
                    effective_cost = table.Column<long>(type: "bigint", nullable: false),
                    spot_cost = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_resource_days", x => new { x.billing_period_id, x.resource_id, x.day });
                    table.ForeignKey(
                        name: "FK_resource_days_billed_resources_resource_id",
                        column: x => x.resource_id,
                        principalTable: "billed_resources",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_resource_days_billing_periods_billing_period_id",
                        column: x => x.billing_period_id,
                        principalTable: "billing_periods",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "commitment_coverage",
                columns: table => new
                {
                    billing_period_id = table.Column<Guid>(type: "uuid", nullable: false),
                    commitment_id = table.Column<Guid>(type: "uuid", nullable: false),
                    pool_id = table.Column<Guid>(type: "uuid", nullable: false),
                    day = table.Column<DateOnly>(type: "date", nullable: false),
                    org_id = table.Column<Guid>(type: "uuid", nullable: false),
                    covered_quantity = table.Column<double>(type: "double precision", nullable: false),
                    covered_list_cost = table.Column<long>(type: "bigint", nullable: false),
                    effective_cost = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_commitment_coverage", x => new { x.billing_period_id, x.commitment_id, x.pool_id, x.day });
                    table.ForeignKey(
                        name: "FK_commitment_coverage_billed_commitments_commitment_id",
                        column: x => x.commitment_id,
                        principalTable: "billed_commitments",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_commitment_coverage_billing_periods_billing_period_id",
                        column: x => x.billing_period_id,
                        principalTable: "billing_periods",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_commitment_coverage_usage_pools_pool_id",
                        column: x => x.pool_id,
                        principalTable: "usage_pools",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "usage_days",
                columns: table => new
                {
                    billing_period_id = table.Column<Guid>(type: "uuid", nullable: false),
                    pool_id = table.Column<Guid>(type: "uuid", nullable: false),
                    day = table.Column<DateOnly>(type: "date", nullable: false),
                    org_id = table.Column<Guid>(type: "uuid", nullable: false),
                    hourly_quantity = table.Column<byte[]>(type: "bytea", nullable: false),
                    hourly_on_demand_cost = table.Column<byte[]>(type: "bytea", nullable: false),
                    hourly_covered_quantity = table.Column<byte[]>(type: "bytea", nullable: false),
                    source_granularity_hours = table.Column<int>(type: "integer", nullable: false),
                    quantity = table.Column<double>(type: "double precision", nullable: false),
                    list_cost = table.Column<long>(type: "bigint", nullable: false),
                    effective_cost = table.Column<long>(type: "bigint", nullable: false),
                    billed_cost = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_usage_days", x => new { x.billing_period_id, x.pool_id, x.day });
                    table.ForeignKey(
                        name: "FK_usage_days_billing_periods_billing_period_id",
                        column: x => x.billing_period_id,
                        principalTable: "billing_periods",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_usage_days_usage_pools_pool_id",
                        column: x => x.pool_id,
                        principalTable: "usage_pools",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_billed_commitments_org_id_provider_provider_commitment_id",
                table: "billed_commitments",
                columns: new[] { "org_id", "provider", "provider_commitment_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_billed_resources_org_id_provider_provider_resource_id",
                table: "billed_resources",
                columns: new[] { "org_id", "provider", "provider_resource_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_billing_periods_org_id_provider_billing_account_id_period_s~",
                table: "billing_periods",
                columns: new[] { "org_id", "provider", "billing_account_id", "period_start" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_charge_days_billing_period_id",
                table: "charge_days",
                column: "billing_period_id");

            migrationBuilder.CreateIndex(
                name: "IX_charge_days_org_id_day",
                table: "charge_days",
                columns: new[] { "org_id", "day" });

            migrationBuilder.CreateIndex(
                name: "IX_commitment_coverage_commitment_id",
                table: "commitment_coverage",
                column: "commitment_id");

            migrationBuilder.CreateIndex(
                name: "IX_commitment_coverage_org_id_pool_id_day",
                table: "commitment_coverage",
                columns: new[] { "org_id", "pool_id", "day" });

            migrationBuilder.CreateIndex(
                name: "IX_commitment_coverage_pool_id",
                table: "commitment_coverage",
                column: "pool_id");

            migrationBuilder.CreateIndex(
                name: "IX_commitment_days_commitment_id",
                table: "commitment_days",
                column: "commitment_id");

            migrationBuilder.CreateIndex(
                name: "IX_commitment_days_org_id_commitment_id_day",
                table: "commitment_days",
                columns: new[] { "org_id", "commitment_id", "day" });

            migrationBuilder.CreateIndex(
                name: "IX_resource_days_org_id_resource_id_day",
                table: "resource_days",
                columns: new[] { "org_id", "resource_id", "day" });

            migrationBuilder.CreateIndex(
                name: "IX_resource_days_resource_id",
                table: "resource_days",
                column: "resource_id");

            migrationBuilder.CreateIndex(
                name: "IX_usage_days_org_id_pool_id_day",
                table: "usage_days",
                columns: new[] { "org_id", "pool_id", "day" });

            migrationBuilder.CreateIndex(
                name: "IX_usage_days_pool_id",
                table: "usage_days",
                column: "pool_id");

            migrationBuilder.CreateIndex(
                name: "IX_usage_pools_org_id_key_hash",
                table: "usage_pools",
                columns: new[] { "org_id", "key_hash" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "charge_days");

            migrationBuilder.DropTable(
                name: "commitment_coverage");

            migrationBuilder.DropTable(
                name: "commitment_days");

            migrationBuilder.DropTable(
                name: "resource_days");

            migrationBuilder.DropTable(
                name: "usage_days");

            migrationBuilder.DropTable(
                name: "billed_commitments");

            migrationBuilder.DropTable(
                name: "billed_resources");

            migrationBuilder.DropTable(
                name: "billing_periods");

            migrationBuilder.DropTable(
                name: "usage_pools");
        }
    }
}
