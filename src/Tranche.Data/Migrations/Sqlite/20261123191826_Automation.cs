using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Tranche.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Automation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "automation_policies",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    org_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    scope = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    schedule = table.Column<string>(type: "TEXT", maxLength: 120, nullable: false),
                    time_zone = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    plan = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    providers = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    min_net_monthly_savings = table.Column<long>(type: "INTEGER", nullable: true),
                    max_loss_probability = table.Column<double>(type: "REAL", nullable: true),
                    max_upfront = table.Column<long>(type: "INTEGER", nullable: true),
                    max_monthly_commitment = table.Column<long>(type: "INTEGER", nullable: true),
                    max_term_months = table.Column<int>(type: "INTEGER", nullable: true),
                    allowed_commitment_types = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    renew_expiring = table.Column<bool>(type: "INTEGER", nullable: false),
                    renewal_lead_days = table.Column<int>(type: "INTEGER", nullable: false),
                    approval_mode = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_by = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_automation_policies", x => x.id);
                    table.ForeignKey(
                        name: "FK_automation_policies_orgs_org_id",
                        column: x => x.org_id,
                        principalTable: "orgs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "automation_runs",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    policy_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    org_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    trigger = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    scheduled_for = table.Column<DateTime>(type: "TEXT", nullable: false),
                    started_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    finished_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    decision = table.Column<string>(type: "TEXT", maxLength: 30, nullable: false),
                    reason = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    provider = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    plan_id = table.Column<Guid>(type: "TEXT", nullable: true),
                    purchase_id = table.Column<Guid>(type: "TEXT", nullable: true),
                    figures = table.Column<string>(type: "TEXT", nullable: true),
                    ran_by = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_automation_runs", x => x.id);
                    table.ForeignKey(
                        name: "FK_automation_runs_automation_policies_policy_id",
                        column: x => x.policy_id,
                        principalTable: "automation_policies",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_automation_runs_orgs_org_id",
                        column: x => x.org_id,
                        principalTable: "orgs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_automation_policies_org_id_scope",
                table: "automation_policies",
                columns: new[] { "org_id", "scope" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_automation_runs_org_id_started_at",
                table: "automation_runs",
                columns: new[] { "org_id", "started_at" });

            migrationBuilder.CreateIndex(
                name: "IX_automation_runs_policy_id_org_id_provider_trigger_scheduled_for",
                table: "automation_runs",
                columns: new[] { "policy_id", "org_id", "provider", "trigger", "scheduled_for" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "automation_runs");

            migrationBuilder.DropTable(
                name: "automation_policies");
        }
    }
}
