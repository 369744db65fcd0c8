using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Tranche.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class PurchasePolicies : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "purchase_policies",
                columns: table => new
                {
                    org_id = table.Column<Guid>(type: "uuid", nullable: false),
                    allowed_providers = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    allowed_commitment_types = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    max_upfront_per_purchase = table.Column<long>(type: "bigint", nullable: true),
                    max_new_monthly_commitment_per_month = table.Column<long>(type: "bigint", nullable: true),
                    max_term_months = table.Column<int>(type: "integer", nullable: true),
                    dry_run = table.Column<bool>(type: "boolean", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_by = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_purchase_policies", x => x.org_id);
                    table.ForeignKey(
                        name: "FK_purchase_policies_orgs_org_id",
                        column: x => x.org_id,
                        principalTable: "orgs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "purchase_policies");
        }
    }
}
