using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Tranche.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ResourcePeriods : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "resource_days");

            migrationBuilder.CreateTable(
                name: "resource_periods",
                columns: table => new
                {
                    billing_period_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    resource_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    org_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    first_day = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    days = table.Column<int>(type: "INTEGER", nullable: false),
                    first_usage_day = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    last_usage_day = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    daily_presence = table.Column<byte[]>(type: "BLOB", nullable: false),
                    daily_quantity = table.Column<byte[]>(type: "BLOB", nullable: false),
                    daily_covered_quantity = table.Column<byte[]>(type: "BLOB", nullable: false),
                    daily_usage_hours = table.Column<byte[]>(type: "BLOB", nullable: false),
                    daily_list_cost = table.Column<byte[]>(type: "BLOB", nullable: false),
                    daily_billed_cost = table.Column<byte[]>(type: "BLOB", nullable: false),
                    daily_effective_cost = table.Column<byte[]>(type: "BLOB", nullable: false),
                    daily_covered_list_cost = table.Column<byte[]>(type: "BLOB", nullable: false),
                    daily_covered_effective_cost = table.Column<byte[]>(type: "BLOB", nullable: false),
                    daily_spot_cost = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_resource_periods", x => new { x.billing_period_id, x.resource_id });
                    table.ForeignKey(
                        name: "FK_resource_periods_billed_resources_resource_id",
                        column: x => x.resource_id,
                        principalTable: "billed_resources",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_resource_periods_billing_periods_billing_period_id",
                        column: x => x.billing_period_id,
                        principalTable: "billing_periods",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_resource_periods_org_id_resource_id",
                table: "resource_periods",
                columns: new[] { "org_id", "resource_id" });

            migrationBuilder.CreateIndex(
                name: "IX_resource_periods_resource_id",
                table: "resource_periods",
                column: "resource_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "resource_periods");

            migrationBuilder.CreateTable(
                name: "resource_days",
                columns: table => new
                {
                    billing_period_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    resource_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    day = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    billed_cost = table.Column<long>(type: "INTEGER", nullable: false),
                    covered_effective_cost = table.Column<long>(type: "INTEGER", nullable: false),
                    covered_list_cost = table.Column<long>(type: "INTEGER", nullable: false),
                    covered_quantity = table.Column<double>(type: "REAL", nullable: false),
                    effective_cost = table.Column<long>(type: "INTEGER", nullable: false),
                    list_cost = table.Column<long>(type: "INTEGER", nullable: false),
                    org_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    quantity = table.Column<double>(type: "REAL", nullable: false),
                    spot_cost = table.Column<long>(type: "INTEGER", nullable: false),
                    usage_hours = table.Column<double>(type: "REAL", nullable: false)
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

            migrationBuilder.CreateIndex(
                name: "IX_resource_days_org_id_resource_id_day",
                table: "resource_days",
                columns: new[] { "org_id", "resource_id", "day" });

            migrationBuilder.CreateIndex(
                name: "IX_resource_days_resource_id",
                table: "resource_days",
                column: "resource_id");
        }
    }
}
