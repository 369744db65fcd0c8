using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Tranche.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class CommitmentPlans : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "commitment_plans",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    org_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    provider = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    description = table.Column<string>(type: "TEXT", nullable: true),
                    kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    is_recommended = table.Column<bool>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    superseded_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    data_from = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    data_to = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    data_loaded_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    catalog_version = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    settings = table.Column<string>(type: "TEXT", nullable: false),
                    max_term = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    covered_on_demand_cost_hourly = table.Column<long>(type: "INTEGER", nullable: false),
                    before_on_demand_cost_hourly = table.Column<long>(type: "INTEGER", nullable: false),
                    before_reserved_cost_hourly = table.Column<long>(type: "INTEGER", nullable: false),
                    amortized_cost_hourly = table.Column<long>(type: "INTEGER", nullable: false),
                    recurring_cost_hourly = table.Column<long>(type: "INTEGER", nullable: false),
                    upfront_cost_hourly = table.Column<long>(type: "INTEGER", nullable: false),
                    before_cost_hourly = table.Column<long>(type: "INTEGER", nullable: false),
                    after_cost_hourly = table.Column<long>(type: "INTEGER", nullable: false),
                    total_cost_hourly = table.Column<long>(type: "INTEGER", nullable: false),
                    savings_hourly = table.Column<long>(type: "INTEGER", nullable: false),
                    fee_hourly = table.Column<long>(type: "INTEGER", nullable: false),
                    commitment_coverage = table.Column<double>(type: "REAL", nullable: false),
                    minimum_commitment_cost = table.Column<long>(type: "INTEGER", nullable: false),
                    breakeven_hours = table.Column<double>(type: "REAL", nullable: false),
                    total_savings = table.Column<long>(type: "INTEGER", nullable: false),
                    monthly_savings = table.Column<long>(type: "INTEGER", nullable: false),
                    total_monthly_before_cost = table.Column<long>(type: "INTEGER", nullable: false),
                    expected_net_savings = table.Column<long>(type: "INTEGER", nullable: false),
                    loss_probability = table.Column<double>(type: "REAL", nullable: false),
                    tail_savings = table.Column<long>(type: "INTEGER", nullable: false),
                    expected_utilization = table.Column<double>(type: "REAL", nullable: false),
                    simulated_paths = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_commitment_plans", x => x.id);
                    table.ForeignKey(
                        name: "FK_commitment_plans_orgs_org_id",
                        column: x => x.org_id,
                        principalTable: "orgs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "commitment_plan_line_items",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    org_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    plan_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    pool_key = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", nullable: true),
                    offer_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    provider_offering_id = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    offer_type = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    commitment_type = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    display_name = table.Column<string>(type: "TEXT", nullable: true),
                    region_id = table.Column<string>(type: "TEXT", nullable: true),
                    instance_type = table.Column<string>(type: "TEXT", nullable: true),
                    instance_family = table.Column<string>(type: "TEXT", nullable: true),
                    product_description = table.Column<string>(type: "TEXT", nullable: true),
                    tenancy = table.Column<string>(type: "TEXT", nullable: true),
                    plan_type = table.Column<string>(type: "TEXT", nullable: true),
                    offering_class = table.Column<string>(type: "TEXT", nullable: true),
                    is_flexible = table.Column<bool>(type: "INTEGER", nullable: true),
                    term_months = table.Column<int>(type: "INTEGER", nullable: false),
                    payment_option = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    upfront_per_unit = table.Column<long>(type: "INTEGER", nullable: false),
                    hourly_per_unit = table.Column<long>(type: "INTEGER", nullable: false),
                    unit = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    recommended_quantity = table.Column<int>(type: "INTEGER", nullable: false),
                    selected_quantity = table.Column<int>(type: "INTEGER", nullable: false),
                    recommended_commitment = table.Column<long>(type: "INTEGER", nullable: false),
                    selected_commitment = table.Column<long>(type: "INTEGER", nullable: false),
                    is_selected = table.Column<bool>(type: "INTEGER", nullable: false),
                    after_amortized_cost = table.Column<long>(type: "INTEGER", nullable: false),
                    upfront_cost = table.Column<long>(type: "INTEGER", nullable: false),
                    recurring_cost = table.Column<long>(type: "INTEGER", nullable: false),
                    before_cost = table.Column<long>(type: "INTEGER", nullable: false),
                    before_on_demand_cost = table.Column<long>(type: "INTEGER", nullable: false),
                    before_reserved_cost = table.Column<long>(type: "INTEGER", nullable: false),
                    covered_on_demand_cost = table.Column<long>(type: "INTEGER", nullable: false),
                    after_covered_units = table.Column<double>(type: "REAL", nullable: false),
                    total_cost = table.Column<long>(type: "INTEGER", nullable: false),
                    monthly_cost = table.Column<long>(type: "INTEGER", nullable: false),
                    savings = table.Column<long>(type: "INTEGER", nullable: false),
                    monthly_savings = table.Column<long>(type: "INTEGER", nullable: false),
                    total_savings = table.Column<long>(type: "INTEGER", nullable: false),
                    fee = table.Column<long>(type: "INTEGER", nullable: false),
                    discount_rate = table.Column<double>(type: "REAL", nullable: false),
                    breakeven_hours = table.Column<double>(type: "REAL", nullable: false),
                    loss_probability = table.Column<double>(type: "REAL", nullable: false),
                    expected_utilization = table.Column<double>(type: "REAL", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_commitment_plan_line_items", x => x.id);
                    table.ForeignKey(
                        name: "FK_commitment_plan_line_items_commitment_plans_plan_id",
                        column: x => x.plan_id,
                        principalTable: "commitment_plans",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_commitment_plan_line_items_plan_id",
                table: "commitment_plan_line_items",
                column: "plan_id");

            migrationBuilder.CreateIndex(
                name: "IX_commitment_plans_org_id_provider_superseded_at",
                table: "commitment_plans",
                columns: new[] { "org_id", "provider", "superseded_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "commitment_plan_line_items");

            migrationBuilder.DropTable(
                name: "commitment_plans");
        }
    }
}
