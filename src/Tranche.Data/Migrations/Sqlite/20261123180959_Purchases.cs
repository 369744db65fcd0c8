using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Tranche.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Purchases : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "purchases",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    org_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    plan_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    provider = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    idempotency_key = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    requested_by_key_id = table.Column<Guid>(type: "TEXT", nullable: true),
                    request_id = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    completed_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    total_upfront_cost = table.Column<long>(type: "INTEGER", nullable: false),
                    total_monthly_cost = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_purchases", x => x.id);
                    table.ForeignKey(
                        name: "FK_purchases_commitment_plans_plan_id",
                        column: x => x.plan_id,
                        principalTable: "commitment_plans",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_purchases_orgs_org_id",
                        column: x => x.org_id,
                        principalTable: "orgs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "sandbox_orders",
                columns: table => new
                {
                    org_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    provider = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    order_id = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    offer_type = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    offering_id = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    quantity = table.Column<int>(type: "INTEGER", nullable: false),
                    commitment = table.Column<long>(type: "INTEGER", nullable: false),
                    client_token = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    tags = table.Column<string>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_sandbox_orders", x => new { x.org_id, x.provider, x.order_id });
                    table.ForeignKey(
                        name: "FK_sandbox_orders_orgs_org_id",
                        column: x => x.org_id,
                        principalTable: "orgs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "purchase_line_items",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    org_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    purchase_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    plan_line_item_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    sequence = table.Column<int>(type: "INTEGER", nullable: false),
                    provider = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    offer_type = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    provider_offering_id = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    quantity = table.Column<int>(type: "INTEGER", nullable: false),
                    commitment = table.Column<long>(type: "INTEGER", nullable: false),
                    upfront_cost = table.Column<long>(type: "INTEGER", nullable: false),
                    monthly_cost = table.Column<long>(type: "INTEGER", nullable: false),
                    idempotency_token = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    state = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    provider_order_id = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    error = table.Column<string>(type: "TEXT", nullable: true),
                    submitted_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    finished_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_purchase_line_items", x => x.id);
                    table.ForeignKey(
                        name: "FK_purchase_line_items_purchases_purchase_id",
                        column: x => x.purchase_id,
                        principalTable: "purchases",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_purchase_line_items_idempotency_token",
                table: "purchase_line_items",
                column: "idempotency_token",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_purchase_line_items_purchase_id",
                table: "purchase_line_items",
                column: "purchase_id");

            migrationBuilder.CreateIndex(
                name: "IX_purchases_org_id_idempotency_key",
                table: "purchases",
                columns: new[] { "org_id", "idempotency_key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_purchases_org_id_plan_id",
                table: "purchases",
                columns: new[] { "org_id", "plan_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_purchases_plan_id",
                table: "purchases",
                column: "plan_id");

            migrationBuilder.CreateIndex(
                name: "IX_purchases_status",
                table: "purchases",
                column: "status");

            migrationBuilder.CreateIndex(
                name: "IX_sandbox_orders_org_id_provider_client_token",
                table: "sandbox_orders",
                columns: new[] { "org_id", "provider", "client_token" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "purchase_line_items");

            migrationBuilder.DropTable(
                name: "sandbox_orders");

            migrationBuilder.DropTable(
                name: "purchases");
        }
    }
}
