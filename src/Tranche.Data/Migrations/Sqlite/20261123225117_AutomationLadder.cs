using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Tranche.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AutomationLadder : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "ladder_rungs",
                table: "automation_policies",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ladder_rungs",
                table: "automation_policies");
        }
    }
}
