using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Tranche.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class PartnerOnboarding : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "allow_nested_partners",
                table: "orgs",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "email",
                table: "orgs",
                type: "TEXT",
                maxLength: 255,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "offboard_reason",
                table: "orgs",
                type: "TEXT",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "offboarded_at",
                table: "orgs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "cloud_integrations",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    org_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    provider = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    state = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    external_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    role_arn = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    purchase_role_arn = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    subscription_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    organization_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    project_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    billing_account_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    settings = table.Column<string>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    verified_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    last_verified_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    last_verification = table.Column<string>(type: "TEXT", nullable: true),
                    last_synced_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    last_sync_error = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_cloud_integrations", x => x.id);
                    table.ForeignKey(
                        name: "FK_cloud_integrations_orgs_org_id",
                        column: x => x.org_id,
                        principalTable: "orgs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "org_users",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    org_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    email = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    role = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    created_by = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_org_users", x => x.id);
                    table.ForeignKey(
                        name: "FK_org_users_orgs_org_id",
                        column: x => x.org_id,
                        principalTable: "orgs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_cloud_integrations_external_id",
                table: "cloud_integrations",
                column: "external_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_cloud_integrations_org_id_provider",
                table: "cloud_integrations",
                columns: new[] { "org_id", "provider" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_org_users_org_id_email",
                table: "org_users",
                columns: new[] { "org_id", "email" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "cloud_integrations");

            migrationBuilder.DropTable(
                name: "org_users");

            migrationBuilder.DropColumn(
                name: "allow_nested_partners",
                table: "orgs");

            migrationBuilder.DropColumn(
                name: "email",
                table: "orgs");

            migrationBuilder.DropColumn(
                name: "offboard_reason",
                table: "orgs");

            migrationBuilder.DropColumn(
                name: "offboarded_at",
                table: "orgs");
        }
    }
}
