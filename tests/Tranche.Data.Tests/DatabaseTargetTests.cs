namespace Tranche.Data.Tests;

public sealed class DatabaseTargetTests
{
    [Fact]
    public void Nothing_means_a_SQLite_file_in_the_data_directory()
    {
        var target = DatabaseTarget.Resolve(null, "/srv/tranche");

        Assert.Equal(DatabaseProvider.Sqlite, target.Provider);
        Assert.Equal("SQLite /srv/tranche/tranche.db", target.Describe());
    }

    [Theory]
    [InlineData("/data/t.db", "SQLite /data/t.db")]
    [InlineData("Data Source=/data/t.db", "SQLite /data/t.db")]
    [InlineData("Host=db.internal;Port=6432;Database=tranche;Username=app;Password=secret", "PostgreSQL app@db.internal:6432/tranche")]
    [InlineData("postgres://app:s%40cret@db.internal:6432/tranche?sslmode=require", "PostgreSQL app@db.internal:6432/tranche")]
    [InlineData("postgresql://app@localhost/tranche", "PostgreSQL app@localhost:5432/tranche")]
    public void Resolves_paths_connection_strings_and_urls(string setting, string described)
    {
        var target = DatabaseTarget.Resolve(setting, "/unused");

        Assert.Equal(described, target.Describe());
        Assert.DoesNotContain("secret", target.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Postgres_url_keeps_password_and_ssl_mode()
    {
        var target = DatabaseTarget.Resolve("postgres://app:s%40cret@db:5432/tranche?sslmode=require", ".");
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(target.ConnectionString);

        Assert.Equal("s@cret", builder.Password);
        Assert.Equal(Npgsql.SslMode.Require, builder.SslMode);
    }
}
