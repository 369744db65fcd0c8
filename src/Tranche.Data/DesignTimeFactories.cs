using Microsoft.EntityFrameworkCore.Design;

namespace Tranche.Data;

/// <summary>Lets <c>dotnet ef migrations add --context SqliteTrancheDbContext</c> build the SQLite model.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteTrancheDbContext>
{
    public SqliteTrancheDbContext CreateDbContext(string[] args) =>
        (SqliteTrancheDbContext)TrancheDatabase.CreateContext(DatabaseTarget.Sqlite(Path.Combine(Path.GetTempPath(), "tranche-design.db")));
}

/// <summary>Lets <c>dotnet ef migrations add --context PostgresTrancheDbContext</c> build the PostgreSQL model (no server needed).</summary>
internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresTrancheDbContext>
{
    public PostgresTrancheDbContext CreateDbContext(string[] args) =>
        (PostgresTrancheDbContext)TrancheDatabase.CreateContext(DatabaseTarget.Resolve("Host=localhost;Database=tranche;Username=tranche", "."));
}
