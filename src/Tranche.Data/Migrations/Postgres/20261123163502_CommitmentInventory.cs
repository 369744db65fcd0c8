using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Tranche.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class CommitmentInventory : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "commitments",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    org_id = table.Column<Guid>(type: "uuid", nullable: false),
                    provider = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    provider_commitment_id = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    source = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    category = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    name = table.Column<string>(type: "text", nullable: true),
                    account_id = table.Column<string>(type: "text", nullable: true),
                    billing_account_id = table.Column<string>(type: "text", nullable: true),
                    region_id = table.Column<string>(type: "text", nullable: true),
                    availability_zone = table.Column<string>(type: "text", nullable: true),
                    instance_type = table.Column<string>(type: "text", nullable: true),
                    instance_family = table.Column<string>(type: "text", nullable: true),
                    product_description = table.Column<string>(type: "text", nullable: true),
                    tenancy = table.Column<string>(type: "text", nullable: true),
                    is_multi_az = table.Column<bool>(type: "boolean", nullable: true),
                    plan_type = table.Column<string>(type: "text", nullable: true),
                    scope = table.Column<string>(type: "text", nullable: true),
                    order_id = table.Column<string>(type: "text", nullable: true),
                    resource_group = table.Column<string>(type: "text", nullable: true),
                    offering_class = table.Column<string>(type: "text", nullable: true),
                    offering_id = table.Column<string>(type: "text", nullable: true),
                    payment_option = table.Column<string>(type: "text", nullable: true),
                    instance_count = table.Column<int>(type: "integer", nullable: true),
                    quantity = table.Column<double>(type: "double precision", nullable: false),
                    unit = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    is_flexible = table.Column<bool>(type: "boolean", nullable: true),
                    starts_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ends_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    upfront_cost = table.Column<long>(type: "bigint", nullable: false),
                    recurring_hourly_cost = table.Column<long>(type: "bigint", nullable: false),
                    currency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: false),
                    provider_state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_commitments", x => x.id);
                    table.ForeignKey(
                        name: "FK_commitments_orgs_org_id",
                        column: x => x.org_id,
                        principalTable: "orgs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "sandbox_commitments",
                columns: table => new
                {
                    org_id = table.Column<Guid>(type: "uuid", nullable: false),
                    provider = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    provider_commitment_id = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    document = table.Column<string>(type: "text", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_sandbox_commitments", x => new { x.org_id, x.provider, x.provider_commitment_id });
                    table.ForeignKey(
                        name: "FK_sandbox_commitments_orgs_org_id",
                        column: x => x.org_id,
                        principalTable: "orgs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_commitments_org_id_provider_provider_commitment_id",
                table: "commitments",
                columns: new[] { "org_id", "provider", "provider_commitment_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_commitments_org_id_updated_at",
                table: "commitments",
                columns: new[] { "org_id", "updated_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "commitments");

            migrationBuilder.DropTable(
                name: "sandbox_commitments");
        }
    }
}
